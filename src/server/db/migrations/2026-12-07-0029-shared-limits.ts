import type { Kysely } from 'kysely';

// Issue 14, "Sessions and accounts": rate limits and live-stream caps that hold across
// `serve --workers N` (and across servers sharing one database). Counters are rows upserted in one
// statement; open live streams are rows with a lease that their process renews, so a killed
// worker's streams stop counting when their lease runs out. And, for "registering must not tell a
// district whether an ID number is registered in another district": person_handovers records a
// registration of a document another district holds (created as a fresh record, handed over to
// the holder). Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('until', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limits_expires_idx').on('rate_limits').column('expires_at').execute();
  await db.schema
    .createTable('live_streams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('live_streams_user_idx').on('live_streams').columns(['user_id', 'lease_until']).execute();
  await db.schema.createIndex('live_streams_session_idx').on('live_streams').columns(['session_id', 'lease_until']).execute();
  await db.schema
    .createTable('person_handovers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('id_hmac', 'text', (c) => c.notNull())
    .addColumn('holder_id', 'text', (c) => c.notNull())
    .addColumn('holder_path', 'text', (c) => c.notNull())
    .addColumn('registered_path', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('person_handovers_hmac_idx').on('person_handovers').column('id_hmac').execute();
  await db.schema.createIndex('person_handovers_holder_idx').on('person_handovers').columns(['holder_path', 'created_at']).execute();
}
