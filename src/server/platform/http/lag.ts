/**
 * Event-loop lag, read two ways (both cost nothing to read: no histogram walk per request):
 * - `lagMs()`: how late a repeating timer fired, the smaller of its last two ticks: one stall that
 *   has already ended reads 0, a loop that is late tick after tick reads its lag;
 * - `stallMs()`: how long the loop has been busy in the current turn past the tick it owed, read
 *   while the turn is still running. Where every request is answered synchronously (SQLite) a flood
 *   is one long turn: hundreds of requests read from their sockets and answered one after another
 *   before any timer can fire, and the last of them waited the whole turn. A timer's lateness only
 *   shows that after the turn; the stall in progress shows it to the requests still in the turn.
 *   `ticks()` counts the timer's ticks, so a reader can tell which turn it is in.
 * Used by the admission helper (admission.ts), whose gates all share one monitor per process.
 */
export function createLagMonitor(intervalMs: number): { lagMs(): number; stallMs(): number; ticks(): number; stop(): void } {
  let now = 0;
  let ticks = 0;
  let last = 0;
  let at = performance.now();
  const timer = setInterval(() => {
    ticks++;
    const t = performance.now();
    const late = Math.max(0, t - at - intervalMs);
    at = t;
    now = Math.min(late, last);
    last = late;
  }, intervalMs);
  timer.unref();
  return { lagMs: () => now, stallMs: () => Math.max(0, performance.now() - at - intervalMs), ticks: () => ticks, stop: () => clearInterval(timer) };
}
