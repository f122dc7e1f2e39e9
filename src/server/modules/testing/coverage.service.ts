import type { JurisdictionLevel } from '../../../common/geo.js';
import { JURISDICTION_LEVELS } from '../../../common/geo.js';
import { AREA_MEASURE_STATUSES } from '../../../common/control.js';
import type { TestingInputs } from './testing.inputs.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import type { JobContext } from '../../platform/jobs/jobs.types.js';
import { canReadJurisdiction } from '../geo/index.js';
import type { CampaignService } from './campaigns.service.js';
import { createHomeSamplingService } from './home-sampling.service.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { COUNTERS, type CounterDelta } from './testing.repository.js';
import { HOUSEHOLD_POOL_PERSONS, POOL_HOUSEHOLD, isValidResult, maskName, pathPrefixes, tubesFor, type PoolMode } from './testing.rules.js';
import type { CoverageDto, CoverageNodeDto } from './testing.schemas.js';
import { COVERAGE_MAX_DEPTH, unitFinder } from './testing.shared.js';
import { firstItem } from '../../platform/items.js';

/** Job kind that sends the live coverage event of a campaign (scheduled at most once per second). */
export const COVERAGE_PUBLISH_JOB = 'testing.coverage-publish';
/** Compounds per live event at most; more means "reload". */
const LIVE_MAX = 2000;
/** Re-send rows changed this long before the last mark (values are absolute, so repeats are harmless). */
const LIVE_OVERLAP_MS = 2000;
const RECENT_MINUTES = 15;

const nextLevel = (level: string): JurisdictionLevel | undefined => JURISDICTION_LEVELS[JURISDICTION_LEVELS.indexOf(level as JurisdictionLevel) + 1];

function nodeDto(r: repo.CoverageRow): CoverageNodeDto {
  const target = Number(r.target);
  const sampled = Number(r.sampled);
  return {
    jurisdiction: { id: r.jurisdiction_id, path: r.jurisdiction_path, name: r.name, level: r.level },
    poolSize: Number(r.pool_size) as PoolMode,
    target,
    exempt: Number(r.exempt),
    sampled,
    resulted: Number(r.resulted),
    negative: Number(r.negative),
    invalid: Number(r.invalid),
    positiveTubes: Number(r.positive_tubes),
    pendingRecheck: Number(r.pending_recheck),
    recheckPositive: Number(r.recheck_positive),
    coverage: target > 0 ? Math.round((sampled / target) * 10_000) / 10_000 : sampled > 0 ? 1 : 0,
    remaining: Math.max(0, target - sampled),
    doorToDoor: { target: Number(r.door_target), sampled: Number(r.door_sampled), remaining: Math.max(0, Number(r.door_target) - Number(r.door_sampled)) },
    updatedAt: Number(r.updated_at),
  };
}

/**
 * Coverage, live: counters per campaign and node (kept current by scans and results), the finish
 * estimate, the compound map, throttled live events, the recount that checks the counters, the
 * door-knocking list and home-sampling tasks, and tube/swab needs.
 */
