/** Pool sizes of a campaign: its mode, the planners' overrides and the risk areas' (THE RISK-AREA POOL RULE). */
import type * as repo from './testing.repository.js';

/** The pool size that applies at a path: the deepest override containing it, else the campaign's. */
export function poolSizeAt(c: Pick<repo.CampaignRow, 'pool_size' | 'pool_overrides'>, path: string): number {
  return poolSizer(c)(path);
}

/** A pool-mode override: typed by a planner (`manual`), or set from a published risk area (`area`). */
export interface PoolOverride {
  jurisdictionId: string;
  path: string;
  poolSize: number;
  source?: 'manual' | 'area';
  level?: 'high' | 'medium';
}

/**
 * `poolSizeAt` for many paths of one campaign (its overrides parsed once). Inside a risk area the
 * area decides (a high area's over a medium one's); elsewhere the deepest manual override, else
 * the campaign's mode.
 */
export function poolSizer(c: Pick<repo.CampaignRow, 'pool_size' | 'pool_overrides'>): (path: string) => number {
  const overrides = JSON.parse(c.pool_overrides) as PoolOverride[];
  const areas = overrides.filter((o) => o.source === 'area');
  const manual = overrides.filter((o) => o.source !== 'area');
  const fallback = Number(c.pool_size);
  return (path) => {
    let area: PoolOverride | undefined;
    for (const o of areas) if (path.startsWith(o.path) && (!area || (o.level === 'high' && area.level !== 'high'))) area = o;
    if (area) return area.poolSize;
    let best: PoolOverride | undefined;
    for (const o of manual) if (path.startsWith(o.path) && (!best || o.path.length > best.path.length)) best = o;
    return best?.poolSize ?? fallback;
  };
}
