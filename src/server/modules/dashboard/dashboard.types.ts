/**
 * The declared type of the container's `DashboardService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { SituationDto } from './dashboard.schemas.js';
import type { Actor } from '../../platform/actor.js';
import type { DashboardSummary } from './dashboard.schemas.js';

/** The DashboardService facade as the container holds it (what `createDashboardService` returns). */
export interface DashboardService {
  /**
   * The situation home page (疫情态势): new infections today and yesterday by channel (管控内 /
   * 社会面), close contacts traced and placed, persons under each measure, risk areas published
   * and lifted, the active testing round and overdue work, within the caller's scope or a chosen
   * node of it. Each figure is shown only to a caller who could read the same records through
   * that module's own routes (what a role cannot read there, it does not see here).
   * Every figure is an indexed count or a kept-current counter.
   */
  situation(caller: Actor, jurisdictionId?: string): Promise<SituationDto>;
  /**
   * Counts within the caller's scope, or within a chosen node of it (the top bar's jurisdiction
   * picker). A node outside the caller's scope is a 404, like any out-of-scope record.
   */
  summary(caller: Actor, jurisdictionId?: string): Promise<DashboardSummary>;
  /** The community worker's list for today (today.service.ts), in the caller's scope or a node of it. */
  today: (caller: Actor, jurisdictionId?: string) => Promise<import('./dashboard.schemas.js').TodayDto>;
}
