import type { Kysely } from 'kysely';

// Risk areas (风险区): areas, their nodes, their history (each row journaled) and settings/version.
// Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('zoning_areas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('measures', 'text', (c) => c.notNull())
    .addColumn('basis_case_ids', 'text', (c) => c.notNull())
    .addColumn('basis_contact_ids', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('district_path', 'text', (c) => c.notNull())
    .addColumn('node_count', 'integer', (c) => c.notNull())
    .addColumn('population', 'integer', (c) => c.notNull())
    .addColumn('preset_id', 'text', (c) => c.notNull())
    .addColumn('preset_version', 'text', (c) => c.notNull())
    .addColumn('preset_name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_key', 'text')
    .addColumn('proposed_by', 'text')
    .addColumn('proposed_by_name', 'text', (c) => c.notNull())
    .addColumn('proposed_at', 'bigint', (c) => c.notNull())
    .addColumn('published_by', 'text')
    .addColumn('published_by_name', 'text')
    .addColumn('published_at', 'bigint')
    .addColumn('owner_unit_id', 'text')
    .addColumn('level_since', 'bigint')
    .addColumn('lifted_by', 'text')
    .addColumn('lifted_by_name', 'text')
    .addColumn('lifted_at', 'bigint')
    .addColumn('rejected_by', 'text')
    .addColumn('rejected_by_name', 'text')
    .addColumn('rejected_at', 'bigint')
    .addColumn('reject_reason', 'text')
    .addColumn('justification', 'text')
    .addColumn('justified_by_name', 'text')
    .addColumn('justified_at', 'bigint')
    .addColumn('negative_round_at', 'bigint')
    .addColumn('negative_round_note', 'text')
    .addColumn('last_case_id', 'text')
    .addColumn('last_case_at', 'bigint')
    .addColumn('lift_task_id', 'text')
    .addColumn('lift_task_level', 'text')
    .addColumn('overdue_alert_level', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('zoning_areas_status_idx').on('zoning_areas').columns(['status', 'jurisdiction_path']).execute();
  await db.schema.createIndex('zoning_areas_source_key_idx').on('zoning_areas').columns(['source_key', 'status']).execute();

  await db.schema
    .createTable('zoning_area_nodes')
    .addColumn('area_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('zoning_area_nodes_pk', ['area_id', 'jurisdiction_id'])
    .execute();
  await db.schema.createIndex('zoning_area_nodes_path_idx').on('zoning_area_nodes').columns(['path', 'area_id']).execute();

  await db.schema
    .createTable('zoning_area_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('area_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('node_ids', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('journal_seq', 'bigint')
    .execute();
  await db.schema.createIndex('zoning_area_events_area_idx').on('zoning_area_events').columns(['area_id', 'at']).execute();
  await db.schema.createIndex('zoning_area_events_at_idx').on('zoning_area_events').columns(['at']).execute();

  await db.schema
    .createTable('zoning_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
