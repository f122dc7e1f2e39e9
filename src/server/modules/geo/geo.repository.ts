import { sql, type ExpressionBuilder, type Insertable, type Selectable } from 'kysely';
import { ilike, type DbOrTx, type Tx } from '../../db/dialect.js';
import type { Database } from '../../db/schema.js';
import type { JurisdictionsTable } from './geo.table.js';
import type { JurisdictionLevel } from '../../../common/geo.js';

export type JurisdictionRow = Selectable<JurisdictionsTable>;
/** Columns read for lists (geometry left out: it can be large). */
const LIST_COLUMNS = [
  'id',
  'code',
  'name',
  'level',
  'kind',
  'parent_id',
  'path',
  'depth',
  'centroid_lng',
  'centroid_lat',
  'population',
  'local_code',
  'created_at',
  'updated_at',
] as const;
export type JurisdictionListRow = Omit<JurisdictionRow, 'geometry'>;

/** Every proper and improper prefix of a path: `/a/b/` → [`/a/`, `/a/b/`]. */
export function pathPrefixes(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const out: string[] = [];
  let acc = '/';
  for (const p of parts) {
    acc += `${p}/`;
    out.push(acc);
  }
  return out;
}

/**
 * The read-visibility filter: a node is visible when it lies inside `scopePath` or is one of its
 * ancestors (so a district officer can navigate from the city down). `null` = everything.
 */
function visible(scopePath: string | null) {
  return (eb: ExpressionBuilder<Database, 'jurisdictions'>) => {
    if (!scopePath) return eb.lit(true);
    return eb.or([eb('path', 'like', `${scopePath}%`), eb('path', 'in', pathPrefixes(scopePath))]);
  };
}