export function createCoverageService(
  deps: TestingInputs<'db' | 'clock', 'geo' | 'population' | 'control' | 'tasks' | 'journal' | 'outbox' | 'auth'>,
  campaigns: CampaignService,
) {
  const { geo, population, control, tasks, journal, outbox } = deps.services;
  const home = createHomeSamplingService({
    db: deps.db,
    clock: deps.clock,
    population,
    control,
    geo,
    tasks,
    journal,
    campaigns,
    units: (db) => unitFinder(deps, db),
  });

  async function activeOrClosed(db: DbOrTx, actor: Actor, id: string): Promise<repo.CampaignRow> {
    const c = await campaigns.visible(db, actor, id);
    if (c.status === 'planned') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id, status: c.status }, 'The campaign is not activated yet: no coverage');
    return c;
  }

  /** The node to show by default: the actor's own scope when inside the campaign, else the campaign's top. */
  async function defaultNode(db: DbOrTx, actor: Actor, c: repo.CampaignRow): Promise<repo.CoverageRow> {
    const candidates = [actor.scopePath !== '/' && actor.scopePath.startsWith(c.scope_path) ? actor.scopePath : null, c.scope_path].filter(
      (x): x is string => !!x && x !== '/',
    );
    for (const p of candidates) {
      const r = await repo.findCoverage(db, c.id, p);
      if (r) return r;
    }
    const roots = await repo.coverageRoots(db, c.id);
    if (!roots.length) throw TestingErrors.JURISDICTION_NOT_FOUND({ campaignId: c.id });
    return firstItem(roots, 'a coverage root');
  }

  async function nodeOf(db: DbOrTx, actor: Actor, c: repo.CampaignRow, jurisdictionId?: string): Promise<repo.CoverageRow> {
    if (!jurisdictionId) return defaultNode(db, actor, c);
    const j = await geo.getById(jurisdictionId, db);
    const r = j && canReadJurisdiction(actor, j.path) ? await repo.findCoverage(db, c.id, j.path) : undefined;
    if (!r) throw TestingErrors.JURISDICTION_NOT_FOUND({ jurisdictionId, campaignId: c.id });
    return r;
  }

  /** The full recount from scans, tubes and rechecks (slow; for tests and repair). */
  async function recount(campaignId: string, db: DbOrTx = deps.db): Promise<Map<string, Record<(typeof COUNTERS)[number], number>>> {
    const out = new Map<string, Record<(typeof COUNTERS)[number], number>>();
    const add = (path: string, k: (typeof COUNTERS)[number], n: number, once?: Set<string>) => {
      for (const p of pathPrefixes(path).slice(0, COVERAGE_MAX_DEPTH)) {
        if (once) {
          if (once.has(p)) continue;
          once.add(p);
        }
        let r = out.get(p);
        if (!r) out.set(p, (r = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<(typeof COUNTERS)[number], number>));
        r[k] += n;
      }
    };
    for (const s of await repo.recountScans(db, campaignId)) {
      add(s.path, 'sampled', s.n);
      if (isValidResult(s.result)) add(s.path, 'resulted', s.n);
      if (s.result === 'negative') add(s.path, 'negative', s.n);
      if (s.result === 'invalid') add(s.path, 'invalid', s.n);
    }
    const byTube = new Map<string, string[]>();
    for (const x of await repo.reactivePoolScanPaths(db, campaignId)) {
      const list = byTube.get(x.tube_id);
      if (list) list.push(x.path);
      else byTube.set(x.tube_id, [x.path]);
    }
    for (const paths of byTube.values()) {
      const once = new Set<string>();
      for (const p of paths) add(p, 'positive_tubes', 1, once);
    }
    for (const r of await repo.recountRechecks(db, campaignId)) {
      if (r.status === 'awaiting_sample' || r.status === 'sampled') add(r.path, 'pending_recheck', r.n);
      if (r.status === 'positive') add(r.path, 'recheck_positive', r.n);
    }
    return out;
  }

  return {
    /**
     * Coverage of a campaign at a node (default: the caller's scope or the campaign's top) with its
     * children, the rate since the start and the estimated finish.
     */
    async get(actor: Actor, campaignId: string, jurisdictionId?: string, db: DbOrTx = deps.db): Promise<CoverageDto> {
      const c = await activeOrClosed(db, actor, campaignId);
      const node = await nodeOf(db, actor, c, jurisdictionId);
      const level = nextLevel(node.level);
      const children =
        level && node.level !== 'building'
          ? (await repo.coverageAtLevel(db, c.id, node.jurisdiction_path, level, 5000)).filter((r) => canReadJurisdiction(actor, r.jurisdiction_path))
          : [];
      const now = deps.clock.now();
      const dto = nodeDto(node);
      const start = Math.max(Number(c.starts_at), Number(c.activated_at ?? c.starts_at));
      const hours = Math.max((now - start) / HOUR, 1 / 60);
      const ratePerHour = now > start ? dto.sampled / hours : 0;
      const recent = await repo.sampledSince(db, c.id, Math.floor(now / 60_000) - RECENT_MINUTES + 1);
      const recentRatePerHour = now - start >= RECENT_MINUTES * 60_000 ? (recent * 60) / RECENT_MINUTES : null;
      // The campaign's current (recent) rate, scaled to this node's share of what was sampled.
      const totals = (await repo.coverageRoots(db, c.id)).reduce((a, r) => a + Number(r.sampled), 0);
      const nodeRate = recentRatePerHour !== null && totals > 0 ? (recentRatePerHour * dto.sampled) / totals : ratePerHour;
      const rate = nodeRate > 0 ? nodeRate : ratePerHour;
      const estimatedFinishAt = dto.remaining === 0 ? now : rate > 0 && c.status === 'active' ? Math.round(now + (dto.remaining / rate) * HOUR) : null;
      return {
        campaignId: c.id,
        ...dto,
        ratePerHour: Math.round(ratePerHour * 10) / 10,
        recentRatePerHour: recentRatePerHour === null ? null : Math.round(recentRatePerHour * 10) / 10,
        estimatedFinishAt,
        onTrack: estimatedFinishAt === null ? null : estimatedFinishAt <= Number(c.deadline_at),
        deadlineAt: Number(c.deadline_at),
        asOf: now,
        children: children.map(nodeDto),
      };
    },

    /** A GeoJSON FeatureCollection of one level (default compounds) coloured by coverage. */
    async geojson(
      actor: Actor,
      campaignId: string,
      f: { rootId?: string; level?: 'district' | 'street' | 'community' | 'compound' | 'building' },
      db: DbOrTx = deps.db,
    ) {
      const c = await activeOrClosed(db, actor, campaignId);
      const root = await nodeOf(db, actor, c, f.rootId);
      const level = f.level ?? 'compound';
      const fc = await geo.geojson(actor, { rootId: root.jurisdiction_id, level }, db);
      const rows = new Map((await repo.coverageAtLevel(db, c.id, root.jurisdiction_path, level, 50_000)).map((r) => [r.jurisdiction_id, nodeDto(r)]));
      const features = fc.features
        .filter((ft) => rows.has(ft.properties.id))
        .map((ft) => {
          const n = rows.get(ft.properties.id)!;
          return {
            type: 'Feature' as const,
            geometry: ft.geometry,
            properties: {
              id: ft.properties.id,
              code: ft.properties.code,
              name: ft.properties.name,
              level: ft.properties.level,
              target: n.target,
              sampled: n.sampled,
              resulted: n.resulted,
              positiveTubes: n.positiveTubes,
              pendingRecheck: n.pendingRecheck,
              coverage: n.coverage,
            },
          };
        });
      return { type: 'FeatureCollection' as const, features, truncated: fc.truncated, total: fc.truncated ? fc.total : features.length };
    },

    recount,

    /** Every coverage row of a campaign as counters by path (what `recount` is compared with). */
    async counters(campaignId: string, db: DbOrTx = deps.db): Promise<Map<string, CounterDelta>> {
      return new Map(
        (await repo.allCoverage(db, campaignId)).map((r) => [r.jurisdiction_path, Object.fromEntries(COUNTERS.map((k) => [k, Number(r[k])])) as CounterDelta]),
      );
    },

    /**
     * The live-update job: one `testing.coverage` event with the compounds changed since the last
     * one and the campaign totals, addressed to the campaign's jurisdiction. Scans schedule it at
     * most once per campaign per second.
     */
    async publish(tx: Tx, payload: { campaignId: string }, ctx: Pick<JobContext, 'now'>): Promise<boolean> {
      const c = await repo.findCampaign(tx, payload.campaignId);
      if (!c) return false;
      const since = Number(c.coverage_published_at);
      const rows = await repo.coverageChangedSince(tx, c.id, 'compound', since - LIVE_OVERLAP_MS, LIVE_MAX + 1);
      const roots = await repo.coverageRoots(tx, c.id);
      if (!rows.length && !roots.some((r) => Number(r.updated_at) > since)) return false;
      const totals = roots.map(nodeDto).reduce(
        (a, n) => ({
          target: a.target + n.target,
          sampled: a.sampled + n.sampled,
          resulted: a.resulted + n.resulted,
          positiveTubes: a.positiveTubes + n.positiveTubes,
          pendingRecheck: a.pendingRecheck + n.pendingRecheck,
        }),
        { target: 0, sampled: 0, resulted: 0, positiveTubes: 0, pendingRecheck: 0 },
      );
      await outbox.publish(tx, {
        topic: 'testing.coverage',
        capability: 'testing.read',
        jurisdictionPath: c.scope_path,
        payload: {
          campaignId: c.id,
          at: ctx.now,
          totals,
          compounds: rows.slice(0, LIVE_MAX).map((r) => {
            const n = nodeDto(r);
            return {
              id: n.jurisdiction.id,
              path: n.jurisdiction.path,
              target: n.target,
              sampled: n.sampled,
              resulted: n.resulted,
              positiveTubes: n.positiveTubes,
              pendingRecheck: n.pendingRecheck,
              coverage: n.coverage,
            };
          }),
          truncated: rows.length > LIVE_MAX,
        },
      });
      return repo.markCoveragePublished(tx, c.id, since, Math.max(ctx.now, since + 1));
    },

    /**
     * Door-knocking (敲门行动): the persons of a building not yet sampled in the campaign, with
     * whether they are exempt. Full names only for callers who may read persons.
     */
    async unsampled(actor: Actor, campaignId: string, buildingId: string, db: DbOrTx = deps.db) {
      const c = await activeOrClosed(db, actor, campaignId);
      // Both ids are scope checks: a campaign that covers nothing of the actor's scope looks missing (not
      // merely "building not found"), so its id cannot be probed through a building the actor does hold.
      const covered = (JSON.parse(c.scope_paths) as string[]).some((p) => inScope(actor, p) || actor.scopePath.startsWith(p));
      if (!covered) throw TestingErrors.CAMPAIGN_NOT_FOUND({ id: campaignId });
      const b = await geo.getById(buildingId, db);
      if (!b || b.level !== 'building' || !inScope(actor, b.path) || !JSON.parse(c.scope_paths).some((p: string) => b.path.startsWith(p)))
        throw TestingErrors.JURISDICTION_NOT_FOUND({ jurisdictionId: buildingId });
      const persons = [];
      for (let page = 1; ; page++) {
        const { items, total } = await population.list(actor, { jurisdictionId: b.id, page, pageSize: 200 }, db);
        persons.push(...items);
        if (persons.length >= total || !items.length) break;
      }
      const ids = persons.map((p) => p.id);
      const sampled = await repo.sampledAmong(db, c.id, ids);
      const exemptStatuses = JSON.parse(c.exempt_statuses) as string[];
      const statuses = await control.statusesOf(ids, db);
      const manual = await repo.exemptAmong(db, c.id, ids);
      const fullNames = actor.capabilities.has('person.read');
      return {
        building: { id: b.id, name: b.name, path: b.path },
        target: persons.length,
        sampled: sampled.size,
        items: persons
          .filter((p) => !sampled.has(p.id))
          .map((p) => ({
            personId: p.id,
            name: fullNames ? p.name : maskName(p.name),
            idNumberMasked: p.idNumberMasked,
            address: p.address?.text ?? null,
            // Residents of a sealed or controlled area are never exempt (an exemption made before the seal lapses).
            exempt:
              !(AREA_MEASURE_STATUSES as readonly string[]).includes(statuses.get(p.id)?.status ?? 'none') &&
              (manual.has(p.id) || exemptStatuses.includes(statuses.get(p.id)?.status ?? 'none')),
            vulnerable: p.vulnerable,
          })),
      };
    },

    /** Home sampling (上门采样) tasks: see home-sampling.service.ts. */
    homeSampling: home.homeSampling,

    /**
     * Tubes and swabs a campaign needs: per pool size, its persons ÷ pool size × (1 + margin);
     * swabs one per person; recheck tubes expected at a prevalence. Before activation the
     * persons come from the population counters, afterwards from the stored targets.
     */
    async supplies(actor: Actor, campaignId: string, q: { margin?: number; prevalence?: number }, db: DbOrTx = deps.db) {
      const c = await campaigns.visible(db, actor, campaignId);
      const margin = q.margin ?? 0.1;
      const p = q.prevalence ?? 0.0001;
      const roots = JSON.parse(c.scope_paths) as string[];
      const overrides = (JSON.parse(c.pool_overrides) as { path: string; poolSize: number }[]).sort((a, b) => b.path.length - a.path.length);
      const paths = [...roots, ...overrides.map((o) => o.path)];
      const persons = new Map<string, number>();
      if (c.status === 'planned') for (const n of await geo.getManyByPath(paths, db)) persons.set(n.path, n.population);
      else for (const r of await repo.findCoverageMany(db, c.id, paths)) persons.set(r.jurisdiction_path, Number(r.target));
      // Each override owns its subtree minus the overrides nested in it; the default pool the rest.
      const top = (within: string | null) =>
        overrides.filter(
          (o) =>
            (within ? o.path !== within && o.path.startsWith(within) : true) &&
            !overrides.some((x) => x.path !== o.path && (within ? x.path !== within && x.path.startsWith(within) : true) && o.path.startsWith(x.path)),
        );
      const byPool = new Map<number, number>();
      const bump = (k: number, n: number) => byPool.set(k, (byPool.get(k) ?? 0) + Math.max(0, n));
      const total = roots.reduce((a, r) => a + (persons.get(r) ?? 0), 0);
      bump(Number(c.pool_size), total - top(null).reduce((a, o) => a + (persons.get(o.path) ?? 0), 0));
      for (const o of overrides) bump(o.poolSize, (persons.get(o.path) ?? 0) - top(o.path).reduce((a, x) => a + (persons.get(x.path) ?? 0), 0));
      // One tube per household (mode 0): about HOUSEHOLD_POOL_PERSONS persons a tube (a local parameter).
      const personsPerTube = (k: number) => (k === POOL_HOUSEHOLD ? HOUSEHOLD_POOL_PERSONS : k);
      const byPoolSize = [...byPool.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([k, n]) => ({ poolSize: k as PoolMode, persons: n, tubes: tubesFor(n, personsPerTube(k), margin) }));
      return {
        campaignId: c.id,
        target: total,
        margin,
        byPoolSize,
        tubes: byPoolSize.reduce((a, x) => a + x.tubes, 0),
        swabs: Math.ceil(total * (1 + margin)),
        expectedRecheckTubes: Math.ceil(
          byPoolSize.reduce((a, x) => a + (personsPerTube(x.poolSize) > 1 ? x.persons * (1 - (1 - p) ** personsPerTube(x.poolSize)) : 0), 0) * (1 + margin),
        ),
      };
    },
  };
}
