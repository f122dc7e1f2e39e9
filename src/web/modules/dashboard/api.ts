import { http } from '../../app/http.js';
import type { SituationDto } from '../../../common/situation.js';
import type { DashboardSummary } from '../../../server/modules/dashboard/dashboard.schemas.js';
import type { TodayDto } from '../../../server/modules/dashboard/dashboard.schemas.js';

export type { SituationDto };

/** GET /api/dashboard/summary: real counts within the caller's scope, or the node chosen in the top bar. */
export type { DashboardSummary };

export const dashboardApi = {
  situation: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<SituationDto>('/api/dashboard/situation', { jurisdictionId }, signal),
  summary: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<DashboardSummary>('/api/dashboard/summary', { jurisdictionId }, signal),
};

/** GET /api/dashboard/today: the community worker's list for today (issue 16). */
export type { TodayDto };
export const todayApi = {
  today: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<TodayDto>('/api/dashboard/today', { jurisdictionId }, signal),
};
