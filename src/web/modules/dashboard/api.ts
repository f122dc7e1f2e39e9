import { http } from '../../app/http.js';

/** GET /api/dashboard/summary: real counts within the caller's scope, or the node chosen in the top bar. */
export interface DashboardSummary {
  jurisdictions: number;
  residents: number;
  users: number;
  openTasks: number;
  journalEntries: number;
  unacknowledgedAlerts: number;
  districts: { id: string; code: string; name: string; population: number }[];
}

export const dashboardApi = {
  summary: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<DashboardSummary>('/api/dashboard/summary', { jurisdictionId }, signal),
};
