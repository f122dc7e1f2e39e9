import type { Kysely } from 'kysely';

/**
 * The two-person rule for manual control changes counts per actor over a window (so a bulk change
 * cannot be split into requests under the threshold): the changes one actor made since a time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('control_status_changes_actor_idx').on('control_status_changes').columns(['actor_id', 'mode', 'at']).execute();
}
