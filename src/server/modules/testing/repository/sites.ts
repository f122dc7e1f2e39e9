/** Sampling sites, the compounds they serve and their readiness (sites.service, planning.service). */
import { type Updateable } from 'kysely';
import type { DbOrTx } from '../../../db/dialect.js';
import type { TestingSiteReadinessTable } from '../testing.table.js';
import { chunks, under, type SiteRow } from './shared.js';

export async function insertSite(db: DbOrTx, row: SiteRow): Promise<void> {
  await db.insertInto('testing_sites').values(row).execute();
}

export async function updateSite(db: DbOrTx, id: string, patch: Updateable<SiteRow>): Promise<void> {
  await db.updateTable('testing_sites').set(patch).where('id', '=', id).execute();
}

export async function findSite(db: DbOrTx, id: string): Promise<SiteRow | undefined> {
  return db.selectFrom('testing_sites').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findSites(db: DbOrTx, ids: readonly string[]): Promise<SiteRow[]> {
  if (!ids.length) return [];
  return db
    .selectFrom('testing_sites')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

export async function listSites(
  db: DbOrTx,
  f: { prefix: string | null; kind?: string; active?: boolean; limit: number; offset: number },
): Promise<{ rows: SiteRow[]; total: number }> {
  let q = db.selectFrom('testing_sites');
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.active !== undefined) q = q.where('active', '=', f.active ? 1 : 0);
  const rows = await q.selectAll().orderBy('jurisdiction_path').orderBy('name').limit(f.limit).offset(f.offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

/** Every active site under a prefix (planning and the 15-minute circle; sites number in the thousands, not millions). */
export async function activeSites(db: DbOrTx, prefix: string | null): Promise<SiteRow[]> {
  let q = db.selectFrom('testing_sites').selectAll().where('active', '=', 1);
  if (prefix) q = q.where('jurisdiction_path', 'like', under(prefix));
  return q.orderBy('jurisdiction_path').execute();
}

/** Active sites inside a lng/lat box (the 15-minute circle looks just past the area's edge). */
export async function activeSitesInBox(db: DbOrTx, box: { minLng: number; minLat: number; maxLng: number; maxLat: number }): Promise<SiteRow[]> {
  return db
    .selectFrom('testing_sites')
    .selectAll()
    .where('active', '=', 1)
    .where('lng', '>=', box.minLng)
    .where('lng', '<=', box.maxLng)
    .where('lat', '>=', box.minLat)
    .where('lat', '<=', box.maxLat)
    .execute();
}

export async function replaceSiteCompounds(db: DbOrTx, siteId: string, compounds: readonly { id: string; path: string }[]): Promise<void> {
  await db.deleteFrom('testing_site_compounds').where('site_id', '=', siteId).execute();
  for (const c of chunks(compounds)) {
    await db
      .insertInto('testing_site_compounds')
      .values(c.map((x) => ({ site_id: siteId, compound_id: x.id, compound_path: x.path })))
      .execute();
  }
}

export async function siteCompounds(db: DbOrTx, siteIds: readonly string[]): Promise<{ site_id: string; compound_id: string; compound_path: string }[]> {
  const out: { site_id: string; compound_id: string; compound_path: string }[] = [];
  for (const c of chunks([...new Set(siteIds)])) out.push(...(await db.selectFrom('testing_site_compounds').selectAll().where('site_id', 'in', c).execute()));
  return out;
}

export async function upsertReadiness(db: DbOrTx, row: TestingSiteReadinessTable): Promise<void> {
  await db
    .insertInto('testing_site_readiness')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['site_id', 'aspect'])
        .doUpdateSet({ ready: row.ready, note: row.note, checked_by: row.checked_by, checked_by_name: row.checked_by_name, checked_at: row.checked_at }),
    )
    .execute();
}

export async function readiness(db: DbOrTx, siteIds: readonly string[]): Promise<TestingSiteReadinessTable[]> {
  const out: TestingSiteReadinessTable[] = [];
  for (const c of chunks([...new Set(siteIds)])) out.push(...(await db.selectFrom('testing_site_readiness').selectAll().where('site_id', 'in', c).execute()));
  return out;
}

/** Active sites under a prefix without a `ready` check of this aspect. */
export async function sitesNotReady(db: DbOrTx, prefix: string | null, aspect: string, limit: number): Promise<SiteRow[]> {
  let q = db
    .selectFrom('testing_sites as s')
    .leftJoin('testing_site_readiness as r', (j) => j.onRef('r.site_id', '=', 's.id').on('r.aspect', '=', aspect))
    .selectAll('s')
    .where('s.active', '=', 1)
    .where((eb) => eb.or([eb('r.ready', 'is', null), eb('r.ready', '=', 0)]));
  if (prefix) q = q.where('s.jurisdiction_path', 'like', under(prefix));
  return q.orderBy('s.jurisdiction_path').orderBy('s.name').limit(limit).execute();
}
