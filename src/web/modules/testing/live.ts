import { useEffect, useRef } from 'react';
import { useLive, useLiveEvent, type LiveTopic } from '../../app/live.js';

/** Testing's live topics on GET /api/events (listed in the shell's LIVE_TOPICS too). */
export const TESTING_TOPICS = [
  'testing.coverage',
  'testing.tube.reactive',
  'testing.recheck.positive',
  'testing.recheck.retracted',
  'testing.campaign.changed',
] as const satisfies readonly LiveTopic[];
export type TestingTopic = (typeof TESTING_TOPICS)[number];

const NONE: readonly TestingTopic[] = [];

/**
 * Calls `fn` for each event of the given testing topics while mounted, through the shell's one
 * event stream (no second connection); `onOpen` after the stream reconnected (events may have
 * been missed: re-read).
 */
export function useTestingEvents(
  topics: readonly TestingTopic[],
  fn: (topic: TestingTopic, data: Record<string, unknown> | null) => void,
  opts: { enabled?: boolean; onOpen?: () => void } = {},
): void {
  const ref = useRef({ fn, onOpen: opts.onOpen });
  ref.current = { fn, onOpen: opts.onOpen };
  const enabled = opts.enabled ?? true;
  useLiveEvent(enabled ? topics : NONE, (e) => ref.current.fn(e.topic as TestingTopic, e.data));
  const { connected } = useLive();
  const seen = useRef({ connected: false, lost: false });
  useEffect(() => {
    const s = seen.current;
    if (connected) {
      if (s.connected && s.lost && enabled) ref.current.onOpen?.();
      s.connected = true;
      s.lost = false;
    } else if (s.connected) s.lost = true;
  }, [connected, enabled]);
}
