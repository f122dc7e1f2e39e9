/** Tubes and scans (sampling.service, lab.service, the tube views). */
import { sql, type Updateable } from 'kysely';
import type { DbOrTx, Tx } from '../../../db/dialect.js';
import { hotQuery } from '../../../db/hot-query.js';
import { chunks, under, type TubeRow, type ScanRow } from './shared.js';

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
  for (const c of chunks([...new Set(barcodes)]))
    out.push(...(await db.selectFrom('testing_tubes').selectAll().where('barcode', 'in', c).orderBy('created_at', 'desc').execute()));
  return out;
}

/**
 * Takes the row locks of these tubes for the rest of the transaction (a no-op write), so
 * concurrent batches touching the same tube queue up on PostgreSQL; SQLite already runs one writer.
 */
export async function lockTubes(trx: Tx, ids: readonly string[]): Promise<void> {
  for (const c of chunks([...new Set(ids)].sort()))
    await trx
      .updateTable('testing_tubes')
      .set({ updated_at: sql`updated_at` })
      .where('id', 'in', c)
      .execute();
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
export async function listTubes(
  db: DbOrTx,
  f: { campaignId?: string; status?: string; barcode?: string; prefix: string | null; limit: number; offset: number; countCap: number },
): Promise<{ rows: TubeRow[]; total: number; capped: boolean }> {
  let q = db.selectFrom('testing_tubes');
  if (f.campaignId) q = q.where('campaign_id', '=', f.campaignId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.barcode) q = q.where('barcode', '=', f.barcode);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const counted = q
    .select(sql<number>`1`.as('one'))
    .limit(f.countCap + 1)
    .as('counted');
  const t = await db
    .selectFrom(counted)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
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
export async function scanFactsOfTubes(
  db: DbOrTx,
  tubeIds: readonly string[],
): Promise<Pick<ScanRow, 'tube_id' | 'person_id' | 'jurisdiction_path' | 'counted'>[]> {
  const out: Pick<ScanRow, 'tube_id' | 'person_id' | 'jurisdiction_path' | 'counted'>[] = [];
  for (const c of chunks([...new Set(tubeIds)]))
    out.push(...(await db.selectFrom('testing_scans').select(['tube_id', 'person_id', 'jurisdiction_path', 'counted']).where('tube_id', 'in', c).execute()));
  return out;
}

export async function scansOfTubes(db: DbOrTx, tubeIds: readonly string[]): Promise<ScanRow[]> {
  const out: ScanRow[] = [];
  for (const c of chunks([...new Set(tubeIds)]))
    out.push(...(await db.selectFrom('testing_scans').selectAll().where('tube_id', 'in', c).orderBy('recorded_at').orderBy('id').execute()));
  return out;
}

/** The last `n` scans of a tube, newest first (the sampler page's "last names"). */
const lastScansOfTubeQ = hotQuery(
  (db, tubeId: string, n: number) =>
    db
      .selectFrom('testing_scans')
      .select(['id', 'name_masked', 'recorded_at'])
      .where('tube_id', '=', tubeId)
      .orderBy('recorded_at', 'desc')
      .orderBy('id', 'desc')
      .limit(n),
  ['\u0001tube', 987_654_321],
);

export async function lastScansOfTube(db: DbOrTx, tubeId: string, n: number): Promise<Pick<ScanRow, 'id' | 'name_masked' | 'recorded_at'>[]> {
  return lastScansOfTubeQ(db, tubeId, n);
}

/** Which of these persons have a counted scan in the campaign. */
export async function sampledAmong(db: DbOrTx, campaignId: string, personIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks([...new Set(personIds)])) {
    const rows = await db
      .selectFrom('testing_scans')
      .select('person_id')
      .where('campaign_id', '=', campaignId)
      .where('person_id', 'in', c)
      .where('recheck', '=', 0)
      .execute();
    for (const r of rows) out.add(r.person_id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The lab worklist

/** A tube on the lab worklist with its campaign's name. */
export type WorklistTubeRow = TubeRow & { campaign_name: string };

/**
 * Tubes in one status under a path, oldest first by the time that status began (`closed_at` for
 * tubes on their way, `received_at` for tubes at the lab), optionally only since `since`.
 */
export async function worklistTubes(
  db: DbOrTx,
  f: { status: 'closed' | 'received' | 'resulted'; by: 'closed_at' | 'received_at'; prefix: string | null; since?: number; until?: number; limit: number },
): Promise<WorklistTubeRow[]> {
  let q = db
    .selectFrom('testing_tubes as t')
    .innerJoin('testing_campaigns as c', 'c.id', 't.campaign_id')
    .selectAll('t')
    .select('c.name as campaign_name')
    .where('t.status', '=', f.status);
  if (f.prefix) q = q.where('t.jurisdiction_path', 'like', under(f.prefix));
  if (f.since !== undefined) q = q.where(`t.${f.by}`, '>=', f.since);
  if (f.until !== undefined) q = q.where(`t.${f.by}`, '<', f.until);
  return q.orderBy(`t.${f.by}`).orderBy('t.id').limit(f.limit).execute();
}

/** How many tubes are in a status under a path (received in [`since`, `until`) when given), counted up to `cap`. */
export async function countWorklistTubes(
  db: DbOrTx,
  f: { status: 'closed' | 'received'; prefix: string | null; since?: number; until?: number; cap: number },
): Promise<number> {
  let q = db.selectFrom('testing_tubes').where('status', '=', f.status);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  if (f.since !== undefined) q = q.where('received_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('received_at', '<', f.until);
  const inner = q
    .select(sql<number>`1`.as('one'))
    .limit(f.cap)
    .as('counted');
  const r = await db
    .selectFrom(inner)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
