/**
 * Event-loop lag as how late a repeating timer fires, read as the smaller of its last two ticks:
 * one stall that has already ended reads 0, a loop that is late tick after tick reads its lag.
 * Reading it costs nothing (no histogram walk per request). Used by the app-wide load shedding and
 * by the public lookup's own, finer one.
 */
export function createLagMonitor(intervalMs: number): { lagMs(): number; stop(): void } {
  let now = 0;
  let last = 0;
  let at = performance.now();
  const timer = setInterval(() => {
    const t = performance.now();
    const late = Math.max(0, t - at - intervalMs);
    at = t;
    now = Math.min(late, last);
    last = late;
  }, intervalMs);
  timer.unref();
  return { lagMs: () => now, stop: () => clearInterval(timer) };
}
