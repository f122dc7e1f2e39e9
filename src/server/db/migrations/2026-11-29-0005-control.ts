import type { Kysely } from 'kysely';

// Control status (管控状态) and the status guard. Portable types only: text, integer, bigint (epoch ms).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('control_statuses')
    .addColumn('person_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('basis_type', 'text', (c) => c.notNull())
    .addColumn('basis_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('control_statuses_path_idx').on('control_statuses').columns(['jurisdiction_path', 'status']).execute();
  // Measures that end (release checks look up due rows by status and end time).
  await db.schema.createIndex('control_statuses_ends_idx').on('control_statuses').columns(['status', 'ends_at']).execute();

  await db.schema
    .createTable('control_status_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('basis_type', 'text', (c) => c.notNull())
    .addColumn('basis_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('bulk_request_id', 'text')
    .addColumn('journal_seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('control_status_changes_person_idx').on('control_status_changes').columns(['person_id', 'at']).execute();
  await db.schema.createIndex('control_status_changes_basis_idx').on('control_status_changes').columns(['basis_type', 'basis_id']).execute();
  await db.schema.createIndex('control_status_changes_bulk_idx').on('control_status_changes').column('bulk_request_id').execute();

  await db.schema
    .createTable('control_bulk_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('basis_type', 'text', (c) => c.notNull())
    .addColumn('basis_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('person_ids', 'text', (c) => c.notNull())
    .addColumn('person_count', 'integer', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('requested_by_name', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_by_name', 'text')
    .addColumn('approved_at', 'bigint')
    .addColumn('approval_note', 'text')
    .addColumn('rejected_by', 'text')
    .addColumn('rejected_by_name', 'text')
    .addColumn('rejected_at', 'bigint')
    .addColumn('reject_reason', 'text')
    .addColumn('applied_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('control_bulk_requests_status_idx')
    .on('control_bulk_requests')
    .columns(['status', 'jurisdiction_path', 'requested_at'])
    .execute();

  await db.schema
    .createTable('control_status_counts')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('control_status_counts_pk', ['jurisdiction_path', 'status'])
    .execute();
}
