import { JURISDICTION_KINDS, JURISDICTION_LEVELS, GEOJSON_FEATURE_CAP, type JurisdictionDto, type JurisdictionFeatureProperties, type JurisdictionLevel } from '../../../common/geo.js';
import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { defineErrors } from '../../platform/errors.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { newId } from '../../platform/ids.js';
import { centroid, roundPt, toPolygon, type Ring } from './geometry.js';
import { createDivisionImport } from './division-import.js';
import * as repo from './geo.repository.js';
import type { JurisdictionListRow, JurisdictionRow } from './geo.repository.js';
import type { FeatureCollection, JurisdictionDetail, JurisdictionFeature } from './geo.schemas.js';

export const GeoErrors = defineErrors({
  JURISDICTION_NOT_FOUND: [404, 'No such jurisdiction'],
  JURISDICTION_PARENT_NOT_FOUND: [422, 'The parent jurisdiction does not exist or is outside your jurisdiction'],
  JURISDICTION_LEVEL_INVALID: [422, 'A jurisdiction must be exactly one level below its parent'],
  JURISDICTION_KIND_INVALID: [422, 'This kind does not belong to that level'],
  JURISDICTION_CODE_INVALID: [422, 'A division code is digits only and must extend within its parent'],
  JURISDICTION_CODE_EXISTS: [409, 'A jurisdiction with this code already exists'],
});

/** Levels GET /api/geo/geojson serves. */
export const GEOJSON_LEVELS = ['city', 'district', 'street', 'community', 'compound', 'building', 'entrance'] as const;
export type GeojsonLevel = (typeof GEOJSON_LEVELS)[number];

/**
 * Read visibility of the tree: a node is readable when it lies inside the actor's scope OR is an
 * ancestor of the scope (a district officer can see the city node and navigate down to their
 * district; siblings of their district stay invisible). Writes, and the `jurisdiction` entity
 * scope used by the policy hook, need the node INSIDE the scope.
 */
export function canReadJurisdiction(actor: Pick<Actor, 'scopePath'>, path: string): boolean {
  return actor.scopePath === '/' || path.startsWith(actor.scopePath) || actor.scopePath.startsWith(path);
}

function scopeOf(actor: Pick<Actor, 'scopePath'>): string | null {
  return actor.scopePath === '/' ? null : actor.scopePath;
}

export function toJurisdictionDto(r: JurisdictionListRow): JurisdictionDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    level: r.level as JurisdictionLevel,
    kind: r.kind,
    parentId: r.parent_id,
    path: r.path,
    depth: Number(r.depth),
    population: Number(r.population),
    centroid: r.centroid_lng === null || r.centroid_lat === null ? null : [Number(r.centroid_lng), Number(r.centroid_lat)],
    localCode: Number(r.local_code) === 1,
  };
}

function featureOf(r: JurisdictionRow): JurisdictionFeature {
  const properties: JurisdictionFeatureProperties = { id: r.id, code: r.code, name: r.name, level: r.level as JurisdictionLevel, kind: r.kind, population: Number(r.population), localCode: Number(r.local_code) === 1 };
  return { type: 'Feature', geometry: r.geometry ? (JSON.parse(r.geometry) as JurisdictionFeature['geometry']) : null, properties } satisfies JurisdictionFeature;
}

/** A node to insert in bulk (the demo loader). Depth and centroid are derived. */
export interface NewJurisdiction {
  id: string;
  code: string;
  name: string;
  level: JurisdictionLevel;
  kind: string | null;
  parentId: string | null;
  path: string;
  /** Outer ring [lng, lat] (open), or null. */
  ring: Ring | null;
  /** Initial counter value (a bulk loader that knows its residents sets it directly). */
  population: number;
  /** A local code, not a GB/T 2260 / statistical one (default false). */
  localCode?: boolean;
}

export interface CreateJurisdictionInput {
  parentId: string;
  code: string;
  name: string;
  level: JurisdictionLevel;
  kind?: string | null;
  ring?: Ring | null;
}

/** The response shapes are the schemas' (geo.schemas.ts). */
export type { FeatureCollection, JurisdictionDetail };

