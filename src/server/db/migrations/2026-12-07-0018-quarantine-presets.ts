import type { Kysely } from 'kysely';

// Quarantine counted as the texts count it, and travellers (issue 13):
// - a test day can be "not applicable" (the person was placed after it) or an admission test (入住检测);
// - a stay keeps the day it was placed, its point-to-point transfer task (central → home) and the one
//   task asking for a pending last result (so the overdue check never floods);
// - a secondary contact names the close contact it was exposed through (9th edition linked release);
// - travellers (来返、入境、高风险岗位人员) and their arrival tests (落地检) at the city's entry points.
// Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('quarantine_tests')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('scheduled'))
    .execute();
  await db.schema
    .alterTable('quarantine_tests')
    .addColumn('not_applicable', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('quarantine_stays').addColumn('placed_day', 'text').execute();
  await db.schema.alterTable('quarantine_stays').addColumn('transfer_task_id', 'text').execute();
  await db.schema.alterTable('quarantine_stays').addColumn('result_task_id', 'text').execute();
  await db.schema.alterTable('case_contacts').addColumn('via_contact_id', 'text').execute();
  await db.schema.createIndex('case_contacts_via_idx').on('case_contacts').column('via_contact_id').execute();
  await db.schema.createIndex('quarantine_stays_basis_idx').on('quarantine_stays').columns(['basis_type', 'basis_id']).execute();

  await db.schema
    .createTable('travellers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('person_path', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('arrival_day', 'text', (c) => c.notNull())
    .addColumn('entry_point', 'text')
    .addColumn('preset_id', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text', (c) => c.notNull())
    .addColumn('stay_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('travellers_path_idx').on('travellers').columns(['person_path', 'created_at']).execute();
  await db.schema.createIndex('travellers_person_idx').on('travellers').column('person_id').execute();

  await db.schema
    .createTable('traveller_arrival_tests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('traveller_id', 'text', (c) => c.notNull())
    .addColumn('entry_point', 'text', (c) => c.notNull())
    .addColumn('tested_at', 'bigint', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('result_ref', 'text')
    .addColumn('recorded_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('traveller_arrival_tests_traveller_idx').on('traveller_arrival_tests').column('traveller_id').execute();
}
