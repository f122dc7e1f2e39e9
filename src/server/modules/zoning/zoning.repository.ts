import { sql } from 'kysely';
import { z } from 'zod';
import { parseJsonColumn } from '../../db/row-values.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { ZoningAreaEventsTable, ZoningAreaNodesTable, ZoningAreasTable, ZoningExtensionsTable } from './zoning.table.js';
import { MEASURE_KINDS, type AreaStatus, type RiskLevel } from '../../../common/zoning.js';

export type AreaRow = ZoningAreasTable;
export type NodeRow = ZoningAreaNodesTable;
export type EventRow = ZoningAreaEventsTable;
export type ExtensionRow = ZoningExtensionsTable;

const idList = z.array(z.string());
/** The JSON columns of the zoning tables, read through their schemas (see parseJsonColumn). */
export const readJson = {
  /** zoning_areas.basis_case_ids */
  caseIds: (r: Pick<AreaRow, 'basis_case_ids'>) => parseJsonColumn(idList, r.basis_case_ids, 'zoning_areas.basis_case_ids'),
  /** zoning_areas.basis_contact_ids */
  contactIds: (r: Pick<AreaRow, 'basis_contact_ids'>) => parseJsonColumn(idList, r.basis_contact_ids, 'zoning_areas.basis_contact_ids'),
  /** zoning_areas.measures */
  measures: (r: Pick<AreaRow, 'measures'>) => parseJsonColumn(z.array(z.enum(MEASURE_KINDS)), r.measures, 'zoning_areas.measures'),
  /** zoning_area_events.node_ids: the covered jurisdiction ids after the change. */
  nodeIds: (e: Pick<EventRow, 'node_ids'>) => parseJsonColumn(idList, e.node_ids, 'zoning_area_events.node_ids'),
  /** zoning_area_events.details */
  details: (e: Pick<EventRow, 'details'>) => parseJsonColumn(z.record(z.string(), z.unknown()), e.details, 'zoning_area_events.details'),
  /** zoning_extensions.evidence: the text shown to the person deciding, with its facts. */
  evidence: (x: Pick<ExtensionRow, 'evidence'>) => parseJsonColumn(z.looseObject({ text: z.string() }), x.evidence, 'zoning_extensions.evidence'),
};

const CHUNK = 500;

// ---- areas
export const insertArea = (db: DbOrTx, r: AreaRow) => db.insertInto('zoning_areas').values(r).execute();
export const findArea = (db: DbOrTx, id: string) => db.selectFrom('zoning_areas').selectAll().where('id', '=', id).executeTakeFirst();
export async function findAreas(db: DbOrTx, ids: readonly string[]): Promise<AreaRow[]> {
  const out: AreaRow[] = [];
  for (let i = 0; i < ids.length; i += CHUNK)
    out.push(
      ...(await db
        .selectFrom('zoning_areas')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute()),
    );
  return out;
}
export const areaPath = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('zoning_areas').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;

