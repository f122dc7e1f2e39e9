import type { Kysely } from 'kysely';

// geo.nearest(): a bounding box on stored centroids per level walks this index (level equality,
// latitude range, longitude checked in the index) instead of every node. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('jurisdictions_centroid_idx').on('jurisdictions').columns(['level', 'centroid_lat', 'centroid_lng']).execute();
}
