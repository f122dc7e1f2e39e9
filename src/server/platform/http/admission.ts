import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';
import { createLagMonitor } from './lag.js';

/**
 * THE load-shedding helper (issue 15: one admission helper instead of three counters). Every
 * admission decision in the process is a gate made here: the app-wide one (`createAdmission`, the
 * onRequest hook) and the per-route caps of public routes (`createGate`: the result lookup; the
 * public zoning list still keeps its own counter until that module moves to a gate). All gates read
 * ONE event-loop lag monitor per process (lag.ts, a 10 ms timer). The lag is counted in the loop's
 * own CPU time (issue 14): a timer the OS ran late while the loop sat idle — a loaded machine, not a
 * loaded server — sheds nothing; a loop that worked through the lateness does.
 *
 * A gate admits a request, or sheds it before any work is done. Two signals, both cheap to read:
 * - requests in flight: by Little's law the time an admitted request waits is about in-flight ÷
 *   throughput, so a cap on in-flight requests is a cap on latency. That is the signal where
 *   requests wait inside the process (PostgreSQL: they queue for a pool connection).
 * - event-loop lag: where queries finish synchronously (SQLite) requests never pile up in flight
 *   (each is answered before the next is read: the count stays at one) — they wait unread in their
 *   sockets, and a flood shows as long loop turns. A request is shed when the turn it is read in has
 *   already stalled past `maxLagMs` while this gate admitted at least `FLOOD_PER_TURN` requests in
 *   it (`stallMs`: the requests late in a flooded turn waited all of it; one slow request — a batch
 *   of 500 scans — that stalls the turn is not a flood), or when the loop has been late tick after
 *   tick (`lagMs`). One stall that has ended sheds nothing.
 * The profile of the 320-connection lookup row (docs/benchmarks.md) showed why the earlier monitor
 * shed nothing on SQLite: it was read only between turns (a 100 ms timer, two late ticks in a row),
 * while a turn of a few hundred requests ended before a second tick could be late.
 */

/** Seconds a client shed by the app-wide gate is told to wait. */
export const SHED_RETRY_AFTER_S = 2;

/** The interval of the process's event-loop lag timer (ms). */
const LAG_TICK_MS = 10;

/** Requests a gate must have admitted in one loop turn before that turn's stall sheds (a flood, not one slow request). */
export const FLOOD_PER_TURN = 16;

let shared: { monitor: ReturnType<typeof createLagMonitor>; users: number } | undefined;

/** The process's lag monitor, started by the first gate and stopped with the last. */
function processLag(): { lagMs(): number; stallMs(): number; ticks(): number; release(): void } {
  shared ??= { monitor: createLagMonitor(LAG_TICK_MS), users: 0 };
  shared.users++;
  const s = shared;
  let released = false;
  return {
    lagMs: () => s.monitor.lagMs(),
    stallMs: () => s.monitor.stallMs(),
    ticks: () => s.monitor.ticks(),
    release() {
      if (released) return;
      released = true;
      if (--s.users === 0) {
        s.monitor.stop();
        if (shared === s) shared = undefined;
      }
    },
  };
}

export interface GateLimits {
  /** Requests admitted at once; past it, shed. */
  maxInFlight: number;
  /** Event-loop lag (ms) past which requests are shed (see the module comment). */
  maxLagMs: number;
  /**
   * Lag sheds only while this gate's requests are what keeps the loop busy: at least this many
   * entered in the current and the previous second (0: always). A per-route gate sets it so a lag
   * caused by other work (an import) does not shed its rare requests.
   */
  minRecentForLag?: number;
  /** Replaces the lag reading (tests). */
  lagProbe?: () => number;
}

export interface Gate {
  /** Admits (counting the request until `leave()`) or refuses: every `true` must be followed by one `leave()`. */
  tryEnter(): boolean;
  leave(): void;
  /** Why the last refusal happened (diagnostics in the 503's details). */
  readonly lastRefusal: { inFlight: number; lagMs: number };
  inFlight(): number;
  /** Stops this gate's share of the lag monitor. */
  stop(): void;
}

