import { useLiveEvent } from '../../app/live.js';
import { useRemote } from '../../app/use-remote.js';
import { dashboardApi } from './api.js';

/** The summary counts, refreshed when tasks or alerts change. */
export function useDashboardSummary() {
  const r = useRemote((signal) => dashboardApi.summary(signal), []);
  useLiveEvent(['task.changed', 'alert.raised', 'alert.acknowledged'], () => r.reload());
  return r;
}
