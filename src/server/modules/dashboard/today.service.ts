import type { Deps } from '../../deps.js';
import { addDays, calendarDay } from '../../platform/clock.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { AppError, Errors } from '../../platform/errors.js';
import type { TodayDto } from './dashboard.schemas.js';

const OPEN_TASK_STATUSES = ['new', 'acknowledged', 'in_progress', 'reported'] as const;
/** Pages read at most per list (200 rows each): a community's open work fits many times over. */
const MAX_PAGES = 10;
const PAGE = 200;

type StayDto = Awaited<ReturnType<Deps['services']['quarantine']['listStays']>>['items'][number];

/**
 * The community worker's list for today (issue 16, "Each role lands on its work"): door-knocking in the
 * active round, home sampling to do, people due for tests (single-tube rechecks awaiting their sample,
 * home-quarantine test days today), and stays ending, in
 * the caller's compounds or a chosen node of them. Read-only, through each module's service; a section
 * only for a caller who may read the module behind it.
 */
export function createTodayService(deps: Deps) {
  const s = deps.services;

  /** Door-knocking: the first active round covering the node, with its counts one level down. */
  async function doorknock(actor: Actor, jurisdictionId: string | undefined): Promise<TodayDto['doorknock']> {
    const { items } = await s.testing.campaigns.list(actor, { status: 'active', limit: 20 });
    for (const c of items) {
      try {
        const cov = await s.testing.coverage.get(actor, c.id, jurisdictionId);
        return {
          campaignId: c.id,
          campaignName: c.name,
          deadlineAt: c.deadlineAt,
          target: cov.target,
          sampled: cov.sampled,
          remaining: cov.remaining,
          places: cov.children
            .map((n) => ({
              id: n.jurisdiction.id,
              name: n.jurisdiction.name,
              level: n.jurisdiction.level,
              target: n.target,
              sampled: n.sampled,
              remaining: n.remaining,
            }))
            .sort((a, b) => b.remaining - a.remaining || a.name.localeCompare(b.name, 'zh-CN')),
        };
      } catch (err) {
        // The node lies outside this campaign's tree: try the next active campaign.
        if (err instanceof AppError && err.status === 404) continue;
        throw err;
      }
    }
    return null;
  }

  /** Open home-sampling tasks in scope (the testing module's, about a person or a household). */
  async function homeSampling(actor: Actor): Promise<TodayDto['homeSampling']> {
    const out: NonNullable<TodayDto['homeSampling']> = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { items } = await s.tasks.list(actor, { box: 'all', status: [...OPEN_TASK_STATUSES], page, pageSize: PAGE });
      for (const t of items)
        if (t.sourceModule === 'testing' && (t.sourceEntityType === 'person' || t.sourceEntityType === 'household'))
          out.push({ id: t.id, title: t.title, titleKey: t.titleKey, titleParams: t.titleParams, status: t.status, dueAt: t.dueAt, overdue: t.overdue });
      if (items.length < PAGE) break;
    }
    return out.sort((a, b) => (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity) || a.id.localeCompare(b.id));
  }

  /** Rechecks in scope still awaiting their single-tube sample (the person is tested at home or at a site). */
  async function rechecksAwaiting(actor: Actor) {
    const out: Awaited<ReturnType<typeof s.testing.rechecks.list>>['items'] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const { items } = await s.testing.rechecks.list(actor, { status: 'awaiting_sample', limit: PAGE, offset: page * PAGE });
      out.push(...items);
      if (items.length < PAGE) break;
    }
    return out.sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
  }

  /** Active stays in scope, all pages. */
  async function activeStays(actor: Actor): Promise<StayDto[]> {
    const out: StayDto[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { items } = await s.quarantine.listStays(actor, { status: 'active', page, pageSize: PAGE });
      out.push(...items);
      if (items.length < PAGE) break;
    }
    return out;
  }

  return {
    async today(caller: Actor, jurisdictionId?: string): Promise<TodayDto> {
      // The caller narrowed to a node of their scope: 404 outside it, like any out-of-scope record.
      let actor = caller;
      let node: { id: string | null; name: string } = { id: null, name: '' };
      if (jurisdictionId) {
        const n = await s.geo.getById(jurisdictionId);
        if (!n || !inScope(caller, n.path)) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
        actor = { ...caller, scopePath: n.path };
        node = { id: n.id, name: n.name };
      } else if (caller.scopePath !== '/') {
        const n = (await s.geo.getManyByPath([caller.scopePath]))[0];
        node = { id: n?.id ?? null, name: n?.name ?? '' };
      }
      const now = deps.clock.now();
      const day = calendarDay(now, deps.config.tz);
      const tomorrow = addDays(day, 1);
      const can = (c: Parameters<Actor['capabilities']['has']>[0]) => actor.capabilities.has(c);
      const stays = can('quarantine.read') ? await activeStays(actor) : null;
      const rechecks = can('testing.read') ? await rechecksAwaiting(actor) : null;
      // A home's place is written in full from the community down (社区 · 小区 · 栋 · 单元), never a bare 1单元.
      const prefixes = (path: string) => {
        const parts = path.split('/').filter(Boolean);
        return parts.slice(3).map((_, i) => `/${parts.slice(0, 4 + i).join('/')}/`);
      };
      const names = await s.geo.namesByPath([
        ...(stays ?? []).filter((x) => x.mode === 'home').flatMap((x) => prefixes(x.jurisdictionPath)),
        ...(rechecks ?? []).flatMap((x) => prefixes(x.jurisdictionPath)),
      ]);
      const placeOf = (path: string) =>
        prefixes(path)
          .map((p) => names.get(p))
          .filter(Boolean)
          .join(' · ') || null;
      const row = (x: StayDto, testDay: number | null) => ({
        stayId: x.id,
        nameMasked: x.personNameMasked ?? null,
        mode: x.mode,
        place: x.mode === 'central' ? [x.facilityName, x.roomNumber].filter(Boolean).join(' · ') || null : placeOf(x.jurisdictionPath),
        endDay: x.endDay,
        day: x.dayCounter.day,
        totalDays: x.dayCounter.total,
        testDay,
        overdue: x.overdue,
      });
      const testsDue = stays
        ? stays
            .filter((x) => x.mode === 'home')
            .flatMap((x) => x.tests.filter((t) => t.date === day && t.result === null && !t.notApplicable).map((t) => row(x, t.day)))
            .sort((a, b) => a.stayId.localeCompare(b.stayId))
        : null;
      const staysEnding = stays
        ? stays
            .filter((x) => x.endDay <= tomorrow)
            .sort((a, b) => a.endDay.localeCompare(b.endDay) || a.id.localeCompare(b.id))
            .map((x) => row(x, null))
        : null;
      return {
        asOf: now,
        today: day,
        jurisdiction: node,
        doorknock: can('testing.read') ? await doorknock(actor, jurisdictionId) : null,
        homeSampling: can('task.work') ? await homeSampling(actor) : null,
        rechecksDue: rechecks
          ? rechecks.map((x) => ({
              recheckId: x.id,
              taskId: x.taskId,
              nameMasked: x.nameMasked,
              place: placeOf(x.jurisdictionPath),
              dueAt: x.dueAt,
              overdue: x.overdue,
            }))
          : null,
        testsDue,
        staysEnding,
      };
    },
  };
}
