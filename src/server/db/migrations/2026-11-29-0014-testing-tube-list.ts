import type { Kysely } from 'kysely';

// A campaign's tube list (newest first, optionally by status) walks this index instead of sorting
// every tube of the campaign: at Shanghai's scale a campaign holds 2.43M tubes. It covers the
// (campaign_id, status) index it replaces. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('testing_tubes_campaign_status_created_idx').on('testing_tubes').columns(['campaign_id', 'status', 'created_at', 'id']).execute();
  await db.schema.createIndex('testing_tubes_campaign_created_idx').on('testing_tubes').columns(['campaign_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('testing_tubes_campaign_status_idx').execute();
}
