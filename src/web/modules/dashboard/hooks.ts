import { useLiveEvent } from '../../app/live.js';
import { useRemote } from '../../app/use-remote.js';
import { dashboardApi } from './api.js';

/** The summary counts for a jurisdiction, refreshed when tasks or alerts change. */
export function useDashboardSummary(jurisdictionId: string | undefined) {
  const r = useRemote((signal) => dashboardApi.summary(jurisdictionId, signal), [jurisdictionId]);
  useLiveEvent(['task.changed', 'alert.raised', 'alert.acknowledged'], () => r.reload());
  return r;
}

/** The situation figures for a jurisdiction, refreshed when the records behind them change. */
export function useSituation(jurisdictionId: string | undefined) {
  const r = useRemote((signal) => dashboardApi.situation(jurisdictionId, signal), [jurisdictionId]);
  useLiveEvent(['task.changed', 'alert.raised', 'testing.coverage', 'testing.campaign.changed', 'quarantine.occupancy', 'system.clock.changed'], () =>
    r.reload(),
  );
  return r;
}
