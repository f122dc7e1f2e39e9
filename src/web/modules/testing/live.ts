import { useEffect, useRef } from 'react';

/** Testing's live topics on GET /api/events. */
export const TESTING_TOPICS = ['testing.coverage', 'testing.tube.reactive', 'testing.recheck.positive', 'testing.recheck.retracted', 'testing.campaign.changed'] as const;
export type TestingTopic = (typeof TESTING_TOPICS)[number];

type Listener = { topics: readonly TestingTopic[]; fn: (topic: TestingTopic, data: Record<string, unknown> | null) => void; onOpen?: () => void };

/**
 * One EventSource for every testing view on the page, opened with the first subscriber and closed
 * with the last (browsers allow only a few connections per host). The shell's own stream registers
 * listeners only for the platform topics it knows, and an EventSource hands a named event only to
 * listeners of that name, hence this second stream.
 */
const listeners = new Set<Listener>();
let source: EventSource | null = null;

function openSource(): void {
  if (source || typeof EventSource === 'undefined') return;
  const s = new EventSource('/api/events');
  source = s;
  let opened = false;
  s.onopen = () => {
    // The first open needs no catch-up (the views just loaded); a reconnect may have missed events.
    if (opened) for (const l of listeners) l.onOpen?.();
    opened = true;
  };
  for (const topic of TESTING_TOPICS) {
    s.addEventListener(topic, (ev) => {
      let data: Record<string, unknown> | null = null;
      try {
        data = JSON.parse((ev as MessageEvent<string>).data) as Record<string, unknown> | null;
      } catch {
        data = null;
      }
      for (const l of listeners) if (l.topics.includes(topic)) l.fn(topic, data);
    });
  }
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

/**
 * Calls `fn` for each event of the given testing topics while mounted; `onOpen` after the stream
 * reconnected (events may have been missed: re-read).
 */
export function useTestingEvents(topics: readonly TestingTopic[], fn: (topic: TestingTopic, data: Record<string, unknown> | null) => void, opts: { enabled?: boolean; onOpen?: () => void } = {}): void {
  const ref = useRef({ fn, onOpen: opts.onOpen });
  ref.current = { fn, onOpen: opts.onOpen };
  const enabled = opts.enabled ?? true;
  const key = topics.join(',');
  useEffect(() => {
    if (!enabled) return;
    return subscribe({ topics: key.split(',') as TestingTopic[], fn: (t, d) => ref.current.fn(t, d), onOpen: () => ref.current.onOpen?.() });
  }, [key, enabled]);
}
