import type { Kysely } from 'kysely';

// A campaign's activation lease: an activation without a caller's transaction writes its coverage
// rows in many short transactions (minutes at Shanghai's scale). The lease (a token and the time it
// runs out, renewed with each page) lets exactly one activation run at a time across every server
// on the database; a crashed one's lease runs out and the next attempt takes over.
// Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('testing_campaigns').addColumn('activation_token', 'text').execute();
  await db.schema.alterTable('testing_campaigns').addColumn('activation_lease_until', 'bigint').execute();
}
