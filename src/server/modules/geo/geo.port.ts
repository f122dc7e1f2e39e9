import type { JurisdictionDto, JurisdictionLevel } from '../../../common/geo.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { CreateJurisdictionInput, FeatureCollection, GeojsonLevel, NewJurisdiction } from './geo.shared.js';

/**
 * What other modules may call on the geo module (`deps.services.geo`). Everything else in this
 * folder is internal; its helpers are published through `index.ts`. `createGeoService` checks its
 * facade against this port (`satisfies GeoPort`).
 */
export interface GeoPort {
  /** Number of jurisdiction nodes (in the actor's subtree when given). */
  count(actor?: Actor, db?: DbOrTx): Promise<number>;
  /** A node by id, no scope check (the caller checks scope). */
  getById(id: string, db?: DbOrTx): Promise<JurisdictionDto | undefined>;
  /** A node by division code, no scope check. */
  getByCode(code: string, db?: DbOrTx): Promise<JurisdictionDto | undefined>;
  /** Nodes by id, no scope check, in no particular order. */
  getMany(ids: readonly string[], db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** Nodes by path, no scope check, in no particular order. */
  getManyByPath(paths: readonly string[], db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** Display names by path in one read, for list DTOs; only for paths the caller may already read. */
  namesByPath(paths: readonly string[], db?: DbOrTx): Promise<Map<string, string>>;
  /** Id, code, name, level and path of a node (for scope checks), or undefined. */
  resolveScope(id: string, db?: DbOrTx): Promise<{ id: string; code: string; name: string; level: JurisdictionLevel; path: string } | undefined>;
  /** The readable children of a node, by code. */
  children(actor: Actor, parentId: string, db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** Readable nodes matching a search and/or level, or the children of a parent. */
  list(actor: Actor, f: { parentId?: string; level?: JurisdictionLevel; q?: string; limit?: number }, db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** Every node under a path at these levels, in pages (no actor: the caller's own authority). */
  nodesUnder(path: string, levels: readonly JurisdictionLevel[], pageSize: number, db?: DbOrTx): AsyncGenerator<JurisdictionDto[]>;
  /** Readable nodes of a subtree, optionally one level only. */
  subtree(actor: Actor, rootId: string, f?: { level?: JurisdictionLevel; limit?: number }, db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** GeoJSON of one level under a root, capped (`truncated`/`total` say when more matched). */
  geojson(actor: Actor, f: { rootId?: string; level?: GeojsonLevel; cap?: number }, db?: DbOrTx): Promise<FeatureCollection>;
  /** The nearest node of some levels to a point [lng, lat], within a distance and the actor's scope. */
  nearest(
    actor: Pick<Actor, 'scopePath'>,
    pt: readonly [number, number],
    f?: { maxMetres?: number; levels?: readonly JurisdictionLevel[]; under?: string | null },
    db?: DbOrTx,
  ): Promise<{ node: JurisdictionDto; metres: number } | undefined>;
  /** Adds `delta` to the population counter of a node and its ancestors, in the caller's transaction. */
  addPopulation(trx: Tx, path: string, delta: number): Promise<void>;
  /** Bulk `addPopulation`: per-node deltas, aggregated over ancestors first. */
  addPopulationMany(trx: Tx, deltas: ReadonlyMap<string, number>): Promise<void>;
  /** Inserts generated nodes in batches (parents before children). */
  insertMany(trx: Tx, nodes: readonly NewJurisdiction[]): Promise<void>;
  /** Creates one node under a parent in the actor's scope, journaled. */
  create(trx: Tx | undefined, actor: Actor, input: CreateJurisdictionInput): Promise<JurisdictionDto>;
  /** Persons in the whole tree: the sum of the roots' counters. */
  totalPopulation(db?: DbOrTx): Promise<number>;
  /** Every node's counter with its path (for recounts and their tests). */
  populations(db?: DbOrTx): Promise<{ path: string; population: number }[]>;
}
