import { useEffect, useRef } from 'react';

/** Testing's live topics on GET /api/events (the shell's stream listens to the platform's own). */
export type TestingTopic = 'testing.coverage' | 'testing.tube.reactive' | 'testing.recheck.positive' | 'testing.recheck.retracted' | 'testing.campaign.changed';

/**
 * Calls `fn` for each event of the given testing topics while mounted. It opens its own
 * EventSource: the shell's stream only registers listeners for the platform topics it knows, and
 * an EventSource delivers a named event only to listeners of that name. EventSource reconnects by
 * itself; a page that must not miss a change also re-reads on reconnect (`onOpen`).
 */
export function useTestingEvents(topics: readonly TestingTopic[], fn: (topic: TestingTopic, data: Record<string, unknown> | null) => void, opts: { enabled?: boolean; onOpen?: () => void } = {}): void {
  const ref = useRef({ fn, onOpen: opts.onOpen });
  ref.current = { fn, onOpen: opts.onOpen };
  const enabled = opts.enabled ?? true;
  const key = topics.join(',');
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/events');
    let opened = false;
    source.onopen = () => {
      // The first open needs no catch-up (the page just loaded); a reconnect may have missed events.
      if (opened) ref.current.onOpen?.();
      opened = true;
    };
    for (const topic of key.split(',') as TestingTopic[]) {
      source.addEventListener(topic, (ev) => {
        let data: Record<string, unknown> | null = null;
        try {
          data = JSON.parse((ev as MessageEvent<string>).data) as Record<string, unknown> | null;
        } catch {
          data = null;
        }
        ref.current.fn(topic, data);
      });
    }
    return () => source.close();
  }, [key, enabled]);
}
