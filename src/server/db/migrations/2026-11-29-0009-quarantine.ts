import type { Kysely } from 'kysely';

// Quarantine (隔离): central facilities and their rooms, stays (central or home) and their test days.
// Portable types only: text, integer, bigint (epoch ms), double precision.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('quarantine_facilities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('lng', 'double precision')
    .addColumn('lat', 'double precision')
    .addColumn('staff_count', 'integer', (c) => c.notNull())
    .addColumn('unit_id', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('rooms_total', 'integer', (c) => c.notNull())
    .addColumn('rooms_available', 'integer', (c) => c.notNull())
    .addColumn('rooms_occupied', 'integer', (c) => c.notNull())
    .addColumn('rooms_cleaning', 'integer', (c) => c.notNull())
    .addColumn('rooms_out_of_service', 'integer', (c) => c.notNull())
    .addColumn('beds_total', 'integer', (c) => c.notNull())
    .addColumn('occupants', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('quarantine_facilities_path_idx').on('quarantine_facilities').column('jurisdiction_path').execute();

  await db.schema
    .createTable('quarantine_rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('floor', 'integer', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('occupants', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('quarantine_rooms_number_uq').on('quarantine_rooms').columns(['facility_id', 'number']).unique().execute();
  await db.schema.createIndex('quarantine_rooms_status_idx').on('quarantine_rooms').columns(['facility_id', 'status']).execute();

  await db.schema
    .createTable('quarantine_stays')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('person_path', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'text')
    .addColumn('facility_path', 'text')
    .addColumn('room_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('phases', 'text', (c) => c.notNull())
    .addColumn('basis_type', 'text', (c) => c.notNull())
    .addColumn('basis_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('preset_id', 'text', (c) => c.notNull())
    .addColumn('preset_key', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text', (c) => c.notNull())
    .addColumn('first_day', 'integer', (c) => c.notNull())
    .addColumn('exposure_day', 'text', (c) => c.notNull())
    .addColumn('end_day', 'text', (c) => c.notNull())
    .addColumn('total_days', 'integer', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('owner_unit_id', 'text')
    .addColumn('overdue_alerted_at', 'bigint')
    .addColumn('released_at', 'bigint')
    .addColumn('release_reason', 'text')
    .addColumn('release_override', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('quarantine_stays_person_idx').on('quarantine_stays').columns(['person_id', 'status']).execute();
  await db.schema.createIndex('quarantine_stays_path_idx').on('quarantine_stays').columns(['person_path', 'status']).execute();
  await db.schema.createIndex('quarantine_stays_facility_idx').on('quarantine_stays').columns(['facility_id', 'status']).execute();
  await db.schema.createIndex('quarantine_stays_due_idx').on('quarantine_stays').columns(['status', 'ends_at']).execute();

  await db.schema
    .createTable('quarantine_tests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stay_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('result', 'text')
    .addColumn('recorded_at', 'bigint')
    .addColumn('recorded_by', 'text')
    .execute();
  await db.schema.createIndex('quarantine_tests_stay_uq').on('quarantine_tests').columns(['stay_id', 'day']).unique().execute();
}
