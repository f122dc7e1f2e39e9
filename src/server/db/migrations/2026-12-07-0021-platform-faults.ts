import { sql, type Kysely } from 'kysely';

// Issue 14, faults. A person counts once per campaign, enforced by the database: at most one
// counted scan per (campaign, person). Two scans of one person at the same moment on two
// connections could both read "not yet sampled" and both count (PostgreSQL, READ COMMITTED); now the
// second insert cannot commit. Earlier duplicates are first set to uncounted (the oldest scan keeps
// counting), so the index can be built on an existing database; recount coverage after upgrading one
// that was hit. Portable types only (a partial unique index exists on both dialects).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update testing_scans set counted = 0
    where counted = 1 and exists (
      select 1 from testing_scans earlier
      where earlier.campaign_id = testing_scans.campaign_id and earlier.person_id = testing_scans.person_id
        and earlier.counted = 1 and earlier.id < testing_scans.id)`.execute(db);
  await db.schema
    .createIndex('testing_scans_counted_person_uq')
    .on('testing_scans')
    .columns(['campaign_id', 'person_id'])
    .unique()
    .where(sql.ref('counted'), '=', 1)
    .execute();
}
