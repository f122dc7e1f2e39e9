/** Coverage counters, the sampling rate and the recounts (coverage.service; every service that moves a counter). */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx, Tx } from '../../../db/dialect.js';
import { chunks, under, type CoverageRow } from './shared.js';

/** Counters kept current per node (`target` and `exempt` move only when someone is exempted while active). */
export const COUNTERS = [
  'target',
  'exempt',
  'sampled',
  'resulted',
  'negative',
  'invalid',
  'positive_tubes',
  'pending_recheck',
  'recheck_positive',
  'door_target',
  'door_sampled',
] as const;
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
      .where(
        'jurisdiction_path',
        'in',
        c.map(([p]) => p),
      )
      .execute();
  }
}

export async function findCoverage(db: DbOrTx, campaignId: string, path: string): Promise<CoverageRow | undefined> {
  return db.selectFrom('testing_coverage').selectAll().where('campaign_id', '=', campaignId).where('jurisdiction_path', '=', path).executeTakeFirst();
}

export async function findCoverageMany(db: DbOrTx, campaignId: string, paths: readonly string[]): Promise<CoverageRow[]> {
  const out: CoverageRow[] = [];
  for (const c of chunks([...new Set(paths)]))
    out.push(...(await db.selectFrom('testing_coverage').selectAll().where('campaign_id', '=', campaignId).where('jurisdiction_path', 'in', c).execute()));
  return out;
}

/** Deletes a campaign's coverage rows (what an interrupted activation left). */
export async function deleteCoverage(db: DbOrTx, campaignId: string): Promise<void> {
  await db.deleteFrom('testing_coverage').where('campaign_id', '=', campaignId).execute();
}

/** Paths of every row of one level under a prefix (the children of a node when `level` is the next one down). */
export async function coveragePathsAtLevel(db: DbOrTx, campaignId: string, prefix: string, level: string): Promise<string[]> {
  const rows = await db
    .selectFrom('testing_coverage')
    .select('jurisdiction_path')
    .where('campaign_id', '=', campaignId)
    .where('level', '=', level)
    .where('jurisdiction_path', 'like', under(prefix))
    .execute();
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
      .where(
        'jurisdiction_path',
        'in',
        c.map(([p]) => p),
      )
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
