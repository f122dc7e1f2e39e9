import type { Kysely } from 'kysely';

// Cases (感染者), investigations, contacts, cross-region requests (协查), clusters (一起疫情) and the
// protocol presets (防控方案) they follow. Portable types only: text, integer, bigint (epoch ms).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('case_presets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text')
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('shipped', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_presets_key_version_uq').on('case_presets').columns(['key', 'version']).unique().execute();

  await db.schema
    .createTable('case_clusters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('first_case_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('preset_id', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text', (c) => c.notNull())
    .addColumn('last_case_at', 'bigint')
    .addColumn('contained_at', 'bigint')
    .addColumn('extinguished_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_clusters_status_idx').on('case_clusters').columns(['status', 'jurisdiction_path']).execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('name_masked', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('onset_date', 'text')
    .addColumn('report_date', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint', (c) => c.notNull())
    .addColumn('clinical_status', 'text', (c) => c.notNull())
    .addColumn('detection_channel', 'text', (c) => c.notNull())
    .addColumn('source_case_id', 'text')
    .addColumn('cluster_id', 'text')
    .addColumn('preset_id', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text', (c) => c.notNull())
    .addColumn('positive_tube_id', 'text')
    .addColumn('positive_at', 'bigint')
    .addColumn('recheck_id', 'text')
    .addColumn('recheck_tube_id', 'text')
    .addColumn('core_investigation_at', 'bigint')
    .addColumn('close_contacts_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // The scoped list: a district user's first page by report date (prefix LIKE on the path, then the sort).
  await db.schema.createIndex('cases_path_report_idx').on('cases').columns(['jurisdiction_path', 'report_date', 'id']).execute();
  await db.schema.createIndex('cases_report_idx').on('cases').columns(['report_date', 'id']).execute();
  await db.schema.createIndex('cases_person_idx').on('cases').column('person_id').execute();
  await db.schema.createIndex('cases_cluster_idx').on('cases').columns(['cluster_id', 'confirmed_at']).execute();
  await db.schema.createIndex('cases_recheck_uq').on('cases').column('recheck_id').unique().execute();

  await db.schema
    .createTable('case_places')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_id', 'text')
    .addColumn('place_path', 'text')
    .addColumn('place_level', 'text')
    .addColumn('lng', 'double precision')
    .addColumn('lat', 'double precision')
    .addColumn('snapped', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('from_at', 'bigint', (c) => c.notNull())
    .addColumn('to_at', 'bigint', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_places_case_idx').on('case_places').columns(['case_id', 'from_at']).execute();

  await db.schema
    .createTable('case_contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('cluster_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('name_masked', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('exposure_date', 'text', (c) => c.notNull())
    .addColumn('exposure_place', 'text')
    .addColumn('relation', 'text')
    .addColumn('before_lookback', 'integer', (c) => c.notNull())
    .addColumn('routing', 'text', (c) => c.notNull())
    .addColumn('person_path', 'text')
    .addColumn('handover_task_id', 'text')
    .addColumn('assist_request_id', 'text')
    .addColumn('control_status', 'text')
    .addColumn('quarantined_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('preset_id', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('identified_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_contacts_path_idx').on('case_contacts').columns(['jurisdiction_path', 'exposure_date', 'id']).execute();
  // Walked in order for a district's first page (the path filter keeps ~1 row in n districts; no sort of the district).
  await db.schema.createIndex('case_contacts_exposure_idx').on('case_contacts').columns(['exposure_date', 'id']).execute();
  await db.schema.createIndex('case_contacts_case_idx').on('case_contacts').column('case_id').execute();
  await db.schema.createIndex('case_contacts_cluster_idx').on('case_contacts').columns(['cluster_id', 'status']).execute();
  await db.schema.createIndex('case_contacts_person_idx').on('case_contacts').column('person_id').execute();

  await db.schema
    .createTable('case_assist_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('contact_id', 'text')
    .addColumn('subject_masked', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('note', 'text')
    .addColumn('external_ref', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_assist_path_idx').on('case_assist_requests').columns(['jurisdiction_path', 'created_at']).execute();
}
