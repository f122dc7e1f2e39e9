import { App } from 'antd';
import { isInternalLink } from '../../common/roles.js';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { authApi } from '../modules/auth/api.js';
import { showText } from './bilingual.js';
import type { MessageParam } from '../../common/message-text.js';
import { notificationsApi } from '../modules/notifications/api.js';
import { useI18n } from './i18n.js';
import { invalidateForTopic } from './query.js';
import { useSession } from './session.js';

/** Topics the server streams on GET /api/events. */
export const LIVE_TOPICS = [
  'alert.raised',
  'alert.acknowledged',
  'notification.created',
  'task.changed',
  'system.clock.changed',
  // Mass testing (src/web/modules/testing/live.ts): campaign pages update live through this stream.
  'testing.coverage',
  'testing.tube.reactive',
  'testing.recheck.positive',
  'testing.recheck.retracted',
  'testing.campaign.changed',
  // Quarantine (src/web/modules/quarantine/live.ts): facility occupancy and free rooms.
  'quarantine.occupancy',
] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export interface LiveEvent {
  topic: LiveTopic;
  /** The event's payload (JSON). */
  data: Record<string, unknown> | null;
}

type Listener = (e: LiveEvent) => void;

interface Live {
  /** Alerts in my feed nobody has acknowledged (the top-bar badge). */
  unacknowledgedAlerts: number;
  /** Re-reads the badge count (after acknowledging). */
  refreshBadge(): void;
  /** Calls `fn` for each event of the topics until the returned function is called. */
  subscribe(topics: readonly LiveTopic[], fn: Listener): () => void;
  /** Whether the event stream is open. */
  connected: boolean;
}

const LiveContext = createContext<Live | null>(null);

/**
 * Live updates over Server-Sent Events (GET /api/events) while someone is signed in: keeps the
 * unacknowledged-alert badge current, shows a toast for each new alert, and lets pages refresh
 * on `task.changed` / `notification.created`. EventSource reconnects by itself and resumes with
 * Last-Event-ID; when the stream is refused (the session ended) the session check takes over.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const { me, can } = useSession();
  const { t, lang } = useI18n();
  const { notification } = App.useApp();
  const navigate = useNavigate();
  const listeners = useRef(new Set<{ topics: readonly LiveTopic[]; fn: Listener }>());
  const [unack, setUnack] = useState(0);
  const [connected, setConnected] = useState(false);
  const allowed = !!me && can('notification.read');
  // The stream outlives language switches: read the current translator and router through refs.
  const ui = useRef({ t, lang, notification, navigate });
  ui.current = { t, lang, notification, navigate };

  const refreshBadge = useCallback(() => {
    if (!allowed) return;
    notificationsApi
      .feed({ pageSize: 1 })
      .then((f) => setUnack(f.unacknowledgedAlerts))
      .catch(() => undefined);
  }, [allowed]);

  useEffect(() => {
    if (!allowed) {
      setUnack(0);
      return;
    }
    refreshBadge();
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let source: EventSource | undefined;
    const open = () => {
      source = new EventSource('/api/events');
      source.onopen = () => setConnected(true);
      source.onerror = () => {
        setConnected(false);
        if (source?.readyState !== EventSource.CLOSED || closed) return;
        // The server refused the stream (not a dropped connection): is the session still there?
        authApi
          .me()
          .then(() => {
            if (!closed) retry = setTimeout(open, 5000);
          })
          .catch(() => undefined);
      };
      for (const topic of LIVE_TOPICS) {
        source.addEventListener(topic, (ev) => {
          let data: Record<string, unknown> | null = null;
          try {
            data = JSON.parse((ev as MessageEvent<string>).data) as Record<string, unknown> | null;
          } catch {
            data = null;
          }
          const e: LiveEvent = { topic, data };
          // Cached answers this event changes are stale before anything reloads on it (the badge too).
          invalidateForTopic(topic);
          if (topic === 'alert.raised' || topic === 'alert.acknowledged') refreshBadge();
          if (topic === 'alert.raised') {
            // Only an internal path is followed (the server refuses others; old rows may predate that).
            const link = typeof data?.link === 'string' && isInternalLink(data.link) ? data.link : '/notifications';
            const { t, lang, notification, navigate } = ui.current;
            // One matter alerted to several places (a positive pool: its community, district and
            // HQ) reaches a reader who sees them all several times: one toast per matter.
            const matter = data?.sourceEntityId ? `${String(data.sourceEntityType)}:${String(data.sourceEntityId)}:${String(data.title)}` : null;
            notification.warning({
              key: matter ?? String(data?.id ?? Math.random()),
              title: t('notif.toastAlert'),
              description: showText(
                lang,
                String(data?.title ?? ''),
                typeof data?.titleKey === 'string' ? data.titleKey : null,
                (data?.titleParams ?? null) as Record<string, MessageParam> | null,
              ),
              placement: 'topRight',
              duration: 8,
              onClick: () => navigate(link.startsWith('/') ? link : '/notifications'),
            });
          }
          for (const l of listeners.current) if (l.topics.includes(topic)) l.fn(e);
        });
      }
    };
    open();
    return () => {
      closed = true;
      if (retry) clearTimeout(retry);
      source?.close();
      setConnected(false);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reconnect when the user changes, not when refreshBadge changes with the language
  }, [allowed, me?.id]);

  const subscribe = useCallback((topics: readonly LiveTopic[], fn: Listener) => {
    const entry = { topics, fn };
    listeners.current.add(entry);
    return () => {
      listeners.current.delete(entry);
    };
  }, []);

  const value = useMemo<Live>(() => ({ unacknowledgedAlerts: unack, refreshBadge, subscribe, connected }), [unack, refreshBadge, subscribe, connected]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const v = useContext(LiveContext);
  if (!v) throw new Error('useLive outside LiveProvider');
  return v;
}

/** Runs `fn` on each live event of the topics while the component is mounted. */
export function useLiveEvent(topics: readonly LiveTopic[], fn: Listener): void {
  const { subscribe } = useLive();
  const ref = useRef(fn);
  ref.current = fn;
  const key = topics.join(',');
  useEffect(() => subscribe(topics, (e) => ref.current(e)), [subscribe, key]); // eslint-disable-line react-hooks/exhaustive-deps -- topics compared by their joined key, fn read through the ref
}
