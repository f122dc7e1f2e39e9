import { useEffect, useRef } from 'react';
import { invalidatePaths } from '../../app/query.js';

/** The zoning topic on GET /api/events: `{ areaId, status, level, version }` after every write. */
export const ZONING_TOPIC = 'zoning.changed';

type Listener = { fn: (data: Record<string, unknown> | null) => void; onOpen?: () => void };

/**
 * One EventSource for every zoning view on the page, opened with the first subscriber and closed
 * with the last. The shell's own stream registers listeners only for the platform topics it
 * knows (an EventSource hands a named event only to listeners of that name), hence a second one,
 * as the testing views do.
 */
const listeners = new Set<Listener>();
let source: EventSource | null = null;

function openSource(): void {
  if (source || typeof EventSource === 'undefined') return;
  const s = new EventSource('/api/events');
  source = s;
  let opened = false;
  s.onopen = () => {
    // A reconnect may have missed events: the views re-read.
    if (opened) for (const l of listeners) l.onOpen?.();
    opened = true;
  };
  s.addEventListener(ZONING_TOPIC, (ev) => {
    let data: Record<string, unknown> | null = null;
    try {
      data = JSON.parse((ev as MessageEvent<string>).data) as Record<string, unknown> | null;
    } catch {
      data = null;
    }
    // The views reload on the event: the cached zoning answers are stale first (app/query.ts).
    invalidatePaths(['/api/zoning']);
    for (const l of listeners) l.fn(data);
  });
}

function subscribe(l: Listener): () => void {
  listeners.add(l);
  openSource();
  return () => {
    listeners.delete(l);
    if (!listeners.size && source) {
      source.close();
      source = null;
    }
  };
}

/** Calls `fn` on each `zoning.changed` event while mounted, and after a reconnect. */
export function useZoningEvents(fn: (data: Record<string, unknown> | null) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe({ fn: (d) => ref.current(d), onOpen: () => ref.current(null) }), []);
}
