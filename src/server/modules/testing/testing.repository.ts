import { sql, type RawBuilder, type Updateable } from 'kysely';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { hotQuery } from '../../db/hot-query.js';
import type {
  TestingCampaignsTable,
  TestingCoverageTable,
  TestingExemptionsTable,
  TestingFlagsTable,
  TestingHomeSamplingTable,
  TestingRechecksTable,
  TestingResultsTable,
  TestingScansTable,
  TestingSiteReadinessTable,
  TestingSitesTable,
  TestingTubesTable,
} from './testing.table.js';

export type CampaignRow = TestingCampaignsTable;
export type CoverageRow = TestingCoverageTable;
export type SiteRow = TestingSitesTable;
export type TubeRow = TestingTubesTable;
export type ScanRow = TestingScansTable;
export type ResultRow = TestingResultsTable;
export type FlagRow = TestingFlagsTable;
export type RecheckRow = TestingRechecksTable;

const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** LIKE pattern for a path prefix (paths hold digits and slashes only, so nothing needs escaping). */
const under = (prefix: string) => `${prefix}%`;

// ---------------------------------------------------------------------------------------------
// Campaigns

export async function insertCampaign(db: DbOrTx, row: CampaignRow): Promise<void> {
  await db.insertInto('testing_campaigns').values(row).execute();
}