/** Metres between two WGS-84 points [lng, lat] (equirectangular; exact enough at city scale). */
export function metresBetween(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

const M_PER_DEG_LAT = 111_320;
/** nearest(): the first box's half-side, and the most rows one box may read before it is halved. */
const NEAREST_FIRST_M = 250;
const NEAREST_BOX_ROWS = 5000;

/** Depth (0 = city) of a materialised path. */
function depthOf(path: string): number {
  return path.split('/').filter(Boolean).length - 1;
}

export function createGeoService(deps: Deps) {
  registerEntityScope('jurisdiction', async (db, id) => {
    const r = await repo.findById(db, id);
    return r ? [r.path] : undefined;
  });

  /** A node the actor may read, or JURISDICTION_NOT_FOUND (missing and invisible look alike). */
  async function readable(db: DbOrTx, actor: Actor, id: string): Promise<JurisdictionRow> {
    const r = await repo.findById(db, id);
    if (!r || !canReadJurisdiction(actor, r.path)) throw GeoErrors.JURISDICTION_NOT_FOUND({ id });
    return r;
  }

  async function ancestorsOf(db: DbOrTx, path: string): Promise<JurisdictionDto[]> {
    const prefixes = repo.pathPrefixes(path).slice(0, -1);
    const rows = await repo.findManyByPaths(db, prefixes);
    return rows.sort((a, b) => Number(a.depth) - Number(b.depth)).map(toJurisdictionDto);
  }

  /** Expands per-node deltas to every ancestor and sums them. */
  function expand(deltas: ReadonlyMap<string, number> | Iterable<[string, number]>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [path, d] of deltas) {
      if (!d) continue;
      for (const p of repo.pathPrefixes(path)) out.set(p, (out.get(p) ?? 0) + d);
    }
    return out;
  }

  /** Inserts generated nodes in batches. Parents must come before children. */
  async function insertMany(trx: Tx, nodes: readonly NewJurisdiction[]): Promise<void> {
    const now = deps.clock.now();
    await repo.insertMany(
      trx,
      nodes.map((n) => {
        const c = n.ring && n.ring.length >= 3 ? roundPt(centroid(n.ring)) : null;
        return {
          id: n.id,
          code: n.code,
          name: n.name,
          level: n.level,
          kind: n.kind,
          parent_id: n.parentId,
          path: n.path,
          depth: depthOf(n.path),
          geometry: n.ring && n.ring.length >= 3 ? JSON.stringify(toPolygon(n.ring)) : null,
          centroid_lng: c ? c[0] : null,
          centroid_lat: c ? c[1] : null,
          population: n.population,
          local_code: n.localCode ? 1 : 0,
          created_at: now,
          updated_at: now,
        };
      }),
    );
  }

  return {
    /** Number of jurisdiction nodes (in the actor's subtree when given). */
    count: (actor?: Actor, db: DbOrTx = deps.db) => repo.countAll(db, actor ? scopePrefix(actor) : null),

    /** A node by id (no scope check: for other services that check scope themselves). */
    async getById(id: string, db: DbOrTx = deps.db): Promise<JurisdictionDto | undefined> {
      const r = await repo.findById(db, id);
      return r && toJurisdictionDto(r);
    },

    /** A node by division code (no scope check). */
    async getByCode(code: string, db: DbOrTx = deps.db): Promise<JurisdictionDto | undefined> {
      const r = await repo.findByCode(db, code);
      return r && toJurisdictionDto(r);
    },

    /** Nodes by id (no scope check), in no particular order. */
    async getMany(ids: readonly string[], db: DbOrTx = deps.db): Promise<JurisdictionDto[]> {
      return (await repo.findManyByIds(db, [...new Set(ids)])).map(toJurisdictionDto);
    },

    /** Nodes by path (no scope check), in no particular order. */
    async getManyByPath(paths: readonly string[], db: DbOrTx = deps.db): Promise<JurisdictionDto[]> {
      return (await repo.findManyByPaths(db, [...new Set(paths)])).map(toJurisdictionDto);
    },

    /**
     * Display names of the nodes at these paths, one batched read, for list DTOs whose rows carry a
     * jurisdiction path (a table then shows names without a request per row). No scope check: call it
     * only with paths of rows the caller may already read. A path with no node is absent.
     */
    async namesByPath(paths: readonly string[], db: DbOrTx = deps.db): Promise<Map<string, string>> {
      if (!paths.length) return new Map();
      return new Map((await repo.findManyByPaths(db, [...new Set(paths)])).map((r) => [r.path, r.name]));
    },

    /**
     * For other modules: the id, code, level and path of a node, or undefined. Use the path with
     * `inScope(actor, path)` for writes and `canReadJurisdiction` for reads.
     */
    async resolveScope(id: string, db: DbOrTx = deps.db): Promise<{ id: string; code: string; name: string; level: JurisdictionLevel; path: string } | undefined> {
      const r = await repo.findById(db, id);
      return r && { id: r.id, code: r.code, name: r.name, level: r.level as JurisdictionLevel, path: r.path };
    },

    /** The children of a node that the actor may read, by code. */
    async children(actor: Actor, parentId: string, db: DbOrTx = deps.db): Promise<JurisdictionDto[]> {
      const parent = await readable(db, actor, parentId);
      return (await repo.listChildren(db, parent.id, scopeOf(actor), 5000)).map(toJurisdictionDto);
    },

    /** Ancestors of a readable node, root first (breadcrumbs). */
    async ancestors(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<JurisdictionDto[]> {
      const r = await readable(db, actor, id);
      return ancestorsOf(db, r.path);
    },

    /**
     * Browsing and search. With `q` and/or `level`: readable nodes matching them (under `parentId`
     * when given), shallowest first, at most `limit`. Otherwise the children of `parentId`, or the
     * roots (the city) when no parent is given.
     */
    async list(actor: Actor, f: { parentId?: string; level?: JurisdictionLevel; q?: string; limit?: number }, db: DbOrTx = deps.db): Promise<JurisdictionDto[]> {
      const limit = Math.min(f.limit ?? 200, 5000);
      const parent = f.parentId ? await readable(db, actor, f.parentId) : undefined;
      if (f.q || f.level) {
        const rows = await repo.search(db, { under: parent?.path, level: f.level, q: f.q?.trim(), scopePath: scopeOf(actor), limit });
        return rows.map(toJurisdictionDto);
      }
      if (parent) return (await repo.listChildren(db, parent.id, scopeOf(actor), limit)).map(toJurisdictionDto);
      return (await repo.listRoots(db)).filter((r) => canReadJurisdiction(actor, r.path)).map(toJurisdictionDto);
    },

    /**
     * Every node under a path (the path's own node included) at these levels, in path order and in
     * pages of `pageSize`, for bulk work done by a service on its own authority (campaign
     * activation): no actor, no cap. Memory holds one page, whatever the size of the subtree.
     */
    async *nodesUnder(path: string, levels: readonly JurisdictionLevel[], pageSize: number, db: DbOrTx = deps.db): AsyncGenerator<JurisdictionDto[]> {
      let after: string | null = null;
      for (;;) {
        const rows = await repo.nodesUnderAtLevels(db, path, levels, after, pageSize);
        if (rows.length) yield rows.map(toJurisdictionDto);
        if (rows.length < pageSize) return;
        after = rows[rows.length - 1].path;
      }
    },

    /** Nodes of a subtree (materialised-path query), optionally one level only; readable nodes only. */
    async subtree(actor: Actor, rootId: string, f: { level?: JurisdictionLevel; limit?: number } = {}, db: DbOrTx = deps.db): Promise<JurisdictionDto[]> {
      const root = await readable(db, actor, rootId);
      const rows = await repo.search(db, { under: root.path, level: f.level, scopePath: scopeOf(actor), limit: Math.min(f.limit ?? 5000, 50_000) });
      return rows.map(toJurisdictionDto);
    },

    /** A node with breadcrumbs, descendant counts per level, population and (compound) its buildings. */
    async detail(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<JurisdictionDetail> {
      const r = await readable(db, actor, id);
      const [ancestors, counts] = await Promise.all([ancestorsOf(db, r.path), repo.countDescendantsByLevel(db, r.path)]);
      const childCounts: Partial<Record<JurisdictionLevel, number>> = {};
      for (const c of counts) childCounts[c.level as JurisdictionLevel] = c.n;
      let buildings: JurisdictionDetail['buildings'] = null;
      if (r.level === 'compound') {
        const rows = await repo.listChildren(db, r.id, scopeOf(actor), 5000);
        const vulnerable = await deps.services.population.vulnerableCountByBuilding(rows.map((b) => b.id), db);
        buildings = rows.map((b) => ({ ...toJurisdictionDto(b), vulnerable: vulnerable.get(b.id) ?? 0 }));
      }
      return { node: toJurisdictionDto(r), ancestors, childCounts, population: Number(r.population), buildings };
    },

    /**
     * A GeoJSON FeatureCollection of the nodes of one level under a root (default: the city,
     * districts). At most GEOJSON_FEATURE_CAP features, by code; `truncated`/`total` say when more
     * matched (ask for a smaller root instead).
     */
    async geojson(actor: Actor, f: { rootId?: string; level?: GeojsonLevel; cap?: number }, db: DbOrTx = deps.db): Promise<FeatureCollection> {
      const cap = Math.min(f.cap ?? GEOJSON_FEATURE_CAP, GEOJSON_FEATURE_CAP);
      const level = f.level ?? 'district';
      let root: JurisdictionRow | undefined;
      if (f.rootId) root = await readable(db, actor, f.rootId);
      else {
        const roots = await repo.listRoots(db);
        const first = roots.find((x) => canReadJurisdiction(actor, x.path));
        root = first && (await repo.findById(db, first.id));
      }
      if (!root) return { type: 'FeatureCollection', features: [], truncated: false, total: 0 };
      const rows = await repo.listLevelWithGeometry(db, root.path, level, scopeOf(actor), cap + 1);
      const truncated = rows.length > cap;
      const total = truncated ? await repo.countLevelUnder(db, root.path, level, scopeOf(actor)) : rows.length;
      return { type: 'FeatureCollection', features: rows.slice(0, cap).map(featureOf), truncated, total };
    },

    /**
     * The whole readable subtree of a node as GeoJSON text, streamed in pages (no size cap, constant
     * memory). Every level is included; properties as in `geojson`.
     */
    async exportSubtree(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
      const root = await readable(db, actor, id);
      const scope = scopeOf(actor);
      async function* chunks(): AsyncGenerator<string> {
        yield '{"type":"FeatureCollection","features":[';
        let first = true;
        for await (const page of repo.iterateSubtree(db, root.path, 2000)) {
          const parts: string[] = [];
          for (const r of page) {
            if (scope && !canReadJurisdiction(actor, r.path)) continue;
            const props = JSON.stringify({ id: r.id, code: r.code, name: r.name, level: r.level, kind: r.kind, population: Number(r.population), localCode: Number(r.local_code) === 1 });
            parts.push(`{"type":"Feature","geometry":${r.geometry ?? 'null'},"properties":${props}}`);
          }
          if (parts.length) {
            yield (first ? '' : ',') + parts.join(',');
            first = false;
          }
        }
        yield ']}';
      }
      return { filename: `${root.code}.geojson`, chunks: chunks() };
    },

    /**
     * Keeps `population` current: adds `delta` to the node at `path` and to all its ancestors, in
     * the caller's transaction (one statement).
     */
    async addPopulation(trx: Tx, path: string, delta: number): Promise<void> {
      if (!delta) return;
      await repo.addPopulationByPath(trx, expand([[path, delta]]), deps.clock.now());
    },

    /**
     * Bulk form of `addPopulation`: per-node deltas (e.g. residents per entrance of a batch) are
     * aggregated over all ancestors first, then written with one statement per 300 nodes.
     */
    async addPopulationMany(trx: Tx, deltas: ReadonlyMap<string, number>): Promise<void> {
      await repo.addPopulationByPath(trx, expand(deltas), deps.clock.now());
    },

    /** Inserts generated nodes in batches (the demo loader). Parents must come before children. */
    insertMany,

    /** Loads statistical division codes and boundaries of a city (`bulwark geo import`; see division-import.ts). */
    importDivisions: createDivisionImport(deps, insertMany).importDivisions,

    /**
     * Creates one node under a parent inside the actor's scope (level = the parent's level + 1),
     * journaled as `geo.jurisdiction.create`.
     */
    async create(trx: Tx | undefined, actor: Actor, input: CreateJurisdictionInput): Promise<JurisdictionDto> {
      return inTx(trx ?? deps.db, async (tx) => {
        const parent = await repo.findById(tx, input.parentId);
        if (!parent || !inScope(actor, parent.path)) throw GeoErrors.JURISDICTION_PARENT_NOT_FOUND({ parentId: input.parentId });
        const expected = JURISDICTION_LEVELS[JURISDICTION_LEVELS.indexOf(parent.level as JurisdictionLevel) + 1];
        if (input.level !== expected) throw GeoErrors.JURISDICTION_LEVEL_INVALID({ parentLevel: parent.level, expected, got: input.level });
        const kind = input.kind ?? null;
        if (kind !== null && !(JURISDICTION_KINDS[input.level] as readonly string[]).includes(kind)) {
          throw GeoErrors.JURISDICTION_KIND_INVALID({ level: input.level, kind, allowed: JURISDICTION_KINDS[input.level] });
        }
        if (!/^\d{6,20}$/.test(input.code)) throw GeoErrors.JURISDICTION_CODE_INVALID({ code: input.code });
        // Under a local code (a development zone) the codes are local too.
        const node: NewJurisdiction = { id: newId(), code: input.code, name: input.name.trim(), level: input.level, kind, parentId: parent.id, path: `${parent.path}${input.code}/`, ring: input.ring ?? null, population: 0, localCode: Number(parent.local_code) === 1 };
        try {
          await insertMany(tx, [node]);
        } catch (err) {
          if (isUniqueViolation(err)) throw GeoErrors.JURISDICTION_CODE_EXISTS({ code: input.code });
          throw err;
        }
        await deps.services.journal.append(tx, actor, { action: 'geo.jurisdiction.create', entityType: 'jurisdiction', entityId: node.id, jurisdictionPath: node.path, payload: { code: node.code, name: node.name, level: node.level, kind } });
        const row = await repo.findById(tx, node.id);
        return toJurisdictionDto(row!);
      });
    },

    /**
     * The nearest node of the given levels (default building or compound) to a point [lng, lat],
     * within `maxMetres` (default 2000), inside `under` (a path) and the actor's scope; undefined
     * when none is that close. Looks in bounding boxes on the stored centroids, from 250 m growing
     * fourfold up to `maxMetres` (index range on level + latitude): a dense city reads a few hundred
     * index entries, never every node. Nodes without a centroid are never found.
     */
    async nearest(
      actor: Pick<Actor, 'scopePath'>,
      pt: readonly [number, number],
      f: { maxMetres?: number; levels?: readonly JurisdictionLevel[]; under?: string | null } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ node: JurisdictionDto; metres: number } | undefined> {
      const [lng, lat] = pt;
      if (!(Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180)) return undefined;
      const max = Math.max(1, f.maxMetres ?? 2000);
      const levels = f.levels?.length ? f.levels : (['building', 'compound'] as const);
      const scope = scopeOf(actor);
      const under = f.under ?? null;
      // The narrower of the scope and `under`; disjoint ones leave nothing to find.
      let prefix: string | null;
      if (!scope || !under) prefix = scope ?? under;
      else if (under.startsWith(scope)) prefix = under;
      else if (scope.startsWith(under)) prefix = scope;
      else return undefined;
      const cosLat = Math.max(0.01, Math.cos((lat * Math.PI) / 180));
      let r = Math.min(NEAREST_FIRST_M, max);
      for (;;) {
        const dLat = r / M_PER_DEG_LAT;
        const dLng = r / (M_PER_DEG_LAT * cosLat);
        const rows = await repo.centroidsInBox(db, levels, { minLat: lat - dLat, maxLat: lat + dLat, minLng: lng - dLng, maxLng: lng + dLng }, prefix, NEAREST_BOX_ROWS + 1);
        if (rows.length > NEAREST_BOX_ROWS && r > 10) {
          // Too many nodes in this box to be sure of the nearest: look in a smaller one first.
          r /= 2;
          continue;
        }
        let best: JurisdictionListRow | undefined;
        let bestD = Infinity;
        for (const n of rows) {
          const d = metresBetween(pt, [Number(n.centroid_lng), Number(n.centroid_lat)]);
          if (d < bestD || (d === bestD && best && n.code < best.code)) [best, bestD] = [n, d];
        }
        // Everything within r of the point lies in the box, so a hit within r is the nearest.
        if (best && bestD <= r) return bestD <= max ? { node: toJurisdictionDto(best), metres: Math.round(bestD * 10) / 10 } : undefined;
        if (r >= max) return undefined;
        r = Math.min(r * 4, max);
      }
    },

    /** Persons in the whole tree: the sum of the roots' counters. */
    totalPopulation: (db: DbOrTx = deps.db) => repo.rootPopulation(db),

    /** Every node's counter with its path (for recounts and their tests). */
    populations: (db: DbOrTx = deps.db) => repo.allPopulations(db),
  };
}

export type GeoService = ReturnType<typeof createGeoService>;
