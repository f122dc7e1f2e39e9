import type { Kysely } from 'kysely';

// Spatiotemporal companions: an accepted candidate keeps the contact it became (accepting again
// returns it instead of making a second one). Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('companion_candidates').addColumn('contact_id', 'text').execute();
}