/** Updates an area only while it is in `fromStatus` (a concurrent change makes it return false). */
export async function updateArea(db: DbOrTx, id: string, fromStatus: AreaStatus, set: Partial<AreaRow>): Promise<boolean> {
  const r = await db.updateTable('zoning_areas').set(set).where('id', '=', id).where('status', '=', fromStatus).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Areas by status, optionally under a scope prefix or overlapping it (an area whose common path lies above the scope). */
export async function listAreas(
  db: DbOrTx,
  f: { statuses?: readonly AreaStatus[]; level?: RiskLevel; prefix?: string | null; limit?: number; offset?: number },
): Promise<{ rows: AreaRow[]; total: number }> {
  let q = db.selectFrom('zoning_areas');
  if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
  if (f.level) q = q.where('level', '=', f.level);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', `${f.prefix}%`);
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  let rq = q.selectAll().orderBy('updated_at', 'desc').orderBy('id', 'desc');
  if (f.limit !== undefined) rq = rq.limit(f.limit).offset(f.offset ?? 0);
  return { rows: await rq.execute(), total };
}

/** Open (proposed or published) areas with a given generated-proposal key. */
export const openBySourceKey = (db: DbOrTx, keys: readonly string[]) =>
  keys.length
    ? db.selectFrom('zoning_areas').select(['id', 'source_key']).where('source_key', 'in', keys).where('status', 'in', ['proposed', 'published']).execute()
    : Promise.resolve([]);

// ---- nodes
export async function insertNodes(db: DbOrTx, rows: readonly NodeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto('zoning_area_nodes')
      .values(rows.slice(i, i + CHUNK))
      .execute();
}
export async function deleteNodes(db: DbOrTx, areaId: string, jurisdictionIds: readonly string[]): Promise<void> {
  for (let i = 0; i < jurisdictionIds.length; i += CHUNK)
    await db
      .deleteFrom('zoning_area_nodes')
      .where('area_id', '=', areaId)
      .where('jurisdiction_id', 'in', jurisdictionIds.slice(i, i + CHUNK))
      .execute();
}
export const nodesOf = (db: DbOrTx, areaId: string) => db.selectFrom('zoning_area_nodes').selectAll().where('area_id', '=', areaId).orderBy('path').execute();

export async function nodesOfMany(db: DbOrTx, areaIds: readonly string[]): Promise<NodeRow[]> {
  const out: NodeRow[] = [];
  for (let i = 0; i < areaIds.length; i += CHUNK)
    out.push(
      ...(await db
        .selectFrom('zoning_area_nodes')
        .selectAll()
        .where('area_id', 'in', areaIds.slice(i, i + CHUNK))
        .execute()),
    );
  return out;
}

/** Published areas with a node at one of these paths (the node itself: callers pass a path and its ancestors). */
export async function publishedCovering(db: DbOrTx, paths: readonly string[]): Promise<{ area_id: string; path: string; level: RiskLevel }[]> {
  const out: { area_id: string; path: string; level: RiskLevel }[] = [];
  for (let i = 0; i < paths.length; i += CHUNK) {
    out.push(
      ...(await db
        .selectFrom('zoning_area_nodes as n')
        .innerJoin('zoning_areas as a', 'a.id', 'n.area_id')
        .select(['n.area_id', 'n.path', 'a.level'])
        .where('n.path', 'in', paths.slice(i, i + CHUNK))
        .where('a.status', '=', 'published')
        .execute()),
    );
  }
  return out;
}

// ---- events
export const insertEvent = (db: DbOrTx, r: EventRow) => db.insertInto('zoning_area_events').values(r).execute();
export const eventsOf = (db: DbOrTx, areaId: string) =>
  db.selectFrom('zoning_area_events').selectAll().where('area_id', '=', areaId).orderBy('at').orderBy('id').execute();

/** The latest event of each area at or before `at` (the state of every area on a past day). */
export async function stateAsOf(db: DbOrTx, at: number): Promise<EventRow[]> {
  const latest = db
    .selectFrom('zoning_area_events')
    .select(['area_id', (eb) => eb.fn.max('at').as('m')])
    .where('at', '<=', at)
    .groupBy('area_id')
    .as('l');
  const rows = await db
    .selectFrom('zoning_area_events as e')
    .innerJoin(latest, (j) => j.onRef('l.area_id', '=', 'e.area_id').onRef('l.m', '=', 'e.at'))
    .selectAll('e')
    .orderBy('e.area_id')
    .orderBy('e.id')
    .execute();
  // Two events of one area in the same millisecond: keep the later id (UUIDv7 order).
  const byArea = new Map<string, EventRow>();
  for (const r of rows) byArea.set(r.area_id, r);
  return [...byArea.values()];
}

/** Publications, steps and lifts, newest first (the public history). */
export const publicHistory = (db: DbOrTx, limit: number) =>
  db
    .selectFrom('zoning_area_events')
    .selectAll()
    .where('kind', 'in', ['published', 'stepped', 'lifted'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();

// ---- meta (settings and the public version)
export const readMeta = async (db: DbOrTx, key: string) =>
  (await db.selectFrom('zoning_meta').select('value').where('key', '=', key).executeTakeFirst())?.value;

export async function writeMeta(db: DbOrTx, key: string, value: string, now: number): Promise<void> {
  await db
    .insertInto('zoning_meta')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

/** Adds one to an integer meta value in the caller's transaction (creating it at 1). */
export async function bumpMeta(db: DbOrTx, key: string, now: number): Promise<void> {
  const r = await db
    .updateTable('zoning_meta')
    .set({ value: sql<string>`CAST(CAST(value AS INTEGER) + 1 AS TEXT)`, updated_at: now })
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) await writeMeta(db, key, '1', now);
}

/** Published areas at these levels whose district path is `districtPath` (a county is clear when none remain). */
export const publishedInDistrict = (db: DbOrTx, districtPath: string, levels: readonly RiskLevel[]) =>
  db
    .selectFrom('zoning_areas')
    .select(['id', 'name', 'level'])
    .where('status', '=', 'published')
    .where('district_path', '=', districtPath)
    .where('level', 'in', levels)
    .orderBy('id')
    .execute();

// ---- extension proposals (a case near an area)
export const insertExtension = (db: DbOrTx, r: ExtensionRow) => db.insertInto('zoning_extensions').values(r).execute();
export const findExtension = (db: DbOrTx, id: string) => db.selectFrom('zoning_extensions').selectAll().where('id', '=', id).executeTakeFirst();
export async function extensionsOfMany(db: DbOrTx, areaIds: readonly string[]): Promise<ExtensionRow[]> {
  const out: ExtensionRow[] = [];
  for (let i = 0; i < areaIds.length; i += CHUNK)
    out.push(
      ...(await db
        .selectFrom('zoning_extensions')
        .selectAll()
        .where('area_id', 'in', areaIds.slice(i, i + CHUNK))
        .orderBy('case_confirmed_at')
        .orderBy('id')
        .execute()),
    );
  return out;
}
/** Decides a proposed extension; false when it was decided meanwhile. */
export async function decideExtension(
  db: DbOrTx,
  id: string,
  set: Pick<ExtensionRow, 'status' | 'decided_by' | 'decided_by_name' | 'decided_at' | 'decision_reason'>,
): Promise<boolean> {
  const r = await db.updateTable('zoning_extensions').set(set).where('id', '=', id).where('status', '=', 'proposed').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- savepoints (the same SQL on SQLite and PostgreSQL): one area's lifting round is created
// inside a savepoint of the hourly run's transaction, so a refusal rolls back only its own writes.
export const savepoint = (db: DbOrTx, name: string) => sql.raw(`SAVEPOINT ${name}`).execute(db);
export const rollbackToSavepoint = (db: DbOrTx, name: string) => sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(db);
export const releaseSavepoint = (db: DbOrTx, name: string) => sql.raw(`RELEASE SAVEPOINT ${name}`).execute(db);
/** Nodes of published areas under any of the prefixes (the testing module's pool-mode rule reads them). */
export async function publishedNodesUnder(db: DbOrTx, prefixes: readonly string[]): Promise<{ area_id: string; path: string; level: RiskLevel }[]> {
  if (!prefixes.length) return [];
  return db
    .selectFrom('zoning_area_nodes as n')
    .innerJoin('zoning_areas as a', 'a.id', 'n.area_id')
    .select(['n.area_id', 'n.path', 'a.level'])
    .where('a.status', '=', 'published')
    .where((eb) => eb.or(prefixes.map((p) => eb('n.path', 'like', `${p}%`))))
    .execute();
}
