import type { Kysely } from 'kysely';

// Issue 13 (testing and control review):
// - control_reviews: the review record a `manual_review` basis must name (reviewer, reason, evidence,
//   and a second person's approval);
// - testing_coverage.door_target / door_sampled: residents of sealed areas in each node, who are
//   sampled at their door (上门采样), and how many of them were sampled that way;
// - testing_campaigns.sealed_pool_mode: whether a campaign takes its pool mode from published risk
//   areas (null: no) and the mode in sealed areas (0 = one tube per household, 1 = single tube).
// Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('control_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('reviewer_id', 'text')
    .addColumn('reviewer_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_by_name', 'text')
    .addColumn('approved_at', 'bigint')
    .addColumn('approval_note', 'text')
    .addColumn('rejected_by', 'text')
    .addColumn('rejected_by_name', 'text')
    .addColumn('rejected_at', 'bigint')
    .addColumn('reject_reason', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('control_reviews_path').on('control_reviews').columns(['jurisdiction_path', 'created_at']).execute();
  await db.schema
    .alterTable('testing_coverage')
    .addColumn('door_target', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('testing_coverage')
    .addColumn('door_sampled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('testing_campaigns').addColumn('sealed_pool_mode', 'integer').execute();
}
