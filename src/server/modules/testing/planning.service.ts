import type { JurisdictionDto } from '../../../common/geo.js';
import type { TestingInputs } from './testing.inputs.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import type { CampaignService } from './campaigns.service.js';
import * as repo from './testing.repository.js';
import { DEFAULT_CAMPAIGN_HOURS, DEFAULT_LANE_THROUGHPUT, POOL_MODES, POOL_SIZES, advisePoolSize, hoursNeeded, lanesNeeded, round } from './testing.rules.js';
import type { SiteService } from './sites.service.js';
import type { Row } from './testing.types.js';

/**
 * Planning: the capacity planner (persons, sites, lanes and a throughput per lane → hours needed
 * per jurisdiction and who is short of the deadline), recomputed live from the counters once a
 * campaign runs; and the pool-size advisor (Dorfman).
 */
export function createPlanningService(deps: TestingInputs<'db' | 'clock', 'geo'>, campaigns: CampaignService, sites: SiteService) {
  const { geo } = deps.services;

  return {
    async capacity(actor: Actor, q: { jurisdictionId?: string; campaignId?: string; throughput?: number; hours?: number }, db: DbOrTx = deps.db) {
      const throughput = q.throughput ?? DEFAULT_LANE_THROUGHPUT;
      const now = deps.clock.now();
      const c = q.campaignId ? await campaigns.visible(db, actor, q.campaignId) : undefined;
      const root = await sites.area(db, actor, q.jurisdictionId);
      const hoursAvailable = q.hours ?? (c ? Math.max(0, (Number(c.deadline_at) - Math.max(now, Number(c.starts_at))) / HOUR) : DEFAULT_CAMPAIGN_HOURS);
      const empty = { throughput, hoursAvailable: round(hoursAvailable, 2), total: blank(), rows: [], sites: [] };
      if (!root) return empty;
      const children = root.level === 'building' ? [] : await geo.children(actor, root.id, db);
      const nodes: JurisdictionDto[] = [root, ...children];
      // Persons still to sample: the stored targets minus those sampled once a campaign runs.
      const remaining = new Map<string, number>();
      if (c && c.status !== 'planned')
        for (const r of await repo.findCoverageMany(
          db,
          c.id,
          nodes.map((n) => n.path),
        ))
          remaining.set(r.jurisdiction_path, Math.max(0, Number(r.target) - Number(r.sampled)));
      const persons = (n: JurisdictionDto) => remaining.get(n.path) ?? (c && c.status !== 'planned' ? 0 : n.population);
      const active = await repo.activeSites(db, root.path);
      const row = (n: JurisdictionDto): Row => {
        const here = active.filter((s) => s.jurisdiction_path.startsWith(n.path));
        const lanes = here.reduce((a, s) => a + Number(s.lanes), 0);
        const p = persons(n);
        const h = hoursNeeded(p, lanes, throughput);
        const need = lanesNeeded(p, hoursAvailable, throughput);
        return {
          jurisdiction: { id: n.id, name: n.name, path: n.path, level: n.level },
          persons: p,
          sites: here.length,
          lanes,
          hoursNeeded: Number.isFinite(h) ? round(h, 2) : null,
          lanesNeeded: Number.isFinite(need) ? need : 0,
          short: !Number.isFinite(h) || h > hoursAvailable,
          shortLanes: Number.isFinite(need) ? Math.max(0, need - lanes) : 0,
        };
      };
      // Sites with served compounds: the persons of those compounds on the site's own lanes.
      const served = await repo.siteCompounds(
        db,
        active.map((s) => s.id),
      );
      const compoundPaths = [...new Set(served.map((x) => x.compound_path))];
      const compoundPersons = new Map<string, number>();
      if (c && c.status !== 'planned')
        for (const r of await repo.findCoverageMany(db, c.id, compoundPaths))
          compoundPersons.set(r.jurisdiction_path, Math.max(0, Number(r.target) - Number(r.sampled)));
      else for (const n of await geo.getManyByPath(compoundPaths, db)) compoundPersons.set(n.path, n.population);
      const siteRows = active
        .filter((s) => served.some((x) => x.site_id === s.id))
        .map((s) => {
          // A compound served by several sites is shared among them equally.
          const p = served
            .filter((x) => x.site_id === s.id)
            .reduce((a, x) => a + (compoundPersons.get(x.compound_path) ?? 0) / served.filter((y) => y.compound_id === x.compound_id).length, 0);
          const h = hoursNeeded(p, Number(s.lanes), throughput);
          return {
            id: s.id,
            name: s.name,
            lanes: Number(s.lanes),
            persons: Math.round(p),
            hoursNeeded: Number.isFinite(h) ? round(h, 2) : null,
            short: h > hoursAvailable,
          };
        })
        .sort((a, b) => (b.hoursNeeded ?? Infinity) - (a.hoursNeeded ?? Infinity));
      return { throughput, hoursAvailable: round(hoursAvailable, 2), total: row(root), rows: children.map(row), sites: siteRows };
    },

    /**
     * The pool-size advisor: tests and people held at their doors per mode, with the sensitivity lost
     * to dilution; in a risk area the guide's rule decides (one tube per household offered in sealed areas).
     */
    poolSize(q: { prevalence: number; population?: number; area?: 'sealed' | 'controlled' | 'elsewhere' }) {
      return advisePoolSize(q.prevalence, q.population ?? 1_000_000, q.area === 'sealed' ? POOL_MODES : POOL_SIZES, q.area ?? null);
    },
  };

  function blank(): Row {
    return {
      jurisdiction: { id: '', name: '', path: '/', level: 'city' },
      persons: 0,
      sites: 0,
      lanes: 0,
      hoursNeeded: 0,
      lanesNeeded: 0,
      short: false,
      shortLanes: 0,
    };
  }
}
