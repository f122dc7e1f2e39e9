/**
 * Pure zoning rules: node levels and paths, nesting, the lifting countdown and distances. No
 * database; the service feeds them.
 */
import { JURISDICTION_LEVELS, type JurisdictionLevel } from '../../../common/geo.js';
import { GRANULARITY_RANK, RISK_LEVEL_RANK, type Granularity, type RiskLevel } from '../../../common/zoning.js';
import type { PresetParams } from '../cases/index.js';
import { addDays, calendarDay, daysBetween, startOfDay } from '../../platform/clock.js';

export const DAY_MS = 86_400_000;

/** Depth of a level in the tree (city 0 … entrance 6). */
export const levelDepth = (l: JurisdictionLevel): number => JURISDICTION_LEVELS.indexOf(l);

/** The ancestor-or-self path of `path` at `level`, or null when `path` is shallower. */
export function pathAt(path: string, level: JurisdictionLevel): string | null {
  const segs = path.split('/').filter(Boolean);
  const n = levelDepth(level) + 1;
  return segs.length >= n ? `/${segs.slice(0, n).join('/')}/` : null;
}

/** Whether `path` lies in the subtree of one of `nodes` (a node covers itself and everything below). */
export function coveredBy(path: string, nodePaths: readonly string[]): boolean {
  return nodePaths.some((p) => path.startsWith(p));
}

/** Drops nodes that lie under another node of the same set (a building inside a listed compound). */
export function normalizeNodes<T extends { path: string }>(nodes: readonly T[]): T[] {
  const sorted = [...nodes].sort((a, b) => a.path.length - b.path.length || a.path.localeCompare(b.path));
  const kept: T[] = [];
  for (const n of sorted) if (!kept.some((k) => n.path.startsWith(k.path))) kept.push(n);
  return kept.sort((a, b) => a.path.localeCompare(b.path));
}

/** The coarsest level among nodes (what the area is "drawn at"). */
export function granularityOf(levels: readonly string[]): Granularity {
  let g: Granularity = 'entrance';
  for (const l of levels) if (GRANULARITY_RANK[l as Granularity] > GRANULARITY_RANK[g]) g = l as Granularity;
  return g;
}

/** The highest of some levels (a place's effective level under nested areas), or null. */
export function highest(levels: readonly RiskLevel[]): RiskLevel | null {
  let best: RiskLevel | null = null;
  for (const l of levels) if (!best || RISK_LEVEL_RANK[l] > RISK_LEVEL_RANK[best]) best = l;
  return best;
}

/** Metres between two WGS-84 points (equirectangular; fine at city scale). */
export function metres(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

export type LiftingStep = PresetParams['zoning']['lifting'][number];

/**
 * The preset's next step from a level, if any: the first step from that level whose origin matches
 * how the area reached it (`stepped` when it came from a step down, else `designated`).
 */
export const nextStep = (params: PresetParams, level: RiskLevel, stepped: boolean): LiftingStep | null =>
  params.zoning.lifting.find((s) => s.from === level && (s.origin === 'any' || s.origin === (stepped ? 'stepped' : 'designated'))) ?? null;

/**
 * The countdown of a level. Days are calendar days in BULWARK_TZ: with the last case (or the step
 * that began the level) on day D and a rule of N days without a new case, the step is due at the
 * start of day D+N. "Past the lifting date" means a whole day past that with the area not stepped
 * (the owner gets the task at the due time and one day to act before HQ is alerted).
 */
export function countdown(
  anchorAt: number,
  days: number,
  now: number,
  tz: string,
): { dueAt: number; dueDay: string; daysLeft: number; due: boolean; overdue: boolean } {
  const dueDay = addDays(calendarDay(anchorAt, tz), days);
  const dueAt = startOfDay(dueDay, tz);
  const daysLeft = Math.max(0, daysBetween(calendarDay(now, tz), dueDay));
  return { dueAt, dueDay, daysLeft, due: now >= dueAt, overdue: now >= dueAt + DAY_MS };
}
