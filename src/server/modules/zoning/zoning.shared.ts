import type { Logger } from 'pino';
import type { JurisdictionDto } from '../../../common/geo.js';
import type { RiskLevel } from '../../../common/zoning.js';
import type { Db, DbOrTx } from '../../db/dialect.js';
import type { Services } from '../../services.types.js';
import { inScope, systemActor, type Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { HOUR, type Clock } from '../../platform/clock.js';
import type { PresetDto } from '../cases/index.js';
import { ZoningErrors } from './zoning.errors.js';
import * as repo from './zoning.repository.js';
import { pathAt } from './zoning.rules.js';

/**
 * What the zoning sub-services are built from: the database, the clocks and the time zone, and only
 * the methods of other modules' services that zoning calls (each named here, so the seam is visible).
 * Built once from the container by `zoningInputs()` in zoning.service.ts.
 */
export interface ZoningInputs {
  db: Db;
  /** Domain time (lifting countdowns, due dates). */
  clock: Clock;
  /** Real elapsed time (the public list's freshness window). */
  wallClock: Clock;
  /** BULWARK_TZ: calendar days in every text and countdown. */
  tz: string;
  log: Pick<Logger, 'warn'>;
  journal: Pick<Services['journal'], 'append'>;
  outbox: Pick<Services['outbox'], 'publish'>;
  control: Pick<Services['control'], 'bulkThreshold' | 'summary' | 'statusesOf' | 'applyAutomatic'>;
  geo: Pick<Services['geo'], 'getById' | 'getMany' | 'getManyByPath' | 'subtree' | 'geojson'>;
  population: Pick<Services['population'], 'pathsOf' | 'residentsUnder'>;
  cases: Pick<Services['cases'], 'casesForZoning' | 'contactsForZoning' | 'placesForProposals'> & {
    presets: Pick<Services['cases']['presets'], 'active' | 'getVersion'>;
  };
  tasks: Pick<Services['tasks'], 'create' | 'notify' | 'closeForWork'>;
  units: Pick<Services['auth']['units'], 'list'>;
  testing: { campaigns: Pick<Services['testing']['campaigns'], 'get' | 'create' | 'activate'>; coverage: Pick<Services['testing']['coverage'], 'get'> };
}

export const SYS = systemActor('zoning');
export const ZONING_EVALUATE_JOB = 'zoning.evaluate';
export const RATIO_SETTING = 'detector.ratio_threshold';
export const PUBLIC_VERSION = 'public_version';
/** Cases confirmed this long before an area was proposed still count for its countdown and evidence. */
export const CASE_LOOKBACK_MS = 30 * 24 * HOUR;
/** Covered nodes a map (and the public GeoJSON) answer carries at most. */
export const MAP_NODE_CAP = 5000;

export type Node = JurisdictionDto;
export type CaseRef = { id: string; path: string; confirmedAt: number; active: boolean };
export type NearCase = { caseId: string; confirmedAt: number; distanceM: number };

/** The first item of a list the caller knows is not empty (a preset's levels, an area's nodes); throws when it is. */
export function firstOf<T>(items: Iterable<T>, what: string): T {
  for (const x of items) return x;
  throw new Error(`${what} is empty`);
}
export const stamp = (id: string | null, name: string | null, at: number | null) => (name !== null && at !== null ? { id, name, at: Number(at) } : null);
export const num = (v: number | null) => (v === null ? null : Number(v));

export function requireCap(actor: Actor, cap: 'area.read' | 'area.propose' | 'area.publish'): void {
  if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
}

/** The area, when it exists inside the actor's scope; 404 otherwise (one outside is answered as a missing one). */
export async function visibleArea(db: DbOrTx, actor: Actor, id: string): Promise<repo.AreaRow> {
  const r = await repo.findArea(db, id);
  if (!r || !inScope(actor, r.jurisdiction_path)) throw ZoningErrors.ZONING_AREA_NOT_FOUND({ id });
  return r;
}

/**
 * The path of the node a read or a generation is narrowed to: the node's own path when it lies in the
 * actor's scope (404 otherwise, a node of another district answered like a missing one), `fallback`
 * when no node is named.
 */
export async function narrowTo<F extends string | null>(
  geo: Pick<ZoningInputs['geo'], 'getById'>,
  db: DbOrTx,
  actor: Actor,
  jurisdictionId: string | undefined,
  fallback: F,
): Promise<string | F> {
  if (!jurisdictionId) return fallback;
  const n = await geo.getById(jurisdictionId, db);
  if (!n || !inScope(actor, n.path)) throw ZoningErrors.ZONING_NODE_NOT_FOUND({ jurisdictionIds: [jurisdictionId] });
  return n.path;
}

/** The level, when the preset knows it (422 otherwise). */
export function checkLevel(preset: PresetDto, level: string): RiskLevel {
  if (!(preset.params.zoning.levels as string[]).includes(level))
    throw ZoningErrors.ZONING_LEVEL_NOT_IN_PRESET({ level, allowed: preset.params.zoning.levels, preset: preset.label });
  return level as RiskLevel;
}

export function districtOf(path: string): string {
  return pathAt(path, 'district') ?? path;
}

/** Every ancestor path of `path`, itself included, top down (`/a/`, `/a/b/`, …). */
export function prefixesOf(path: string): string[] {
  const segs = path.split('/').filter(Boolean);
  return segs.map((_, i) => `/${segs.slice(0, i + 1).join('/')}/`);
}

export function inScopeOrAbove(actor: Actor, path: string): boolean {
  return actor.scopePath === '/' || path.startsWith(actor.scopePath) || actor.scopePath.startsWith(path);
}
