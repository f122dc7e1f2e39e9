import { useEffect, useState } from 'react';
import { http } from '../../app/http.js';
import { useLiveEvent } from '../../app/live.js';

interface ClockState {
  offsetMs: number;
  now: number;
}

/**
 * The platform's "now" (epoch ms), ticking every `everyMs`. Lifting dates are domain time, which
 * the demo clock can move ahead of the browser's own clock: the offset is read from
 * GET /api/system/clock and read again when the clock changes (a `system.clock.changed` event).
 */
export function usePlatformNow(everyMs = 1000): number {
  const [offset, setOffset] = useState(0);
  const [tick, setTick] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useLiveEvent(['system.clock.changed'], () => setTick((n) => n + 1));
  useEffect(() => {
    const ctrl = new AbortController();
    const asked = Date.now();
    http
      .get<ClockState>('/api/system/clock', undefined, ctrl.signal)
      .then((c) => setOffset(c.now - Math.round((asked + Date.now()) / 2)))
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [tick]);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now + offset;
}

/** Days, hours, minutes and seconds of a duration (ms, ≥ 0). */
export function splitDuration(ms: number): { d: number; h: number; m: number; s: number } {
  const total = Math.max(0, Math.floor(ms / 1000));
  return { d: Math.floor(total / 86400), h: Math.floor((total % 86400) / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}
