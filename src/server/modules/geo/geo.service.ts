import { JURISDICTION_KINDS, JURISDICTION_LEVELS, type JurisdictionDto, type JurisdictionLevel } from '../../../common/geo.js';
import { flag } from '../../db/row-values.js';
import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { scopePrefix, inScope, type Actor } from '../../platform/actor.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { newId } from '../../platform/ids.js';
import { centroid, roundPt, toPolygon } from './geometry.js';
import { createDivisionImport } from './division-import.js';
import { createGeoMapService } from './geo-map.service.js';
import type { GeoPort } from './geo.port.js';
import * as repo from './geo.repository.js';
import type { JurisdictionRow } from './geo.repository.js';
import {
  GeoErrors,
  canReadJurisdiction,
  depthOf,
  scopeOf,
  toJurisdictionDto,
  type CreateJurisdictionInput,
  type JurisdictionDetail,
  type NewJurisdiction,
} from './geo.shared.js';
import type { GeoService } from './geo.types.js';

export { metresBetween } from './geo.shared.js';
export type { NewJurisdiction } from './geo.shared.js';

/**
 * The jurisdiction tree (辖区): nodes, reads and search, population counters and creation; the map
 * reads (GeoJSON, export, nearest) are composed from geo-map.service.ts. Other modules call it
 * through `GeoPort` (geo.port.ts).
 */
export function createGeoService(deps: Deps): GeoService {
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

  const map = createGeoMapService(deps, readable);

  const service = {
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
    async resolveScope(
      id: string,
      db: DbOrTx = deps.db,
    ): Promise<{ id: string; code: string; name: string; level: JurisdictionLevel; path: string } | undefined> {
      const r = await repo.findById(db, id);
      return r && { id: r.id, code: r.code, name: r.name, level: r.level, path: r.path };
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
    async list(
      actor: Actor,
      f: { parentId?: string; level?: JurisdictionLevel; q?: string; limit?: number },
      db: DbOrTx = deps.db,
    ): Promise<JurisdictionDto[]> {
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
        const last = rows.at(-1);
        if (!last || rows.length < pageSize) return;
        after = last.path;
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
      for (const c of counts) childCounts[c.level] = c.n;
      let buildings: JurisdictionDetail['buildings'] = null;
      if (r.level === 'compound') {
        const rows = await repo.listChildren(db, r.id, scopeOf(actor), 5000);
        const vulnerable = await deps.services.population.vulnerableCountByBuilding(
          rows.map((b) => b.id),
          db,
        );
        buildings = rows.map((b) => ({ ...toJurisdictionDto(b), vulnerable: vulnerable.get(b.id) ?? 0 }));
      }
      return { node: toJurisdictionDto(r), ancestors, childCounts, population: Number(r.population), buildings };
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
        const expected = JURISDICTION_LEVELS[JURISDICTION_LEVELS.indexOf(parent.level) + 1];
        if (input.level !== expected) throw GeoErrors.JURISDICTION_LEVEL_INVALID({ parentLevel: parent.level, expected, got: input.level });
        const kind = input.kind ?? null;
        if (kind !== null && !(JURISDICTION_KINDS[input.level] as readonly string[]).includes(kind)) {
          throw GeoErrors.JURISDICTION_KIND_INVALID({ level: input.level, kind, allowed: JURISDICTION_KINDS[input.level] });
        }
        if (!/^\d{6,20}$/.test(input.code)) throw GeoErrors.JURISDICTION_CODE_INVALID({ code: input.code });
        // Under a local code (a development zone) the codes are local too.
        const node: NewJurisdiction = {
          id: newId(),
          code: input.code,
          name: input.name.trim(),
          level: input.level,
          kind,
          parentId: parent.id,
          path: `${parent.path}${input.code}/`,
          ring: input.ring ?? null,
          population: 0,
          localCode: flag(parent.local_code),
        };
        try {
          await insertMany(tx, [node]);
        } catch (err) {
          if (isUniqueViolation(err)) throw GeoErrors.JURISDICTION_CODE_EXISTS({ code: input.code });
          throw err;
        }
        await deps.services.journal.append(tx, actor, {
          action: 'geo.jurisdiction.create',
          entityType: 'jurisdiction',
          entityId: node.id,
          jurisdictionPath: node.path,
          payload: { code: node.code, name: node.name, level: node.level, kind },
        });
        const row = await repo.findById(tx, node.id);
        return toJurisdictionDto(row!);
      });
    },

    geojson: map.geojson,
    exportSubtree: map.exportSubtree,
    context: map.context,
    nearest: map.nearest,

    /** Persons in the whole tree: the sum of the roots' counters. */
    totalPopulation: (db: DbOrTx = deps.db) => repo.rootPopulation(db),

    /** Every node's counter with its path (for recounts and their tests). */
    populations: (db: DbOrTx = deps.db) => repo.allPopulations(db),
  };
  return service satisfies GeoPort;
}
