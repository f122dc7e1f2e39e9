import type { Kysely } from 'kysely';

// A jurisdiction whose code is a local one, not a GB/T 2260 / statistical division code (the demo's
// 宜昌高新区 420571 and everything under it): 1, shown as 本地编码 / local code. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('jurisdictions')
    .addColumn('local_code', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
