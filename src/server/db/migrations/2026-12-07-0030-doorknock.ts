import type { Kysely } from 'kysely';

// Issue 16, "The door-knocking list (敲门行动) is a field tool": one row per knock with its outcome,
// read back as each person's latest outcome for the next list. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('doorknock_outcomes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('building_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('doorknock_outcomes_building_idx').on('doorknock_outcomes').columns(['campaign_id', 'building_id', 'at']).execute();
  await db.schema.createIndex('doorknock_outcomes_person_idx').on('doorknock_outcomes').columns(['person_id', 'at']).execute();
}
