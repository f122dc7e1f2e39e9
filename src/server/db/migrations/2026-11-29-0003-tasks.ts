import type { Kysely } from 'kysely';

// Tasks, their event history, notifications/alerts and per-user read state.
// Portable types only: text, integer, bigint (epoch ms). JSON is stored as text.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('source_module', 'text', (c) => c.notNull())
    .addColumn('source_entity_type', 'text')
    .addColumn('source_entity_id', 'text')
    .addColumn('assignee_unit_id', 'text', (c) => c.notNull().references('units.id'))
    .addColumn('assignee_path', 'text', (c) => c.notNull())
    .addColumn('creator_unit_id', 'text', (c) => c.references('units.id'))
    .addColumn('creator_user_id', 'text')
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint')
    .addColumn('overdue_notified_at', 'bigint')
    .addColumn('cancel_reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tasks_assignee_idx').on('tasks').columns(['assignee_unit_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('tasks_creator_idx').on('tasks').columns(['creator_unit_id', 'created_at']).execute();
  await db.schema.createIndex('tasks_path_idx').on('tasks').columns(['jurisdiction_path']).execute();
  await db.schema.createIndex('tasks_assignee_path_idx').on('tasks').columns(['assignee_path']).execute();
  await db.schema.createIndex('tasks_due_idx').on('tasks').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('tasks_source_idx').on('tasks').columns(['source_module', 'source_entity_type', 'source_entity_id']).execute();

  await db.schema
    .createTable('task_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('unit_id', 'text')
    .addColumn('from_unit_id', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('task_events_task_idx').on('task_events').columns(['task_id', 'at']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('severity', 'text')
    .addColumn('user_id', 'text')
    .addColumn('unit_id', 'text')
    .addColumn('jurisdiction_path', 'text')
    .addColumn('source_module', 'text', (c) => c.notNull())
    .addColumn('source_entity_type', 'text')
    .addColumn('source_entity_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_by_name', 'text')
    .addColumn('ack_note', 'text')
    .execute();
  await db.schema.createIndex('notifications_user_idx').on('notifications').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('notifications_unit_idx').on('notifications').columns(['unit_id', 'created_at']).execute();
  await db.schema.createIndex('notifications_path_idx').on('notifications').columns(['jurisdiction_path', 'created_at']).execute();
  await db.schema.createIndex('notifications_created_idx').on('notifications').columns(['created_at']).execute();

  await db.schema
    .createTable('notification_reads')
    .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('read_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_reads_pk', ['notification_id', 'user_id'])
    .execute();
  await db.schema.createIndex('notification_reads_user_idx').on('notification_reads').columns(['user_id']).execute();
}
