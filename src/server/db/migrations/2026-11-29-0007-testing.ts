import type { Kysely } from 'kysely';

// Mass testing (核酸检测): campaigns, coverage counters, sampling sites, tubes, scans, results,
// flags, rechecks. Portable types only: text, integer, bigint (epoch ms), double precision.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('testing_campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('scope_ids', 'text', (c) => c.notNull())
    .addColumn('scope_paths', 'text', (c) => c.notNull())
    .addColumn('scope_path', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline_at', 'bigint', (c) => c.notNull())
    .addColumn('pool_size', 'integer', (c) => c.notNull())
    .addColumn('pool_overrides', 'text', (c) => c.notNull())
    .addColumn('exempt_statuses', 'text', (c) => c.notNull())
    .addColumn('recheck_hours', 'integer', (c) => c.notNull())
    .addColumn('target_total', 'bigint', (c) => c.notNull())
    .addColumn('exempt_total', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('coverage_published_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('testing_campaigns_scope_idx').on('testing_campaigns').columns(['scope_path', 'created_at']).execute();

  await db.schema
    .createTable('testing_exemptions')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('testing_exemptions_pk', ['campaign_id', 'person_id'])
    .execute();

  // Counters per campaign and jurisdiction node (the node and every ancestor of the scope), kept
  // current in the same transaction as each scan and result.
  await db.schema
    .createTable('testing_coverage')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('pool_size', 'integer', (c) => c.notNull())
    .addColumn('target', 'bigint', (c) => c.notNull())
    .addColumn('exempt', 'bigint', (c) => c.notNull())
    .addColumn('sampled', 'bigint', (c) => c.notNull())
    .addColumn('resulted', 'bigint', (c) => c.notNull())
    .addColumn('negative', 'bigint', (c) => c.notNull())
    .addColumn('invalid', 'bigint', (c) => c.notNull())
    .addColumn('positive_tubes', 'bigint', (c) => c.notNull())
    .addColumn('pending_recheck', 'bigint', (c) => c.notNull())
    .addColumn('recheck_positive', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('testing_coverage_pk', ['campaign_id', 'jurisdiction_path'])
    .execute();
  await db.schema.createIndex('testing_coverage_level_idx').on('testing_coverage').columns(['campaign_id', 'level', 'updated_at']).execute();

  await db.schema
    .createTable('testing_rate_buckets')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('minute', 'bigint', (c) => c.notNull())
    .addColumn('sampled', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('testing_rate_buckets_pk', ['campaign_id', 'minute'])
    .execute();

  await db.schema
    .createTable('testing_sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('lng', 'double precision', (c) => c.notNull())
    .addColumn('lat', 'double precision', (c) => c.notNull())
    .addColumn('lanes', 'integer', (c) => c.notNull())
    .addColumn('opening_hours', 'text', (c) => c.notNull())
    .addColumn('staff', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('testing_sites_path_idx').on('testing_sites').column('jurisdiction_path').execute();

  await db.schema
    .createTable('testing_site_compounds')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('compound_id', 'text', (c) => c.notNull())
    .addColumn('compound_path', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('testing_site_compounds_pk', ['site_id', 'compound_id'])
    .execute();
  await db.schema.createIndex('testing_site_compounds_compound_idx').on('testing_site_compounds').column('compound_id').execute();

  await db.schema
    .createTable('testing_site_readiness')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('aspect', 'text', (c) => c.notNull())
    .addColumn('ready', 'integer', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('checked_by', 'text')
    .addColumn('checked_by_name', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('testing_site_readiness_pk', ['site_id', 'aspect'])
    .execute();

  await db.schema
    .createTable('testing_tubes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('barcode', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pool_size', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('parent_tube_id', 'text')
    .addColumn('scan_count', 'integer', (c) => c.notNull())
    .addColumn('open_client_id', 'text')
    .addColumn('opened_by', 'text')
    .addColumn('opened_by_name', 'text')
    .addColumn('opened_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_reason', 'text')
    .addColumn('close_client_id', 'text')
    .addColumn('box_code', 'text')
    .addColumn('received_at', 'bigint')
    .addColumn('received_by', 'text')
    .addColumn('result', 'text')
    .addColumn('ct_orf1ab', 'double precision')
    .addColumn('ct_n', 'double precision')
    .addColumn('result_at', 'bigint')
    .addColumn('lab', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // NULL barcodes (recheck tubes not yet sampled) are distinct on both dialects.
  await db.schema.createIndex('testing_tubes_campaign_barcode_uq').on('testing_tubes').columns(['campaign_id', 'barcode']).unique().execute();
  await db.schema.createIndex('testing_tubes_barcode_idx').on('testing_tubes').columns(['barcode', 'created_at']).execute();
  await db.schema.createIndex('testing_tubes_parent_idx').on('testing_tubes').column('parent_tube_id').execute();
  await db.schema.createIndex('testing_tubes_campaign_status_idx').on('testing_tubes').columns(['campaign_id', 'status']).execute();

  await db.schema
    .createTable('testing_scans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('tube_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('name_masked', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('counted', 'integer', (c) => c.notNull())
    .addColumn('recheck', 'integer', (c) => c.notNull())
    .addColumn('sampler_id', 'text')
    .addColumn('sampler_name', 'text', (c) => c.notNull())
    .addColumn('scanned_at', 'bigint', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('testing_scans_client_uq').on('testing_scans').column('client_id').unique().execute();
  await db.schema.createIndex('testing_scans_tube_idx').on('testing_scans').columns(['tube_id', 'recorded_at']).execute();
  await db.schema.createIndex('testing_scans_campaign_person_idx').on('testing_scans').columns(['campaign_id', 'person_id']).execute();
  await db.schema.createIndex('testing_scans_person_idx').on('testing_scans').columns(['person_id', 'recorded_at']).execute();

  await db.schema
    .createTable('testing_results')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tube_id', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('ct_orf1ab', 'double precision')
    .addColumn('ct_n', 'double precision')
    .addColumn('resulted_at', 'bigint', (c) => c.notNull())
    .addColumn('lab', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('effective', 'integer', (c) => c.notNull())
    .addColumn('reported_by', 'text')
    .addColumn('reported_by_name', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('testing_results_tube_idx').on('testing_results').columns(['tube_id', 'reported_at']).execute();

  await db.schema
    .createTable('testing_flags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('tube_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('reviewed_at', 'bigint')
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_by_name', 'text')
    .addColumn('review_note', 'text')
    .execute();
  await db.schema.createIndex('testing_flags_subject_uq').on('testing_flags').columns(['campaign_id', 'kind', 'subject_key']).unique().execute();
  await db.schema.createIndex('testing_flags_campaign_idx').on('testing_flags').columns(['campaign_id', 'reviewed_at', 'created_at']).execute();

  await db.schema
    .createTable('testing_rechecks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('parent_tube_id', 'text', (c) => c.notNull())
    .addColumn('tube_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('name_masked', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('control_applied', 'integer', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('unit_id', 'text')
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('escalated_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('handover_at', 'bigint')
    .addColumn('handover_ack_at', 'bigint')
    .addColumn('handover_ref', 'text')
    .execute();
  await db.schema.createIndex('testing_rechecks_parent_idx').on('testing_rechecks').column('parent_tube_id').execute();
  await db.schema.createIndex('testing_rechecks_tube_idx').on('testing_rechecks').column('tube_id').execute();
  await db.schema.createIndex('testing_rechecks_person_idx').on('testing_rechecks').columns(['person_id', 'created_at']).execute();
  await db.schema.createIndex('testing_rechecks_campaign_idx').on('testing_rechecks').columns(['campaign_id', 'status']).execute();

  await db.schema
    .createTable('testing_home_sampling')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('testing_home_sampling_pk', ['campaign_id', 'person_id'])
    .execute();

  // Bumped in the same transaction as any result that changes what a person's lookup shows; the
  // public lookup cache of every process checks it.
  await db.schema
    .createTable('testing_lookup_versions')
    .addColumn('person_id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
}
