import type { Kysely } from 'kysely';

// The lab worklist (issue 16) reads the tubes waiting for receipt (status closed, oldest closing
// first) and the tubes at the lab (status received, oldest receipt first) across every campaign.
// The campaign-led indexes cannot serve that, so two indexes led by the status. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('testing_tubes_status_closed_idx').on('testing_tubes').columns(['status', 'closed_at']).execute();
  await db.schema.createIndex('testing_tubes_status_received_idx').on('testing_tubes').columns(['status', 'received_at']).execute();
}
