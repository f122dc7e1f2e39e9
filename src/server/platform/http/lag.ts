/** This thread's CPU time in ms (user + system). `process.threadCpuUsage` is Node ≥ 23.9; older: the process's. */
const threadCpuMs: () => number =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const u = process.threadCpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };

/**
 * Event-loop lag **in the loop's own CPU time**, read two ways (both cost nothing to read: no
 * histogram walk per request):
 * - `lagMs()`: how late a repeating timer fired, counting only the part of the lateness this thread
 *   spent working (its CPU time over the interval, capped at the lateness); the smaller of the last
 *   two ticks: one stall that has already ended reads 0, a loop that is late tick after tick reads its lag;
 * - `stallMs()`: how long the loop has been busy in the current turn past the tick it owed (the
 *   CPU this thread used since the last tick, capped at the wall-clock stall), read while the turn is
 *   still running. Where every request is answered synchronously (SQLite) a flood is one long turn:
 *   hundreds of requests read from their sockets and answered one after another before any timer can
 *   fire, and the last of them waited the whole turn. A timer's lateness only shows that after the
 *   turn; the stall in progress shows it to the requests still in the turn.
 *   `ticks()` counts the timer's ticks, so a reader can tell which turn it is in.
 * Why CPU time and not wall time (issue 14): on a loaded machine the OS runs the process late, so a
 * timer reads tens or hundreds of ms late while the loop sat idle — the earlier wall-clock reading
 * shed most requests of an idle server on a busy machine ("over-shedding" in docs/benchmarks.md).
 * A late timer over an idle loop is the machine's scheduling, not this process's overload; a loop
 * that worked through the lateness is overloaded. `wallLagMs()` keeps the wall-clock reading
 * (diagnostics: the 503's details and the tests).
 * Used by the admission helper (admission.ts), whose gates all share one monitor per process.
 */
export function createLagMonitor(intervalMs: number): {
  lagMs(): number;
  stallMs(): number;
  wallLagMs(): number;
  ticks(): number;
  stop(): void;
} {
  let now = 0;
  let last = 0;
  let wallNow = 0;
  let wallLast = 0;
  let ticks = 0;
  let at = performance.now();
  let cpuAt = threadCpuMs();
  const timer = setInterval(() => {
    ticks++;
    const t = performance.now();
    const cpu = threadCpuMs();
    const late = Math.max(0, t - at - intervalMs);
    const busyLate = Math.min(late, Math.max(0, cpu - cpuAt));
    at = t;
    cpuAt = cpu;
    now = Math.min(busyLate, last);
    last = busyLate;
    wallNow = Math.min(late, wallLast);
    wallLast = late;
  }, intervalMs);
  timer.unref();
  return {
    lagMs: () => now,
    stallMs: () => {
      const wall = performance.now() - at - intervalMs;
      return wall <= 0 ? 0 : Math.min(wall, Math.max(0, threadCpuMs() - cpuAt));
    },
    wallLagMs: () => wallNow,
    ticks: () => ticks,
    stop: () => clearInterval(timer),
  };
}
