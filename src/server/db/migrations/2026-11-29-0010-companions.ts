import type { Kysely } from 'kysely';

// Spatiotemporal companions (时空伴随): location pings indexed by (grid cell, 10-minute bucket), review
// batches of candidates with evidence. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('companion_pings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('cell', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('import_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('companion_pings_cell_bucket_idx').on('companion_pings').columns(['cell', 'bucket']).execute();
  await db.schema.createIndex('companion_pings_subject_idx').on('companion_pings').columns(['subject_key', 'bucket']).execute();

  await db.schema
    .createTable('companion_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('window_from', 'bigint', (c) => c.notNull())
    .addColumn('window_to', 'bigint', (c) => c.notNull())
    .addColumn('candidate_count', 'integer', (c) => c.notNull())
    .addColumn('pending_count', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('companion_batches_path_idx').on('companion_batches').columns(['jurisdiction_path', 'created_at']).execute();

  await db.schema
    .createTable('companion_candidates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('total_minutes', 'integer', (c) => c.notNull())
    .addColumn('overlap_count', 'integer', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('decision', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('companion_candidates_batch_idx').on('companion_candidates').columns(['batch_id', 'total_minutes']).execute();
}
