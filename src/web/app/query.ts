import { QueryClient, type QueryKey } from '@tanstack/react-query';
import type { LiveTopic } from './live.js';

/**
 * The web's one TanStack Query client (issue 15, "the web's data layer"). Two kinds of entries:
 * - `['api', path, query]`: every GET the app sends (http.get), keyed by its URL and parameters, so
 *   fifty rows asking for the same jurisdiction name share one request and a short-lived cache;
 * - the entries of `useRemote` / `useInfiniteQuery` callers, which read through the former.
 * Any write (POST/PATCH/…) marks every `['api']` entry stale, and live events mark the entries of
 * their paths stale (`invalidateForTopic`), so a reload after a change never reads an old answer.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // The pages already reload on live events and after writes; a refetch on every window focus
      // would only double the traffic of a command room with many open screens.
      refetchOnWindowFocus: false,
      retry: false,
    },
  },
});

/** How long an answer to a GET is reused by other components before it is asked for again. */
export const GET_FRESH_MS = 5_000;

/** The key of one GET: path, then its query (empty values dropped), so a path prefix matches all of its queries. */
export function apiKey(path: string, query?: Record<string, unknown>): QueryKey {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params[k] = v;
  return ['api', ...path.split('/').filter(Boolean), params];
}

/** Marks every cached GET stale (after a write: any answer may have changed). */
export function invalidateAllGets(): void {
  void queryClient.invalidateQueries({ queryKey: ['api'], refetchType: 'none' });
}

/**
 * The API paths whose answers a live event changes. A page subscribed to the event reloads, and its
 * reload reads fresh answers because these keys were marked stale first.
 */
export const TOPIC_PATHS: Record<LiveTopic, readonly string[]> = {
  'alert.raised': ['/api/notifications'],
  'alert.acknowledged': ['/api/notifications'],
  'notification.created': ['/api/notifications'],
  'task.changed': ['/api/tasks', '/api/dashboard'],
  // The clock moves every date-dependent answer: zoning days, quarantine days, cluster boards.
  'system.clock.changed': ['/api'],
  'testing.coverage': ['/api/testing', '/api/dashboard'],
  'testing.tube.reactive': ['/api/testing', '/api/cases', '/api/clusters', '/api/dashboard'],
  'testing.recheck.positive': ['/api/testing', '/api/cases', '/api/clusters', '/api/dashboard'],
  'testing.recheck.retracted': ['/api/testing', '/api/cases', '/api/clusters', '/api/dashboard'],
  'testing.campaign.changed': ['/api/testing'],
  'quarantine.occupancy': ['/api/quarantine', '/api/travellers'],
};

/**
 * Marks the cached GETs under these paths stale (`/api/zoning` covers every zoning GET), and
 * refetches the mounted queries keyed under them (the infinite lists, `pagesKey`).
 */
export function invalidatePaths(paths: readonly string[]): void {
  for (const path of paths) void queryClient.invalidateQueries({ queryKey: ['api', ...path.split('/').filter(Boolean)] });
}

/** The key of a keyset-paged list read with useInfiniteQuery: under its path, so live events refetch it. */
export function pagesKey(path: string, query?: Record<string, unknown>): QueryKey {
  return ['api', ...path.split('/').filter(Boolean), '~pages', query ?? {}];
}

/** Marks the cached GETs a live event changes stale; the pages listening to it then reload. */
export function invalidateForTopic(topic: LiveTopic): void {
  invalidatePaths(TOPIC_PATHS[topic]);
}
