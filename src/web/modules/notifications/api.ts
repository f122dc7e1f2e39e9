import { http } from '../../app/http.js';
import type { AckGroupDto, NotificationDto, NotificationFeedDto, NotificationListQuery, RaiseAlertBody } from '../../../server/platform/tasks/tasks.schemas.js';

// The shapes are the server's schemas (type-only imports: no server code reaches the bundle).
export { SEVERITIES, type Severity } from '../../../common/tasks.js';
/** A notification in my feed; an alert has a severity and must be acknowledged. */
export type NotificationItem = NotificationDto;
export type NotificationFeed = NotificationFeedDto;
export type FeedQuery = NotificationListQuery;
export type RaiseAlertInput = RaiseAlertBody;

export const notificationsApi = {
  feed: (q: FeedQuery = {}, signal?: AbortSignal) => http.get<NotificationFeed>('/api/notifications', { ...q }, signal),
  markRead: (id: string) => http.post<NotificationItem>(`/api/notifications/${encodeURIComponent(id)}/read`),
  acknowledge: (id: string, note?: string) => http.post<NotificationItem>(`/api/notifications/${encodeURIComponent(id)}/ack`, note ? { note } : {}),
  /** Acknowledges the alerts about the same event that I may act on; the others stay open and are counted. */
  acknowledgeGroup: (id: string, note?: string) => http.post<AckGroupDto>(`/api/notifications/${encodeURIComponent(id)}/ack-group`, note ? { note } : {}),
  raiseAlert: (input: RaiseAlertInput) => http.post<NotificationItem>('/api/alerts', input),
};