export async function countAll(db: DbOrTx, underPath?: string | null): Promise<number> {
  let q = db.selectFrom('jurisdictions').select((eb) => eb.fn.countAll<number>().as('n'));
  if (underPath) q = q.where('path', 'like', `${underPath}%`);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findById(db: DbOrTx, id: string): Promise<JurisdictionRow | undefined> {
  return db.selectFrom('jurisdictions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findByCode(db: DbOrTx, code: string): Promise<JurisdictionRow | undefined> {
  return db.selectFrom('jurisdictions').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Nodes with these codes (every column), in no particular order. */
export async function findManyByCodes(db: DbOrTx, codes: readonly string[]): Promise<JurisdictionRow[]> {
  const out: JurisdictionRow[] = [];
  for (let i = 0; i < codes.length; i += 500)
    out.push(
      ...(await db
        .selectFrom('jurisdictions')
        .selectAll()
        .where('code', 'in', codes.slice(i, i + 500))
        .execute()),
    );
  return out;
}

/** Renames a node or changes its kind (an import that corrects a division). */
export async function updateNameKind(trx: Tx, id: string, name: string, kind: string | null, now: number): Promise<void> {
  await trx.updateTable('jurisdictions').set({ name, kind, updated_at: now }).where('id', '=', id).execute();
}

/** Sets a node's geometry (GeoJSON text) and its centroid. */
export async function updateGeometry(trx: Tx, id: string, geometry: string, centroid: readonly [number, number], now: number): Promise<void> {
  await trx
    .updateTable('jurisdictions')
    .set({ geometry, centroid_lng: centroid[0], centroid_lat: centroid[1], updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Nodes with these ids (list columns), in no particular order. */
export async function findManyByIds(db: DbOrTx, ids: readonly string[]): Promise<JurisdictionListRow[]> {
  if (ids.length === 0) return [];
  const out: JurisdictionListRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('jurisdictions')
        .select(LIST_COLUMNS)
        .where('id', 'in', ids.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/** Nodes with these paths (list columns), in no particular order. */
export async function findManyByPaths(db: DbOrTx, paths: readonly string[]): Promise<JurisdictionListRow[]> {
  if (paths.length === 0) return [];
  const out: JurisdictionListRow[] = [];
  for (let i = 0; i < paths.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('jurisdictions')
        .select(LIST_COLUMNS)
        .where('path', 'in', paths.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

export async function listRoots(db: DbOrTx): Promise<JurisdictionListRow[]> {
  return db.selectFrom('jurisdictions').select(LIST_COLUMNS).where('parent_id', 'is', null).orderBy('code').execute();
}

/** Children of a node that are visible from `scopePath`, by code. */
export async function listChildren(db: DbOrTx, parentId: string, scopePath: string | null, limit: number): Promise<JurisdictionListRow[]> {
  return db.selectFrom('jurisdictions').select(LIST_COLUMNS).where('parent_id', '=', parentId).where(visible(scopePath)).orderBy('code').limit(limit).execute();
}

export interface NodeSearch {
  /** Only nodes under this path (inclusive). */
  under?: string | null;
  level?: JurisdictionLevel;
  /** Name contains, or code starts with. */
  q?: string;
  scopePath: string | null;
  limit: number;
}

/** Visible nodes under a path, by level and/or text, shallowest first then by code. */
export async function search(db: DbOrTx, s: NodeSearch): Promise<JurisdictionListRow[]> {
  let q = db.selectFrom('jurisdictions').select(LIST_COLUMNS).where(visible(s.scopePath));
  if (s.under) q = q.where('path', 'like', `${s.under}%`);
  if (s.level) q = q.where('level', '=', s.level);
  if (s.q) {
    // LIKE wildcards are dropped rather than escaped (SQLite has no default escape character).
    const text = s.q.replace(/[\\%_]/g, '');
    q = q.where((eb) => eb.or([eb('name', ilike(db), `%${text}%`), eb('code', 'like', `${text}%`)]));
  }
  return q.orderBy('depth').orderBy('code').limit(s.limit).execute();
}

/**
 * One page of the nodes under a path prefix (the prefix's own node included) at these levels, in
 * path order after `after`: a range of the path index, no geometry, no sort. Bulk work over a whole
 * city pages through it (a campaign's coverage rows at 25M residents are millions of nodes).
 */
export async function nodesUnderAtLevels(
  db: DbOrTx,
  prefix: string,
  levels: readonly JurisdictionLevel[],
  after: string | null,
  limit: number,
): Promise<JurisdictionListRow[]> {
  if (!levels.length) return [];
  let q = db
    .selectFrom('jurisdictions')
    .select(LIST_COLUMNS)
    .where('path', 'like', `${prefix}%`)
    .where('level', 'in', [...levels]);
  if (after !== null) q = q.where('path', '>', after);
  return q.orderBy('path').limit(limit).execute();
}

/** Nodes of one level under a path prefix (with geometry), by code; `limit + 1` tells truncation. */
export async function listLevelWithGeometry(
  db: DbOrTx,
  prefix: string,
  level: JurisdictionLevel,
  scopePath: string | null,
  limit: number,
): Promise<JurisdictionRow[]> {
  return db
    .selectFrom('jurisdictions')
    .selectAll()
    .where('path', 'like', `${prefix}%`)
    .where('level', '=', level)
    .where(visible(scopePath))
    .orderBy('code')
    .limit(limit)
    .execute();
}

export async function countLevelUnder(db: DbOrTx, prefix: string, level: JurisdictionLevel, scopePath: string | null): Promise<number> {
  const r = await db
    .selectFrom('jurisdictions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('path', 'like', `${prefix}%`)
    .where('level', '=', level)
    .where(visible(scopePath))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Descendant counts per level under a node (the node itself excluded). */
export async function countDescendantsByLevel(db: DbOrTx, path: string): Promise<{ level: JurisdictionLevel; n: number }[]> {
  const rows = await db
    .selectFrom('jurisdictions')
    .select(['level', (eb) => eb.fn.countAll<number>().as('n')])
    .where('path', 'like', `${path}%`)
    .where('path', '<>', path)
    .groupBy('level')
    .execute();
  return rows.map((r) => ({ level: r.level, n: Number(r.n) }));
}

/** Pages through a subtree in path order (keyset paging), geometry included. */
export async function* iterateSubtree(db: DbOrTx, prefix: string, pageSize = 2000): AsyncGenerator<JurisdictionRow[]> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('jurisdictions')
      .selectAll()
      .where('path', 'like', `${prefix}%`)
      .where('path', '>', after)
      .orderBy('path')
      .limit(pageSize)
      .execute();
    const last = rows.at(-1);
    if (!last) return;
    yield rows;
    after = last.path;
    if (rows.length < pageSize) return;
  }
}

/** Inserts nodes in multi-row batches (≤ 400 rows × 14 columns per statement). */
export async function insertMany(trx: Tx, rows: readonly Insertable<JurisdictionsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) {
    await trx
      .insertInto('jurisdictions')
      .values(rows.slice(i, i + 400))
      .execute();
  }
}

/**
 * Adds a delta to `population` of many nodes at once: one UPDATE per ≤ 300 nodes with a CASE on
 * the path (portable; no UPDATE … FROM), so bulk loads cost a statement per batch, not per row.
 */
export async function addPopulationByPath(trx: Tx, deltas: ReadonlyMap<string, number>, now: number): Promise<void> {
  const entries = [...deltas].filter(([, d]) => d !== 0);
  for (let i = 0; i < entries.length; i += 300) {
    const chunk = entries.slice(i, i + 300);
    // Deltas are integers we computed: inlined as literals so PostgreSQL types the CASE as integer.
    const cases = sql.join(
      chunk.map(([p, d]) => sql`when ${p} then ${sql.lit(Math.trunc(d))}`),
      sql` `,
    );
    await trx
      .updateTable('jurisdictions')
      .set({ population: sql`population + (case path ${cases} else 0 end)`, updated_at: now })
      .where(
        'path',
        'in',
        chunk.map(([p]) => p),
      )
      .execute();
  }
}

/** Every node's path and counter, for a full recount. */
export async function allPopulations(db: DbOrTx): Promise<{ id: string; path: string; population: number }[]> {
  const rows = await db.selectFrom('jurisdictions').select(['id', 'path', 'population']).execute();
  return rows.map((r) => ({ id: r.id, path: r.path, population: Number(r.population) }));
}

/** Sum of the roots' population counters (the whole city). */
export async function rootPopulation(db: DbOrTx): Promise<number> {
  const r = await db
    .selectFrom('jurisdictions')
    .select((eb) => eb.fn.sum<number>('population').as('n'))
    .where('parent_id', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** A box of WGS-84 degrees. */
export interface LatLngBox {
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

/**
 * Nodes of the given levels whose stored centroid lies in a box, under a path prefix (list
 * columns). Walks `jurisdictions_centroid_idx` (level, centroid_lat, centroid_lng): the latitude
 * range is an index range, the longitude is checked in the index, the path on the few rows left.
 */
export async function centroidsInBox(
  db: DbOrTx,
  levels: readonly JurisdictionLevel[],
  box: LatLngBox,
  underPath: string | null,
  limit: number,
): Promise<JurisdictionListRow[]> {
  let q = db
    .selectFrom('jurisdictions')
    .select(LIST_COLUMNS)
    .where('level', 'in', levels)
    .where('centroid_lat', '>=', box.minLat)
    .where('centroid_lat', '<=', box.maxLat)
    .where('centroid_lng', '>=', box.minLng)
    .where('centroid_lng', '<=', box.maxLng);
  if (underPath) q = q.where('path', 'like', `${underPath}%`);
  return q.limit(limit).execute();
}

/** Columns a map's context reads: the outline, the label point, no figures. */
const CONTEXT_COLUMNS = ['id', 'code', 'name', 'level', 'path', 'parent_id', 'geometry', 'centroid_lng', 'centroid_lat'] as const;
export type ContextRow = Pick<JurisdictionRow, (typeof CONTEXT_COLUMNS)[number]>;

/**
 * The other children of a node's parent (every one, whatever the reader's scope: the caller decides
 * what of them to show), by code; `limit + 1` tells truncation.
 */
export async function listSiblingsForContext(db: DbOrTx, parentId: string, exceptId: string, limit: number): Promise<ContextRow[]> {
  return db
    .selectFrom('jurisdictions')
    .select(CONTEXT_COLUMNS)
    .where('parent_id', '=', parentId)
    .where('id', '!=', exceptId)
    .orderBy('code')
    .limit(limit)
    .execute();
}

/** Nodes at these paths with their outlines (a node's ancestors), in no particular order. */
export async function findByPathsForContext(db: DbOrTx, paths: readonly string[]): Promise<ContextRow[]> {
  if (paths.length === 0) return [];
  return db.selectFrom('jurisdictions').select(CONTEXT_COLUMNS).where('path', 'in', paths).execute();
}