/** A gate with its own in-flight count and the process's lag monitor. */
export function createGate(limits: GateLimits): Gate {
  let inFlight = 0;
  const lag = processLag();
  const lastRefusal = { inFlight: 0, lagMs: 0 };
  // Entries in the current and the previous second (for `minRecentForLag`).
  const recent = { bucket: 0, now: 0, before: 0 };
  const recentCount = (): number => {
    const b = Math.floor(performance.now() / 1000);
    if (b !== recent.bucket) {
      recent.before = b === recent.bucket + 1 ? recent.now : 0;
      recent.now = 0;
      recent.bucket = b;
    }
    return recent.now + recent.before;
  };
  // Requests admitted in the current loop turn (since the lag timer last ticked).
  const turn = { tick: -1, entered: 0 };
  const lagNow = () => {
    if (limits.lagProbe) return limits.lagProbe();
    const t = lag.ticks();
    if (t !== turn.tick) {
      turn.tick = t;
      turn.entered = 0;
    }
    return turn.entered >= FLOOD_PER_TURN ? Math.max(lag.lagMs(), lag.stallMs()) : lag.lagMs();
  };
  return {
    tryEnter(): boolean {
      const busy = !limits.minRecentForLag || recentCount() >= limits.minRecentForLag;
      const lagMs = busy ? lagNow() : 0;
      if (inFlight >= limits.maxInFlight || lagMs > limits.maxLagMs) {
        lastRefusal.inFlight = inFlight;
        lastRefusal.lagMs = Math.round(lagMs);
        return false;
      }
      recent.now++;
      turn.entered++;
      inFlight++;
      return true;
    },
    leave(): void {
      inFlight = Math.max(0, inFlight - 1);
    },
    lastRefusal,
    inFlight: () => inFlight,
    stop: () => lag.release(),
  };
}

/**
 * Releases a gate's slot when the response stream closes: that also fires when the client
 * disconnects first (aborted downloads), where onResponse never runs.
 */
export function leaveOnClose(gate: Gate, reply: FastifyReply): void {
  let released = false;
  reply.raw.once('close', () => {
    if (!released) {
      released = true;
      gate.leave();
    }
  });
}

export interface AdmissionLimits {
  /** Requests being answered at once before new ones are shed (streams excluded). */
  maxInFlight: number;
  /** Event-loop lag (ms) before new requests are shed. */
  maxLagMs: number;
}

/**
 * The app-wide gate, as the onRequest hook: 503 OVERLOADED + Retry-After before any work is done.
 * Long-lived streams (`config.admission: 'stream'`) are not counted while open, or open dashboards
 * would hold the slots. `/api/health` is never shed (load balancers and the supervisor must see a
 * busy server as alive). See README's configuration table for the defaults and why.
 */
export function createAdmission(limits: AdmissionLimits) {
  const gate = createGate({ maxInFlight: limits.maxInFlight, maxLagMs: limits.maxLagMs });
  // Streams are not counted, but a lagging loop refuses them too.
  const streamGate = createGate({ maxInFlight: Number.POSITIVE_INFINITY, maxLagMs: limits.maxLagMs });

  return {
    /** The onRequest hook: throws OVERLOADED (503 + Retry-After) or counts the request until its response closes. */
    async onRequest(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      if (req.url === '/api/health') return;
      if (req.routeOptions.config?.admission === 'stream') {
        if (!streamGate.tryEnter()) return overloaded(req, reply, streamGate);
        streamGate.leave();
        return;
      }
      if (!gate.tryEnter()) return overloaded(req, reply, gate);
      leaveOnClose(gate, reply);
    },
    /** Requests counted right now (tests, diagnostics). */
    inFlight: () => gate.inFlight(),
    stop: () => {
      gate.stop();
      streamGate.stop();
    },
  };
}

/** When shedding was last logged (once a minute per process: a flood must not flood the log too). */
let shedLoggedAt = 0;

/**
 * Answers a shed request: 503 with Retry-After and the usual error body, sent from the hook. No
 * error is thrown: a shed must cost less than the work it refuses (no stack trace, no error
 * handler, no log line per request — one warning a minute per process).
 */
export function shed(
  req: FastifyRequest,
  reply: FastifyReply,
  gate: Gate,
  o: { code: string; message: string; retryAfterS: number; details?: unknown },
): FastifyReply {
  const now = Date.now();
  if (now - shedLoggedAt >= 60_000) {
    shedLoggedAt = now;
    req.log.warn({ code: o.code, ...gate.lastRefusal }, 'shedding load (503 + Retry-After); further sheds in the next minute are not logged');
  }
  return reply
    .code(503)
    .header('retry-after', String(o.retryAfterS))
    .send({ error: { code: o.code, message: o.message, details: o.details ?? null } });
}

const overloaded = (req: FastifyRequest, reply: FastifyReply, g: Gate) =>
  shed(req, reply, g, { code: 'OVERLOADED', message: OVERLOADED_MESSAGE, retryAfterS: SHED_RETRY_AFTER_S, details: { ...g.lastRefusal } });
const OVERLOADED_MESSAGE = Errors.OVERLOADED().message;
