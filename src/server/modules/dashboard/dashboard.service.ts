import type { Deps } from '../../deps.js';
import type { Capability } from '../../../common/roles.js';
import type { SituationDto } from './dashboard.schemas.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { addDays, calendarDay, startOfDay } from '../../platform/clock.js';
import { AppError, Errors } from '../../platform/errors.js';
import type { DashboardSummary } from './dashboard.schemas.js';
import { createTodayService } from './today.service.js';
import type { DashboardService } from './dashboard.types.js';

const OPEN_TASK_STATUSES = ['new', 'acknowledged', 'in_progress', 'reported'] as const;

/**
 * The home page's counts, all within the caller's jurisdiction, read through each module's service.
 * Every figure comes from counters or indexed counts, never from scanning persons.
 */
export function createDashboardService(deps: Deps): DashboardService {
  const s = deps.services;
  const todayList = createTodayService(deps);

  /** The caller narrowed to a node of their scope (404 outside it, like any out-of-scope record). */
  async function narrowed(caller: Actor, jurisdictionId?: string): Promise<Actor> {
    if (!jurisdictionId) return caller;
    const node = await s.geo.getById(jurisdictionId);
    if (!node || !inScope(caller, node.path)) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
    return { ...caller, scopePath: node.path };
  }

  /** The most recent active campaign the actor can see, with its coverage at the chosen node (or its top). */
  async function activeRound(actor: Actor, jurisdictionId: string | undefined, now: number): Promise<SituationDto['testing']> {
    const { items } = await s.testing.campaigns.list(actor, { status: 'active', limit: 20 });
    for (const c of items) {
      try {
        const cov = await s.testing.coverage.get(actor, c.id, jurisdictionId);
        return {
          campaignId: c.id,
          name: c.name,
          deadline: c.deadlineAt,
          target: cov.target,
          sampled: cov.sampled,
          percent: cov.target > 0 ? Math.round((cov.sampled / cov.target) * 1000) / 10 : 0,
          overdue: c.deadlineAt < now && cov.remaining > 0,
        };
      } catch (err) {
        // The chosen node lies outside this campaign's tree: try the next active campaign.
        if (err instanceof AppError && err.status === 404) continue;
        throw err;
      }
    }
    return null;
  }

  return {
    /**
     * The situation home page (疫情态势): new infections today and yesterday by channel (管控内 /
     * 社会面), close contacts traced and placed, persons under each measure, risk areas published
     * and lifted, the active testing round and overdue work, within the caller's scope or a chosen
     * node of it. Each figure is shown only to a caller who could read the same records through
     * that module's own routes (what a role cannot read there, it does not see here).
     * Every figure is an indexed count or a kept-current counter.
     */
    async situation(caller: Actor, jurisdictionId?: string): Promise<SituationDto> {
      const actor = await narrowed(caller, jurisdictionId);
      const can = (cap: Capability) => caller.capabilities.has(cap);
      const prefix = actor.scopePath === '/' ? null : actor.scopePath;
      const now = deps.clock.now();
      const tz = deps.config.tz;
      const today = calendarDay(now, tz);
      const yesterday = addDays(today, -1);
      const t0 = startOfDay(today, tz);
      const y0 = startOfDay(yesterday, tz);
      const [infections, contacts, measures, areas, testing, tasks, releases] = await Promise.all([
        can('case.read')
          ? Promise.all([s.cases.situation.newInfections(prefix, t0, now + 1), s.cases.situation.newInfections(prefix, y0, t0)]).then(([a, b]) => ({
              today: a,
              yesterday: b,
            }))
          : null,
        can('case.read')
          ? Promise.all([s.cases.situation.contacts(prefix, t0, now + 1), s.cases.situation.contacts(prefix, y0, t0)]).then(([a, b]) => ({
              identifiedToday: a.identified,
              identifiedYesterday: b.identified,
              placedOfRecent: a.placed + b.placed,
              awaitingPlacement: a.awaitingPlacement,
            }))
          : null,
        can('control.read')
          ? s.control.summary(actor, actor.scopePath).then((m) => ({
              pendingRecheck: m.counts.pending_recheck,
              quarantinedCentral: m.counts.quarantined_central,
              quarantinedHome: m.counts.quarantined_home,
              homeMonitored: m.counts.home_monitored,
              awaitingPlacement: m.counts.awaiting_placement,
              sealed: m.counts.sealed,
              controlled: m.counts.controlled,
              underPersonMeasure: m.underMeasure,
              underAreaMeasure: m.underAreaMeasure,
            }))
          : null,
        can('area.read')
          ? Promise.all([
              s.zoning.situation.eventCounts(prefix, t0, now + 1),
              s.zoning.situation.eventCounts(prefix, y0, t0),
              s.zoning.situation.current(prefix),
            ]).then(([a, b, current]) => ({
              publishedToday: a.published,
              liftedToday: a.lifted,
              publishedYesterday: b.published,
              liftedYesterday: b.lifted,
              current,
            }))
          : null,
        can('testing.read') ? activeRound(actor, jurisdictionId, now) : null,
        can('task.work') ? s.tasks.list(actor, { box: 'all', status: [...OPEN_TASK_STATUSES], overdue: true, pageSize: 1 }).then((r) => r.total) : null,
        can('quarantine.read') ? s.quarantine.overdueReleases(prefix) : null,
      ]);
      return {
        jurisdictionId: jurisdictionId ?? null,
        jurisdictionPath: actor.scopePath,
        asOf: now,
        today,
        yesterday,
        infections,
        contacts,
        measures,
        areas,
        testing,
        overdue: { tasks, releases },
      } satisfies SituationDto;
    },

    /**
     * Counts within the caller's scope, or within a chosen node of it (the top bar's jurisdiction
     * picker). A node outside the caller's scope is a 404, like any out-of-scope record.
     */
    async summary(caller: Actor, jurisdictionId?: string): Promise<DashboardSummary> {
      const actor = await narrowed(caller, jurisdictionId);
      const [jurisdictions, residents, users, tasks, journalEntries, feed, districts] = await Promise.all([
        s.geo.count(actor),
        s.population.count(actor),
        s.auth.users.list(actor, { limit: 1 }).then((r) => r.total),
        s.tasks.list(actor, { box: 'all', status: [...OPEN_TASK_STATUSES], pageSize: 1 }).then((r) => r.total),
        s.journal.countInScope(actor.scopePath),
        s.tasks.notifications.list(actor, { alertsOnly: true, pageSize: 1 }),
        s.geo.list(actor, { level: 'district', limit: 100 }),
      ]);
      return {
        jurisdictions,
        residents,
        users,
        openTasks: tasks,
        journalEntries,
        unacknowledgedAlerts: feed.unacknowledgedAlerts,
        districts: districts.map((d) => ({ id: d.id, code: d.code, name: d.name, population: d.population })),
      } satisfies DashboardSummary;
    },

    /** The community worker's list for today (today.service.ts), in the caller's scope or a node of it. */
    today: todayList.today,
  };
}
