import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';
import { createLagMonitor } from './lag.js';

/** Seconds a shed client is told to wait. */
export const SHED_RETRY_AFTER_S = 2;

/** The interval of the event-loop lag timer (ms). */
const LAG_TICK_MS = 100;

export interface AdmissionLimits {
  /** Requests being answered at once before new ones are shed (streams excluded). */
  maxInFlight: number;
  /** Event-loop lag (a 100 ms timer late by this much on two ticks in a row; ms) before new requests are shed. */
  maxLagMs: number;
}

/**
 * THE admission decision for every request (one per process): admit, or shed with 503 OVERLOADED +
 * Retry-After before any work is done. Two signals, both cheap to read:
 * - requests in flight: by Little's law the time an admitted request waits is about in-flight ÷
 *   throughput, so a cap on in-flight requests is a cap on latency. Long-lived streams
 *   (`config.admission: 'stream'`) are not counted while open, or open dashboards would hold the slots.
 * - event-loop lag (lag.ts): a loop that is late tick after tick answers everyone late, whatever the count.
 * `/api/health` is never shed (load balancers and the supervisor must see a busy server as alive).
 * See README's configuration table for the defaults and why.
 */
export function createAdmission(limits: AdmissionLimits) {
  let inFlight = 0;
  const lag = createLagMonitor(LAG_TICK_MS);

  return {
    /** The onRequest hook: throws OVERLOADED (503 + Retry-After) or counts the request until its response closes. */
    async onRequest(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (req.url === '/api/health') return;
      const lagMs = lag.lagMs();
      const stream = req.routeOptions.config?.admission === 'stream';
      if ((!stream && inFlight >= limits.maxInFlight) || lagMs > limits.maxLagMs) {
        throw Object.assign(Errors.OVERLOADED({ inFlight, lagMs: Math.round(lagMs) }), { headers: { 'retry-after': String(SHED_RETRY_AFTER_S) } });
      }
      if (stream) return;
      inFlight++;
      // Released when the response stream closes: that also fires when the client disconnects
      // first (aborted downloads), where onResponse never runs.
      let released = false;
      reply.raw.once('close', () => {
        if (!released) {
          released = true;
          inFlight--;
        }
      });
    },
    /** Requests counted right now (tests, diagnostics). */
    inFlight: () => inFlight,
    stop: () => lag.stop(),
  };
}
