/**
 * The declared type of the container's `GeoService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { JurisdictionDto, JurisdictionLevel } from '../../../common/geo.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { CreateJurisdictionInput, JurisdictionDetail, NewJurisdiction } from './geo.shared.js';

/** The GeoService facade as the container holds it (what `createGeoService` returns). */
export interface GeoService {
  /** Number of jurisdiction nodes (in the actor's subtree when given). */
  count: (actor?: Actor, db?: DbOrTx) => Promise<number>;
  /** A node by id (no scope check: for other services that check scope themselves). */
  getById(id: string, db?: DbOrTx): Promise<JurisdictionDto | undefined>;
  /** A node by division code (no scope check). */
  getByCode(code: string, db?: DbOrTx): Promise<JurisdictionDto | undefined>;
  /** Nodes by id (no scope check), in no particular order. */
  getMany(ids: readonly string[], db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** Nodes by path (no scope check), in no particular order. */
  getManyByPath(paths: readonly string[], db?: DbOrTx): Promise<JurisdictionDto[]>;
  /**
   * Display names of the nodes at these paths, one batched read, for list DTOs whose rows carry a
   * jurisdiction path (a table then shows names without a request per row). No scope check: call it
   * only with paths of rows the caller may already read. A path with no node is absent.
   */
  namesByPath(paths: readonly string[], db?: DbOrTx): Promise<Map<string, string>>;
  /**
   * For other modules: the id, code, level and path of a node, or undefined. Use the path with
   * `inScope(actor, path)` for writes and `canReadJurisdiction` for reads.
   */
  resolveScope(
    id: string,
    db?: DbOrTx,
  ): Promise<
    | {
        id: string;
        code: string;
        name: string;
        level: JurisdictionLevel;
        path: string;
      }
    | undefined
  >;
  /** The children of a node that the actor may read, by code. */
  children(actor: Actor, parentId: string, db?: DbOrTx): Promise<JurisdictionDto[]>;
  /** Ancestors of a readable node, root first (breadcrumbs). */
  ancestors(actor: Actor, id: string, db?: DbOrTx): Promise<JurisdictionDto[]>;
  /**
   * Browsing and search. With `q` and/or `level`: readable nodes matching them (under `parentId`
   * when given), shallowest first, at most `limit`. Otherwise the children of `parentId`, or the
   * roots (the city) when no parent is given.
   */
  list(
    actor: Actor,
    f: {
      parentId?: string;
      level?: JurisdictionLevel;
      q?: string;
      limit?: number;
    },
    db?: DbOrTx,
  ): Promise<JurisdictionDto[]>;
  /**
   * Every node under a path (the path's own node included) at these levels, in path order and in
   * pages of `pageSize`, for bulk work done by a service on its own authority (campaign
   * activation): no actor, no cap. Memory holds one page, whatever the size of the subtree.
   */
  nodesUnder(path: string, levels: readonly JurisdictionLevel[], pageSize: number, db?: DbOrTx): AsyncGenerator<JurisdictionDto[]>;
  /** Nodes of a subtree (materialised-path query), optionally one level only; readable nodes only. */
  subtree(
    actor: Actor,
    rootId: string,
    f?: {
      level?: JurisdictionLevel;
      limit?: number;
    },
    db?: DbOrTx,
  ): Promise<JurisdictionDto[]>;
  /** A node with breadcrumbs, descendant counts per level, population and (compound) its buildings. */
  detail(actor: Actor, id: string, db?: DbOrTx): Promise<JurisdictionDetail>;
  /**
   * Keeps `population` current: adds `delta` to the node at `path` and to all its ancestors, in
   * the caller's transaction (one statement).
   */
  addPopulation(trx: Tx, path: string, delta: number): Promise<void>;
  /**
   * Bulk form of `addPopulation`: per-node deltas (e.g. residents per entrance of a batch) are
   * aggregated over all ancestors first, then written with one statement per 300 nodes.
   */
  addPopulationMany(trx: Tx, deltas: ReadonlyMap<string, number>): Promise<void>;
  /** Inserts generated nodes in batches (the demo loader). Parents must come before children. */
  insertMany: (trx: Tx, nodes: readonly NewJurisdiction[]) => Promise<void>;
  /** Loads statistical division codes and boundaries of a city (`bulwark geo import`; see division-import.ts). */
  importDivisions: (
    trx: Tx | undefined,
    actor: Actor,
    input: {
      cityCode: string;
      rows: readonly DivisionRow[];
      features?: readonly BoundaryFeature[];
      dryRun?: boolean;
    },
  ) => Promise<DivisionImportReport>;
  /**
   * Creates one node under a parent inside the actor's scope (level = the parent's level + 1),
   * journaled as `geo.jurisdiction.create`.
   */
  create(trx: Tx | undefined, actor: Actor, input: CreateJurisdictionInput): Promise<JurisdictionDto>;
  geojson: (
    actor: Actor,
    f: {
      rootId?: string;
      level?: import('./geo.schemas.js').GeojsonLevel;
      cap?: number;
    },
    db?: DbOrTx,
  ) => Promise<import('./geo.schemas.js').FeatureCollection>;
  exportSubtree: (
    actor: Actor,
    id: string,
    db?: DbOrTx,
  ) => Promise<{
    filename: string;
    chunks: AsyncGenerator<string>;
  }>;
  context: (actor: Actor, id: string, db?: DbOrTx) => Promise<import('./geo.schemas.js').JurisdictionContext>;
  nearest: (
    actor: Pick<Actor, 'scopePath'>,
    pt: readonly [number, number],
    f?: {
      maxMetres?: number;
      levels?: readonly JurisdictionLevel[];
      under?: string | null;
    },
    db?: DbOrTx,
  ) => Promise<
    | {
        node: JurisdictionDto;
        metres: number;
      }
    | undefined
  >;
  /** Persons in the whole tree: the sum of the roots' counters. */
  totalPopulation: (db?: DbOrTx) => Promise<number>;
  /** Every node's counter with its path (for recounts and their tests). */
  populations: (db?: DbOrTx) => Promise<
    {
      id: string;
      path: string;
      population: number;
    }[]
  >;
}

/** One row of the divisions file (`row` as a spreadsheet shows it). */
export interface DivisionRow {
  row: number;
  code: string;
  name: string;
  parentCode: string;
}

/** One boundary feature (`index` counted from 1, as a reader counts features). */
export interface BoundaryFeature {
  index: number;
  code: string | null;
  geometry: { type: string; coordinates: unknown } | null;
}

export interface DivisionImportReport {
  city: string;
  dryRun: boolean;
  /** Data rows read. */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  boundaries: { read: number; applied: number; unchanged: number };
  refused: { row: number | null; feature: number | null; code: string; problem: DivisionRefusal; reason: string }[];
}

export type DivisionRefusal =
  | 'CODE_FORMAT'
  | 'CODE_OUTSIDE_CITY'
  | 'DUPLICATE_CODE'
  | 'NAME_REQUIRED'
  | 'PARENT_UNKNOWN'
  | 'PARENT_MISMATCH'
  | 'PARENT_CHANGED'
  | 'LEVEL_CHANGED'
  | 'FEATURE_CODE_MISSING'
  | 'FEATURE_UNMATCHED'
  | 'FEATURE_GEOMETRY';
