import { http } from '../../app/http.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A notification in my feed; an alert has a severity and must be acknowledged. */
export interface NotificationItem {
  id: string;
  title: string;
  body: string;
  /** An app path to open (`/tasks/…`), or null. */
  link: string | null;
  severity: Severity | null;
  isAlert: boolean;
  createdAt: number;
  readAt: number | null;
  acknowledgedAt: number | null;
  /** Display name of who acknowledged. */
  acknowledgedBy: string | null;
  ackNote?: string | null;
  sourceModule: string;
}

export interface NotificationFeed {
  items: NotificationItem[];
  total: number;
  unacknowledgedAlerts: number;
}

export interface FeedQuery {
  unread?: boolean;
  alertsOnly?: boolean;
  page?: number;
  pageSize?: number;
}

export interface RaiseAlertInput {
  title: string;
  body: string;
  severity: Severity;
  jurisdictionId?: string;
  unitId?: string;
  link?: string | null;
}

export const notificationsApi = {
  feed: (q: FeedQuery = {}, signal?: AbortSignal) => http.get<NotificationFeed>('/api/notifications', { ...q }, signal),
  markRead: (id: string) => http.post<NotificationItem>(`/api/notifications/${encodeURIComponent(id)}/read`),
  acknowledge: (id: string, note?: string) => http.post<NotificationItem>(`/api/notifications/${encodeURIComponent(id)}/ack`, note ? { note } : {}),
  raiseAlert: (input: RaiseAlertInput) => http.post<NotificationItem>('/api/alerts', input),
};
