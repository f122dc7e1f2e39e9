import type { Kysely } from 'kysely';

// Issue 16, "Tasks are a to-do list": a task names its subject (a masked person, a tube barcode, a
// place or an area) in a column of its own; a task closed by work done elsewhere records what closed
// it (kind + id + when); alerts about one event share a group key so the feed shows them once with
// their recipients. Rows written before this migration have no subject: the service falls back to the
// subject parameter of their title key (name, barcode, place, area). Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('subject', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('subject_kind', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('closed_by_kind', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('closed_by_id', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('closed_at', 'bigint').execute();
  await db.schema.alterTable('notifications').addColumn('group_key', 'text').execute();
  await db.schema.createIndex('notifications_group_idx').on('notifications').column('group_key').execute();
}
