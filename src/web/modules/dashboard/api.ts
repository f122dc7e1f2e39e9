import { http } from '../../app/http.js';

/** GET /api/dashboard/summary: real counts within the caller's scope. */
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
  summary: (signal?: AbortSignal) => http.get<DashboardSummary>('/api/dashboard/summary', undefined, signal),
};
