import type { Kysely } from 'kysely';

// Zoning lifting as the texts lift areas (issue 13):
// - the lifting round: the testing campaign the schedule created for the current step of an area
//   (round_key = `<level>|<round day>` it was made for, so a countdown reset makes a new one);
// - extension proposals: a new case NEAR an area no longer restarts its countdown by itself; it
//   raises a proposal to extend, with the evidence, that a person accepts or rejects with a reason.
// Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('zoning_areas').addColumn('round_key', 'text').execute();
  await db.schema.alterTable('zoning_areas').addColumn('round_campaign_id', 'text').execute();
  await db.schema
    .createTable('zoning_extensions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('area_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('case_confirmed_at', 'bigint', (c) => c.notNull())
    .addColumn('distance_m', 'integer', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_by_name', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('decision_reason', 'text')
    .execute();
  await db.schema.createIndex('zoning_extensions_area').on('zoning_extensions').columns(['area_id', 'case_id']).unique().execute();
}
