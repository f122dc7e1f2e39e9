import { sql, type Kysely } from 'kysely';

// Issue 14, "The rules that protect people": releasing a stay before its criteria are met is a
// request (with a reason) that a second person holding `quarantine.release-early` approves or
// rejects. At most one pending request per stay, enforced by the database (a partial unique index
// exists on both dialects). Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('quarantine_release_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stay_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('person_path', 'text', (c) => c.notNull())
    .addColumn('facility_path', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_by_name', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_by_name', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('decision_note', 'text')
    .execute();
  await db.schema.createIndex('quarantine_release_requests_stay_idx').on('quarantine_release_requests').columns(['stay_id', 'requested_at']).execute();
  await db.schema.createIndex('quarantine_release_requests_path_idx').on('quarantine_release_requests').columns(['status', 'person_path']).execute();
  await db.schema
    .createIndex('quarantine_release_requests_pending_uq')
    .on('quarantine_release_requests')
    .column('stay_id')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}
