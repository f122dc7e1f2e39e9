import { useLive, useLiveEvent } from '../../app/live.js';
import { useRemote } from '../../app/use-remote.js';
import { notificationsApi, type FeedQuery } from './api.js';

/** My feed, reloaded as notifications and alerts arrive or get acknowledged. */
export function useFeed(q: FeedQuery) {
  const { refreshBadge } = useLive();
  const r = useRemote((signal) => notificationsApi.feed(q, signal), [q.unread, q.alertsOnly, q.page, q.pageSize]);
  useLiveEvent(['notification.created', 'alert.raised', 'alert.acknowledged'], () => {
    r.reload();
    refreshBadge();
  });
  return r;
}
