import type { Kysely } from 'kysely';

// Issue 14, trust under attack. Portable types only.
// - journal.wall_at: the real (wall-clock) time of every entry beside its domain time `at`, which a
//   demo or drill may move; null only for entries written before this migration.
// - journal_heads: journal heads signed with an Ed25519 key the database does not hold (the same
//   lines are appended to a file outside the database); `bulwark journal verify` checks them.
// - outbox.capability / outbox.reach: who may receive a live event, the same rule as reading the
//   data through REST (see sse.hub.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journal').addColumn('wall_at', 'bigint').execute();
  await db.schema
    .createTable('journal_heads')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'bigint', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('outbox').addColumn('capability', 'text').execute();
  await db.schema.alterTable('outbox').addColumn('reach', 'text').execute();
}
