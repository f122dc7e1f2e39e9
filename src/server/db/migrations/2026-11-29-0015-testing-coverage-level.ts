import type { Kysely } from 'kysely';

// A node's children in a campaign's coverage (campaign, level, path prefix, in path order) walk this
// index. Without it SQLite planned the read on the primary key (campaign only) to skip the sort, and
// walked every coverage row of the campaign — millions at Shanghai's scale (2.2 s per roll-up).
// Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('testing_coverage_level_path_idx').on('testing_coverage').columns(['campaign_id', 'level', 'jurisdiction_path']).execute();
}