export async function findCampaign(db: DbOrTx, id: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('testing_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCampaigns(db: DbOrTx, ids: readonly string[]): Promise<CampaignRow[]> {
  if (!ids.length) return [];
  return db.selectFrom('testing_campaigns').selectAll().where('id', 'in', [...new Set(ids)]).execute();
}

/**
 * Campaigns whose scope overlaps `scope` (inside it, or containing it: a district officer sees the
 * city-wide campaign), newest first.
 */
export async function listCampaigns(db: DbOrTx, f: { scope: string | null; ancestors: string[]; status?: string; limit: number; offset: number }): Promise<{ rows: CampaignRow[]; total: number }> {
  let q = db.selectFrom('testing_campaigns');
  if (f.scope) {
    const scope = f.scope;
    q = q.where((eb) => eb.or([eb('scope_path', 'like', under(scope)), ...(f.ancestors.length ? [eb('scope_path', 'in', f.ancestors)] : [])]));
  }
  if (f.status) q = q.where('status', '=', f.status);
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** Updates a campaign if it is still in `fromStatus`; returns whether it was. */
export async function updateCampaignIf(db: DbOrTx, id: string, fromStatus: string, patch: Updateable<CampaignRow>): Promise<boolean> {
  const r = await db.updateTable('testing_campaigns').set(patch).where('id', '=', id).where('status', '=', fromStatus).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Takes the activation lease of a planned campaign for `token` until `until`: when nobody holds it,
 * when its holder's lease ran out (`now`), or to renew it (the holder's own token). False otherwise.
 */
export async function takeActivationLease(db: DbOrTx, id: string, token: string, now: number, until: number): Promise<boolean> {
  const r = await db
    .updateTable('testing_campaigns')
    .set({ activation_token: token, activation_lease_until: until })
    .where('id', '=', id)
    .where('status', '=', 'planned')
    .where((eb) => eb.or([eb('activation_token', 'is', null), eb('activation_token', '=', token), eb('activation_lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Lets go of the activation lease if `token` still holds it. */
export async function releaseActivationLease(db: DbOrTx, id: string, token: string): Promise<void> {
  await db.updateTable('testing_campaigns').set({ activation_token: null, activation_lease_until: null }).where('id', '=', id).where('activation_token', '=', token).execute();
}

/** Moves the live-update mark from `expected` to `now`; false when another run moved it first. */
export async function markCoveragePublished(db: DbOrTx, id: string, expected: number, now: number): Promise<boolean> {
  const r = await db.updateTable('testing_campaigns').set({ coverage_published_at: now }).where('id', '=', id).where('coverage_published_at', '=', expected).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Inserts exemptions not already there; returns the persons newly exempted. */
export async function insertExemptions(db: DbOrTx, rows: readonly TestingExemptionsTable[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks(rows)) {
    const r = await db.insertInto('testing_exemptions').values(c).onConflict((oc) => oc.columns(['campaign_id', 'person_id']).doNothing()).returning('person_id').execute();
    for (const x of r) out.add(x.person_id);
  }
  return out;
}

export async function addCampaignTotals(db: DbOrTx, id: string, target: number, exempt: number, now: number): Promise<void> {
  await db
    .updateTable('testing_campaigns')
    .set({ target_total: sql`target_total + ${sql.lit(Math.trunc(target))}`, exempt_total: sql`exempt_total + ${sql.lit(Math.trunc(exempt))}`, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** A page of a campaign's hand exemptions under `prefix` (null: all); `total` counts with the same filter. */
export async function listExemptions(db: DbOrTx, campaignId: string, prefix: string | null, limit: number, offset: number): Promise<{ rows: TestingExemptionsTable[]; total: number }> {
  let q = db.selectFrom('testing_exemptions').where('campaign_id', '=', campaignId);
  if (prefix) q = q.where('jurisdiction_path', 'like', under(prefix));
  const rows = await q.selectAll().orderBy('jurisdiction_path').orderBy('person_id').limit(limit).offset(offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

export async function exemptAmong(db: DbOrTx, campaignId: string, personIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks([...new Set(personIds)])) {
    const rows = await db.selectFrom('testing_exemptions').select('person_id').where('campaign_id', '=', campaignId).where('person_id', 'in', c).execute();
    for (const r of rows) out.add(r.person_id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Coverage counters

/** Counters kept current per node (`target` and `exempt` move only when someone is exempted while active). */
export const COUNTERS = ['target', 'exempt', 'sampled', 'resulted', 'negative', 'invalid', 'positive_tubes', 'pending_recheck', 'recheck_positive', 'door_target', 'door_sampled'] as const;
export type Counter = (typeof COUNTERS)[number];
export type CounterDelta = Partial<Record<Counter, number>>;

export async function insertCoverage(db: DbOrTx, rows: readonly CoverageRow[]): Promise<void> {
  for (const c of chunks(rows, 300)) await db.insertInto('testing_coverage').values(c).execute();
}

/**
 * Moves exempted persons out of the target, per path, at most the whole target: `exempt =
 * min(n, target)`, `target = target - exempt` (both read the old target). One UPDATE per 300 paths;
 * counts are integers made here (inlined as literals).
 */
export async function exemptFromCoverage(trx: Tx, campaignId: string, exempt: ReadonlyMap<string, number>, now: number): Promise<void> {
  const entries = [...exempt.entries()].filter(([, n]) => n > 0);
  for (const c of chunks(entries, 300)) {
    const n = sql<number>`case jurisdiction_path ${sql.join(
      c.map(([p, k]) => sql`when ${p} then ${sql.lit(Math.trunc(k))}`),
      sql` `,
    )} else 0 end`;
    const taken = sql<number>`case when target < ${n} then target else ${n} end`;
    await trx
      .updateTable('testing_coverage')
      .set({ exempt: taken, target: sql<number>`target - ${taken}`, updated_at: now })
      .where('campaign_id', '=', campaignId)
      .where('jurisdiction_path', 'in', c.map(([p]) => p))
      .execute();
  }
}

export async function findCoverage(db: DbOrTx, campaignId: string, path: string): Promise<CoverageRow | undefined> {
  return db.selectFrom('testing_coverage').selectAll().where('campaign_id', '=', campaignId).where('jurisdiction_path', '=', path).executeTakeFirst();
}

export async function findCoverageMany(db: DbOrTx, campaignId: string, paths: readonly string[]): Promise<CoverageRow[]> {
  const out: CoverageRow[] = [];
  for (const c of chunks([...new Set(paths)])) out.push(...(await db.selectFrom('testing_coverage').selectAll().where('campaign_id', '=', campaignId).where('jurisdiction_path', 'in', c).execute()));
  return out;
}

/** Deletes a campaign's coverage rows (what an interrupted activation left). */
export async function deleteCoverage(db: DbOrTx, campaignId: string): Promise<void> {
  await db.deleteFrom('testing_coverage').where('campaign_id', '=', campaignId).execute();
}

/** Paths of every row of one level under a prefix (the children of a node when `level` is the next one down). */
export async function coveragePathsAtLevel(db: DbOrTx, campaignId: string, prefix: string, level: string): Promise<string[]> {
  const rows = await db.selectFrom('testing_coverage').select('jurisdiction_path').where('campaign_id', '=', campaignId).where('level', '=', level).where('jurisdiction_path', 'like', under(prefix)).execute();
  return rows.map((r) => r.jurisdiction_path);
}

/** Rows of one level under a path (children of a node when `level` is the next level down). */
export async function coverageAtLevel(db: DbOrTx, campaignId: string, prefix: string, level: string, limit: number): Promise<CoverageRow[]> {
  return db
    .selectFrom('testing_coverage')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('level', '=', level)
    .where('jurisdiction_path', 'like', under(prefix))
    .orderBy('jurisdiction_path')
    .limit(limit)
    .execute();
}

/** The shallowest rows of a campaign (its tree's roots: normally the city). */
export async function coverageRoots(db: DbOrTx, campaignId: string): Promise<CoverageRow[]> {
  const rows = await db.selectFrom('testing_coverage').selectAll().where('campaign_id', '=', campaignId).where('level', '=', 'city').execute();
  return rows;
}

/** Compound rows changed since `since` (live updates). */
export async function coverageChangedSince(db: DbOrTx, campaignId: string, level: string, since: number, limit: number): Promise<CoverageRow[]> {
  return db
    .selectFrom('testing_coverage')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('level', '=', level)
    .where('updated_at', '>', since)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}

/** Every row of a campaign (recount tests and planning). */
export async function allCoverage(db: DbOrTx, campaignId: string): Promise<CoverageRow[]> {
  return db.selectFrom('testing_coverage').selectAll().where('campaign_id', '=', campaignId).execute();
}

/**
 * Applies per-path counter deltas with one UPDATE per 300 paths: `counter = counter + CASE path
 * WHEN … THEN … END` over `path IN (…)`. Deltas are integers made here (inlined as literals).
 */
export async function applyCoverageDeltas(trx: Tx, campaignId: string, deltas: ReadonlyMap<string, CounterDelta>, now: number): Promise<void> {
  // Sorted by path: every writer takes the counter rows in the same order (no deadlock between batches).
  const entries = [...deltas.entries()].filter(([, d]) => COUNTERS.some((c) => (d[c] ?? 0) !== 0)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const c of chunks(entries, 300)) {
    const set: Record<string, RawBuilder<number> | number> = { updated_at: now };
    for (const counter of COUNTERS) {
      const whens = c.filter(([, d]) => (d[counter] ?? 0) !== 0).map(([p, d]) => sql`when ${p} then ${sql.lit(Math.trunc(d[counter]!))}`);
      if (!whens.length) continue;
      set[counter] = sql<number>`${sql.ref(counter)} + case jurisdiction_path ${sql.join(whens, sql` `)} else 0 end`;
    }
    await trx
      .updateTable('testing_coverage')
      .set(set as never)
      .where('campaign_id', '=', campaignId)
      .where('jurisdiction_path', 'in', c.map(([p]) => p))
      .execute();
  }
}

export async function bumpRate(trx: Tx, campaignId: string, minute: number, n: number): Promise<void> {
  if (!n) return;
  await trx
    .insertInto('testing_rate_buckets')
    .values({ campaign_id: campaignId, minute, sampled: n })
    .onConflict((oc) => oc.columns(['campaign_id', 'minute']).doUpdateSet({ sampled: sql`testing_rate_buckets.sampled + ${sql.lit(Math.trunc(n))}` }))
    .execute();
}

export async function sampledSince(db: DbOrTx, campaignId: string, fromMinute: number): Promise<number> {
  const r = await db
    .selectFrom('testing_rate_buckets')
    .select((eb) => eb.fn.sum<number>('sampled').as('n'))
    .where('campaign_id', '=', campaignId)
    .where('minute', '>=', fromMinute)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Sites

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
  return db.selectFrom('testing_sites').selectAll().where('id', 'in', [...new Set(ids)]).execute();
}

export async function listSites(db: DbOrTx, f: { prefix: string | null; kind?: string; active?: boolean; limit: number; offset: number }): Promise<{ rows: SiteRow[]; total: number }> {
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
    await db.insertInto('testing_site_compounds').values(c.map((x) => ({ site_id: siteId, compound_id: x.id, compound_path: x.path }))).execute();
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
      oc.columns(['site_id', 'aspect']).doUpdateSet({ ready: row.ready, note: row.note, checked_by: row.checked_by, checked_by_name: row.checked_by_name, checked_at: row.checked_at }),
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

// ---------------------------------------------------------------------------------------------
// Tubes

export async function insertTubes(db: DbOrTx, rows: readonly TubeRow[]): Promise<void> {
  for (const c of chunks(rows, 200)) await db.insertInto('testing_tubes').values(c).execute();
}

export async function findTube(db: DbOrTx, id: string): Promise<TubeRow | undefined> {
  return db.selectFrom('testing_tubes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTubes(db: DbOrTx, ids: readonly string[]): Promise<TubeRow[]> {
  const out: TubeRow[] = [];
  for (const c of chunks([...new Set(ids)])) out.push(...(await db.selectFrom('testing_tubes').selectAll().where('id', 'in', c).execute()));
  return out;
}

/** Tubes with any of these barcodes, in any campaign (newest first per barcode). */
export async function findTubesByBarcodes(db: DbOrTx, barcodes: readonly string[]): Promise<TubeRow[]> {
  const out: TubeRow[] = [];
  for (const c of chunks([...new Set(barcodes)])) out.push(...(await db.selectFrom('testing_tubes').selectAll().where('barcode', 'in', c).orderBy('created_at', 'desc').execute()));
  return out;
}

/**
 * Takes the row locks of these tubes for the rest of the transaction (a no-op write), so
 * concurrent batches touching the same tube queue up on PostgreSQL; SQLite already runs one writer.
 */
export async function lockTubes(trx: Tx, ids: readonly string[]): Promise<void> {
  for (const c of chunks([...new Set(ids)].sort())) await trx.updateTable('testing_tubes').set({ updated_at: sql`updated_at` }).where('id', 'in', c).execute();
}

/** Locks (as `lockTubes`) and reads, in one statement, the tubes with these ids or barcodes. */
export async function lockAndReadTubes(trx: Tx, ids: readonly string[], barcodes: readonly string[]): Promise<TubeRow[]> {
  const out = new Map<string, TubeRow>();
  const touch = () => trx.updateTable('testing_tubes').set({ updated_at: sql`updated_at` });
  for (const c of chunks([...new Set(ids)].sort())) for (const r of await touch().where('id', 'in', c).returningAll().execute()) out.set(r.id, r);
  for (const c of chunks([...new Set(barcodes)].sort())) for (const r of await touch().where('barcode', 'in', c).returningAll().execute()) out.set(r.id, r);
  return [...out.values()];
}

export async function updateTube(db: DbOrTx, id: string, patch: Updateable<TubeRow>): Promise<void> {
  await db.updateTable('testing_tubes').set(patch).where('id', '=', id).execute();
}

/** Tubes of a campaign in a status (lab views), newest first. */
/**
 * A page of tubes, newest first, and their count up to `countCap` (`capped` when there are more): a
 * city's day is millions of tubes, and counting them all took seconds (4.1 s at 2.41M) for a number
 * nobody pages through.
 */
export async function listTubes(db: DbOrTx, f: { campaignId?: string; status?: string; barcode?: string; prefix: string | null; limit: number; offset: number; countCap: number }): Promise<{ rows: TubeRow[]; total: number; capped: boolean }> {
  let q = db.selectFrom('testing_tubes');
  if (f.campaignId) q = q.where('campaign_id', '=', f.campaignId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.barcode) q = q.where('barcode', '=', f.barcode);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const counted = q.select(sql<number>`1`.as('one')).limit(f.countCap + 1).as('counted');
  const t = await db.selectFrom(counted).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const n = Number(t.n);
  return { rows, total: Math.min(n, f.countCap), capped: n > f.countCap };
}

// ---------------------------------------------------------------------------------------------
// Scans

export async function insertScans(db: DbOrTx, rows: readonly ScanRow[]): Promise<void> {
  for (const c of chunks(rows, 300)) await db.insertInto('testing_scans').values(c).execute();
}

export async function findScansByClientIds(db: DbOrTx, clientIds: readonly string[]): Promise<ScanRow[]> {
  const out: ScanRow[] = [];
  for (const c of chunks([...new Set(clientIds)])) out.push(...(await db.selectFrom('testing_scans').selectAll().where('client_id', 'in', c).execute()));
  return out;
}

/** The counted (non-recheck) scans of these persons in a campaign, with their tube's result. */
export async function countedScansOf(db: DbOrTx, campaignId: string, personIds: readonly string[]): Promise<(ScanRow & { tube_result: string | null })[]> {
  const out: (ScanRow & { tube_result: string | null })[] = [];
  for (const c of chunks([...new Set(personIds)])) {
    out.push(
      ...(await db
        .selectFrom('testing_scans as s')
        .innerJoin('testing_tubes as t', 't.id', 's.tube_id')
        .selectAll('s')
        .select('t.result as tube_result')
        .where('s.campaign_id', '=', campaignId)
        .where('s.person_id', 'in', c)
        .where('s.counted', '=', 1)
        .execute()),
    );
  }
  return out;
}

export async function setScansCounted(db: DbOrTx, ids: readonly string[], counted: 0 | 1): Promise<void> {
  for (const c of chunks(ids)) await db.updateTable('testing_scans').set({ counted }).where('id', 'in', c).execute();
}

export async function scansOfTube(db: DbOrTx, tubeId: string): Promise<ScanRow[]> {
  return db.selectFrom('testing_scans').selectAll().where('tube_id', '=', tubeId).orderBy('recorded_at').orderBy('id').execute();
}

/** What a plain result's counters need of the scans of many tubes: no order, four columns (a result import). */
export async function scanFactsOfTubes(db: DbOrTx, tubeIds: readonly string[]): Promise<Pick<ScanRow, 'tube_id' | 'person_id' | 'jurisdiction_path' | 'counted'>[]> {
  const out: Pick<ScanRow, 'tube_id' | 'person_id' | 'jurisdiction_path' | 'counted'>[] = [];
  for (const c of chunks([...new Set(tubeIds)])) out.push(...(await db.selectFrom('testing_scans').select(['tube_id', 'person_id', 'jurisdiction_path', 'counted']).where('tube_id', 'in', c).execute()));
  return out;
}

export async function scansOfTubes(db: DbOrTx, tubeIds: readonly string[]): Promise<ScanRow[]> {
  const out: ScanRow[] = [];
  for (const c of chunks([...new Set(tubeIds)])) out.push(...(await db.selectFrom('testing_scans').selectAll().where('tube_id', 'in', c).orderBy('recorded_at').orderBy('id').execute()));
  return out;
}

/** The last `n` scans of a tube, newest first (the sampler page's "last names"). */
const lastScansOfTubeQ = hotQuery(
  (db, tubeId: string, n: number) => db.selectFrom('testing_scans').select(['id', 'name_masked', 'recorded_at']).where('tube_id', '=', tubeId).orderBy('recorded_at', 'desc').orderBy('id', 'desc').limit(n),
  ['\u0001tube', 987_654_321],
);

export async function lastScansOfTube(db: DbOrTx, tubeId: string, n: number): Promise<Pick<ScanRow, 'id' | 'name_masked' | 'recorded_at'>[]> {
  return lastScansOfTubeQ(db, tubeId, n);
}

/** Which of these persons have a counted scan in the campaign. */
export async function sampledAmong(db: DbOrTx, campaignId: string, personIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks([...new Set(personIds)])) {
    const rows = await db.selectFrom('testing_scans').select('person_id').where('campaign_id', '=', campaignId).where('person_id', 'in', c).where('recheck', '=', 0).execute();
    for (const r of rows) out.add(r.person_id);
  }
  return out;
}

/**
 * Everything the public lookup shows of one person in ONE keyed read (issue 14: a cold lookup is one
 * read here, after population's keyed ID read): the lookup version, the latest scans with their
 * tube and campaign, and per scan the person's open rechecks (in its campaign, and in any). One
 * statement is one snapshot on both dialects, so the version read cannot be newer than the rows.
 * A person never scanned answers one row with null scan columns (the driving one-row subquery).
 */
const OPEN_RECHECK_STATUSES = [sql.lit('awaiting_sample'), sql.lit('sampled'), sql.lit('positive')];
const lookupStateQ = hotQuery(
  (db, personId: string, limit: number) =>
    db
      .selectFrom(sql<{ pid: string }>`(select cast(${personId} as text) as pid)`.as('q'))
      .leftJoin('testing_lookup_versions as v', 'v.person_id', 'q.pid')
      .leftJoin('testing_scans as s', 's.person_id', 'q.pid')
      .leftJoin('testing_tubes as t', 't.id', 's.tube_id')
      .leftJoin('testing_campaigns as c', 'c.id', 's.campaign_id')
      .select((eb) => [
        'v.version',
        's.id',
        's.campaign_id',
        'c.name as campaign_name',
        's.recheck',
        's.scanned_at',
        't.status as tube_status',
        't.result as tube_result',
        eb
          .selectFrom('testing_rechecks as r')
          .select((e) => e.fn.countAll<number | string>().as('n'))
          .whereRef('r.person_id', '=', 'q.pid')
          .where('r.status', 'in', OPEN_RECHECK_STATUSES)
          .as('open_any'),
        eb
          .selectFrom('testing_rechecks as r2')
          .select((e) => e.fn.countAll<number | string>().as('n'))
          .whereRef('r2.person_id', '=', 'q.pid')
          .whereRef('r2.campaign_id', '=', 's.campaign_id')
          .where('r2.status', 'in', OPEN_RECHECK_STATUSES)
          .as('open_here'),
      ])
      .orderBy('s.recorded_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(limit),
  ['\u0001person', 987_654_321],
);

export interface LookupState {
  version: number;
  /** Open rechecks of the person (awaiting sample, sampled, positive), in any campaign. */
  openRechecks: number;
  /** Newest first; `openHere`: open rechecks in the scan's campaign. */
  scans: { campaign_id: string; campaign_name: string; recheck: number; scanned_at: number; tube_status: string; tube_result: string | null; openHere: number }[];
}

/** The public lookup's one read of a person's state (see `lookupStateQ`). */
export async function lookupState(db: DbOrTx, personId: string, limit: number): Promise<LookupState> {
  const rows = await lookupStateQ(db, personId, limit);
  const first = rows[0];
  return {
    version: Number(first?.version ?? 0),
    openRechecks: Number(first?.open_any ?? 0),
    scans: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        campaign_id: r.campaign_id!,
        campaign_name: r.campaign_name!,
        recheck: Number(r.recheck),
        scanned_at: Number(r.scanned_at),
        tube_status: r.tube_status!,
        tube_result: r.tube_result ?? null,
        openHere: Number(r.open_here ?? 0),
      })),
  };
}

/** Counted pool scans per residence path and tube result (the recount). */
export async function recountScans(db: DbOrTx, campaignId: string): Promise<{ path: string; result: string | null; n: number }[]> {
  const rows = await db
    .selectFrom('testing_scans as s')
    .innerJoin('testing_tubes as t', 't.id', 's.tube_id')
    .select(['s.jurisdiction_path as path', 't.result as result', (eb) => eb.fn.countAll<number>().as('n')])
    .where('s.campaign_id', '=', campaignId)
    .where('s.counted', '=', 1)
    .groupBy(['s.jurisdiction_path', 't.result'])
    .execute();
  return rows.map((r) => ({ path: r.path, result: r.result, n: Number(r.n) }));
}

/** (tube, residence path) pairs of the scans in reactive pool tubes (the recount of positive tubes). */
export async function reactivePoolScanPaths(db: DbOrTx, campaignId: string): Promise<{ tube_id: string; path: string }[]> {
  return db
    .selectFrom('testing_scans as s')
    .innerJoin('testing_tubes as t', 't.id', 's.tube_id')
    .select(['s.tube_id', 's.jurisdiction_path as path'])
    .where('s.campaign_id', '=', campaignId)
    .where('t.kind', '=', 'pool')
    .where('t.result', 'in', ['positive', 'suspicious'])
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Results

export async function insertResults(db: DbOrTx, rows: readonly ResultRow[]): Promise<void> {
  for (const c of chunks(rows, 300)) await db.insertInto('testing_results').values(c).execute();
}

export async function resultsOfTube(db: DbOrTx, tubeId: string): Promise<ResultRow[]> {
  return db.selectFrom('testing_results').selectAll().where('tube_id', '=', tubeId).orderBy('reported_at').orderBy('id').execute();
}

export async function markResultsIneffective(db: DbOrTx, tubeId: string): Promise<void> {
  await db.updateTable('testing_results').set({ effective: 0 }).where('tube_id', '=', tubeId).execute();
}

// ---------------------------------------------------------------------------------------------
// Flags

/** Records a flag once per (campaign, kind, subject); a repeat only adds to its occurrences. */
export async function upsertFlag(db: DbOrTx, row: FlagRow): Promise<void> {
  await db
    .insertInto('testing_flags')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['campaign_id', 'kind', 'subject_key']).doUpdateSet({ occurrences: sql`testing_flags.occurrences + excluded.occurrences`, last_seen_at: row.last_seen_at, detail: row.detail }),
    )
    .execute();
}

export async function listFlags(db: DbOrTx, f: { campaignId: string; kind?: string; reviewed?: boolean; prefix: string | null; limit: number; offset: number }): Promise<{ rows: FlagRow[]; total: number }> {
  let q = db.selectFrom('testing_flags').where('campaign_id', '=', f.campaignId);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.reviewed === true) q = q.where('reviewed_at', 'is not', null);
  if (f.reviewed === false) q = q.where('reviewed_at', 'is', null);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

/** Flags per kind (all and still open) of a campaign under `prefix` (null: everywhere), the list's scope. */
export async function flagCounts(db: DbOrTx, campaignId: string, prefix: string | null): Promise<{ kind: string; n: number; open: number }[]> {
  let q = db
    .selectFrom('testing_flags')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.count<number>('id').filterWhere('reviewed_at', 'is', null).as('open')])
    .where('campaign_id', '=', campaignId);
  if (prefix) q = q.where('jurisdiction_path', 'like', under(prefix));
  const rows = await q.groupBy('kind').execute();
  return rows.map((r) => ({ kind: r.kind, n: Number(r.n), open: Number(r.open) }));
}

export async function findFlag(db: DbOrTx, id: string): Promise<FlagRow | undefined> {
  return db.selectFrom('testing_flags').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function reviewFlag(db: DbOrTx, id: string, patch: Pick<FlagRow, 'reviewed_at' | 'reviewed_by' | 'reviewed_by_name' | 'review_note'>): Promise<boolean> {
  const r = await db.updateTable('testing_flags').set(patch).where('id', '=', id).where('reviewed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Rechecks

export async function insertRechecks(db: DbOrTx, rows: readonly RecheckRow[]): Promise<void> {
  for (const c of chunks(rows, 200)) await db.insertInto('testing_rechecks').values(c).execute();
}

export async function findRecheck(db: DbOrTx, id: string): Promise<RecheckRow | undefined> {
  return db.selectFrom('testing_rechecks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findRecheckByTube(db: DbOrTx, tubeId: string): Promise<RecheckRow | undefined> {
  return db.selectFrom('testing_rechecks').selectAll().where('tube_id', '=', tubeId).executeTakeFirst();
}

export async function rechecksOfParent(db: DbOrTx, parentTubeId: string): Promise<RecheckRow[]> {
  return db.selectFrom('testing_rechecks').selectAll().where('parent_tube_id', '=', parentTubeId).orderBy('created_at').orderBy('id').execute();
}

export async function updateRecheck(db: DbOrTx, id: string, patch: Updateable<RecheckRow>): Promise<void> {
  await db.updateTable('testing_rechecks').set(patch).where('id', '=', id).execute();
}

export async function listRechecks(db: DbOrTx, f: { campaignId?: string; status?: string[]; handover?: 'pending' | 'acknowledged'; prefix: string | null; limit: number; offset: number }): Promise<{ rows: RecheckRow[]; total: number }> {
  let q = db.selectFrom('testing_rechecks');
  if (f.campaignId) q = q.where('campaign_id', '=', f.campaignId);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.handover === 'pending') q = q.where('handover_at', 'is not', null).where('handover_ack_at', 'is', null);
  if (f.handover === 'acknowledged') q = q.where('handover_ack_at', 'is not', null);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

/** Rechecks per residence path and status (the recount). */
export async function recountRechecks(db: DbOrTx, campaignId: string): Promise<{ path: string; status: string; n: number }[]> {
  const rows = await db
    .selectFrom('testing_rechecks')
    .select(['jurisdiction_path as path', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['jurisdiction_path', 'status'])
    .execute();
  return rows.map((r) => ({ path: r.path, status: r.status, n: Number(r.n) }));
}

// ---------------------------------------------------------------------------------------------
// Home sampling and lookup versions

/** Records home-sampling persons; returns those not recorded before. */
export async function claimHomeSampling(db: DbOrTx, rows: readonly TestingHomeSamplingTable[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks(rows)) {
    const r = await db.insertInto('testing_home_sampling').values(c).onConflict((oc) => oc.columns(['campaign_id', 'person_id']).doNothing()).returning('person_id').execute();
    for (const x of r) out.add(x.person_id);
  }
  return out;
}

export async function setHomeSamplingTask(db: DbOrTx, campaignId: string, personId: string, taskId: string): Promise<void> {
  await db.updateTable('testing_home_sampling').set({ task_id: taskId }).where('campaign_id', '=', campaignId).where('person_id', '=', personId).execute();
}

export async function bumpLookupVersions(trx: Tx, personIds: readonly string[]): Promise<void> {
  const ids = [...new Set(personIds)].sort();
  for (const c of chunks(ids)) {
    await trx
      .insertInto('testing_lookup_versions')
      .values(c.map((person_id) => ({ person_id, version: 1 })))
      .onConflict((oc) => oc.column('person_id').doUpdateSet({ version: sql`testing_lookup_versions.version + 1` }))
      .execute();
  }
}

const lookupVersionQ = hotQuery((db, personId: string) => db.selectFrom('testing_lookup_versions').select('version').where('person_id', '=', personId), ['\u0001person']);

export async function lookupVersion(db: DbOrTx, personId: string): Promise<number> {
  const [r] = await lookupVersionQ(db, personId);
  return Number(r?.version ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Entity scopes (the policy hook)

export async function campaignScopePath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_campaigns').select('scope_path').where('id', '=', id).executeTakeFirst())?.scope_path;
}

export async function sitePath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_sites').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}

const tubePathQ = hotQuery((db, id: string) => db.selectFrom('testing_tubes').select('jurisdiction_path').where('id', '=', id), ['\u0001tube']);

export async function tubePath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await tubePathQ(db, id))[0]?.jurisdiction_path;
}

export async function recheckPath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_rechecks').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}

export async function flagPath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_flags').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}

// ---------------------------------------------------------------------------------------------
// Person merges (the population module merges a duplicate record into the kept one)

/** Counted scans of `fromId` in campaigns where `intoId` also has a counted scan (they must stop counting). */
export async function countedScansClashing(db: DbOrTx, fromId: string, intoId: string): Promise<(ScanRow & { tube_result: string | null })[]> {
  return db
    .selectFrom('testing_scans as s')
    .innerJoin('testing_tubes as t', 't.id', 's.tube_id')
    .selectAll('s')
    .select('t.result as tube_result')
    .where('s.person_id', '=', fromId)
    .where('s.counted', '=', 1)
    .where((eb) =>
      eb.exists(eb.selectFrom('testing_scans as o').select('o.id').whereRef('o.campaign_id', '=', 's.campaign_id').where('o.person_id', '=', intoId).where('o.counted', '=', 1)),
    )
    .execute();
}

/** Points every testing record of `fromId` at `intoId` (exemptions and home-sampling rows already there for `intoId` win). */
export async function redirectPerson(trx: Tx, fromId: string, intoId: string): Promise<void> {
  await trx.updateTable('testing_scans').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  await trx.updateTable('testing_rechecks').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  await trx.updateTable('testing_flags').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  const keptExempt = (await trx.selectFrom('testing_exemptions').select('campaign_id').where('person_id', '=', intoId).execute()).map((r) => r.campaign_id);
  if (keptExempt.length) await trx.deleteFrom('testing_exemptions').where('person_id', '=', fromId).where('campaign_id', 'in', keptExempt).execute();
  await trx.updateTable('testing_exemptions').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  const keptHome = (await trx.selectFrom('testing_home_sampling').select('campaign_id').where('person_id', '=', intoId).execute()).map((r) => r.campaign_id);
  if (keptHome.length) await trx.deleteFrom('testing_home_sampling').where('person_id', '=', fromId).where('campaign_id', 'in', keptHome).execute();
  await trx.updateTable('testing_home_sampling').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
}
