import type { Deps } from '../../deps.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';

export interface DashboardSummary {
  jurisdictions: number;
  residents: number;
  users: number;
  openTasks: number;
  journalEntries: number;
  unacknowledgedAlerts: number;
  districts: { id: string; code: string; name: string; population: number }[];
}

const OPEN_TASK_STATUSES = ['new', 'acknowledged', 'in_progress', 'reported'] as const;

/**
 * The home page's counts, all within the caller's jurisdiction, read through each module's service.
 * Every figure comes from counters or indexed counts, never from scanning persons.
 */
export function createDashboardService(deps: Deps) {
  const s = deps.services;
  return {
    /**
     * Counts within the caller's scope, or within a chosen node of it (the top bar's jurisdiction
     * picker). A node outside the caller's scope is a 404, like any out-of-scope record.
     */
    async summary(caller: Actor, jurisdictionId?: string): Promise<DashboardSummary> {
      let actor = caller;
      if (jurisdictionId) {
        const node = await s.geo.getById(jurisdictionId);
        if (!node || !inScope(caller, node.path)) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
        actor = { ...caller, scopePath: node.path };
      }
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
      };
    },
  };
}
