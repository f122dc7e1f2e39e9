import { createHash, createHmac, createSecretKey } from 'node:crypto';
import type { TestingInputs } from './testing.inputs.js';
import type { Tx } from '../../db/dialect.js';
import { WindowLimiter } from '../../platform/auth/rate-limit.js';
import { createGate, type Gate } from '../../platform/http/admission.js';
import { AppError } from '../../platform/errors.js';
import { normalizeIdNumber } from '../population/index.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import type { LookupResult } from './testing.schemas.js';
import { TESTING_SYSTEM } from './testing.shared.js';
import type { LookupLimits } from './testing.types.js';

export const DEFAULT_LOOKUP_LIMITS: LookupLimits = {
  perIp: 30,
  perId: 10,
  windowMs: 60_000,
  maxConcurrent: 64,
  maxLagMs: 50,
  freshMs: 1000,
  maxAgeMs: 30_000,
  maxEntries: 100_000,
};

/** An 18-character mainland resident ID (normalized: no spaces, upper case). */
const RESIDENT_ID_SHAPE = /^\d{17}[\dX]$/;

type Status = LookupResult['samples'][number]['status'];
/** A pool found positive and a pending recheck, before they are masked as `in_lab` (never returned). */
type InnerStatus = Status | 'recheck_needed';
type Message = { zh: string; en: string };
const MESSAGES: Record<Exclude<Status, 'contact_pending'>, Message> = {
  sampled: { zh: '已采样，等待送检', en: 'Sampled; on the way to the lab' },
  in_lab: { zh: '检测中，如需配合社区会联系您', en: 'In the lab; your community will contact you if anything is needed' },
  negative: { zh: '阴性', en: 'Negative' },
  resample_needed: { zh: '样本无效，请尽快重新采样', en: 'The sample was invalid: please get sampled again' },
};
/**
 * A positive single-tube recheck: the person is told that staff will contact them and how to reach
 * the hotline, never the result, and never to "wait at home for a recheck" (issue 16): the recheck is
 * over, and the case is being confirmed.
 */
const contactMessage = (hotline: string): Message => ({
  zh: `工作人员将与您联系，请保持电话畅通；如有疑问，请拨打热线 ${hotline}`,
  en: `Staff will contact you; please keep your phone on. Questions: call the hotline ${hotline}`,
});

interface Entry {
  value: LookupResult;
  personId: string | null;
  version: number;
  computedAt: number;
  checkedAt: number;
}

/**
 * The residents' result lookup: public, rate-limited per client and per ID number, answered from
 * an in-process cache. Each result (and each scan or receipt) invalidates the cache of its
 * persons in this process and bumps their version in the database; other processes notice the
 * version within `freshMs`, and recompute anything older than `maxAgeMs` regardless. A positive
 * result is never shown, nor a pending recheck (issue 14): the sample reads "in the lab" and the
 * resident is told by their community.
 */
export function createLookupService(deps: TestingInputs<'db' | 'wallClock' | 'config', 'population'>) {
  let limits = { ...DEFAULT_LOOKUP_LIMITS };
  const hotline = deps.config.publicHotline;
  let ipLimiter = new WindowLimiter(limits.perIp, limits.windowMs);
  let idLimiter = new WindowLimiter(limits.perId, limits.windowMs);
  const cache = new Map<string, Entry>();
  const keysOfPerson = new Map<string, Set<string>>();
  // The per-route load shedding: a gate of the one admission helper (platform/http/admission.ts).
  const gateOf = (l: LookupLimits, lagProbe?: () => number): Gate =>
    createGate({ maxInFlight: l.maxConcurrent, maxLagMs: l.maxLagMs, minRecentForLag: l.maxConcurrent, lagProbe });
  let gate = gateOf(limits);

  // The key as a KeyObject, made once: createHmac with a Buffer key converts it on every call
  // (about 9 µs against 2 µs per HMAC on Node 24; the bench's lookup profile showed it).
  const hmacKey = createSecretKey(deps.config.sessionKey);
  const keyed = (purpose: string, v: string) => createHmac('sha256', hmacKey).update(`lookup:${purpose}\n${v}`).digest('base64url');
  // The population module's form (full-width digits and Ｘ from a Chinese input method, spaces of
  // any kind), so the per-number limit and the cache cannot be dodged by typing the number differently.
  const normalizeId = normalizeIdNumber;

  function remember(key: string, e: Entry): void {
    if (cache.size >= limits.maxEntries) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let n = Math.ceil(limits.maxEntries / 10);
      for (const k of cache.keys()) {
        if (n-- <= 0) break;
        cache.delete(k);
      }
    }
    cache.delete(key);
    cache.set(key, e);
    if (e.personId) {
      const set = keysOfPerson.get(e.personId) ?? new Set<string>();
      set.add(key);
      keysOfPerson.set(e.personId, set);
    }
  }

  function statusOf(r: Pick<repo.LookupState['scans'][number], 'tube_result' | 'tube_status' | 'recheck'>, hasOpenRecheck: boolean): InnerStatus {
    const result = r.tube_result;
    // The single-tube recheck itself came back positive: staff take over (handed to case confirmation).
    if (Number(r.recheck) === 1 && (result === 'positive' || result === 'suspicious')) return 'contact_pending';
    if (result === 'positive' || result === 'suspicious') return 'recheck_needed';
    if (result === 'invalid') return Number(r.recheck) === 1 && hasOpenRecheck ? 'recheck_needed' : 'resample_needed';
    if (result === 'negative') return 'negative';
    if (Number(r.recheck) === 1 && hasOpenRecheck) return 'recheck_needed';
    return r.tube_status === 'received' ? 'in_lab' : 'sampled';
  }

  /** Drops this process's cached answers for these persons (after a scan, receipt or result). */
  function invalidate(personIds: Iterable<string>): void {
    for (const p of personIds) {
      const keys = keysOfPerson.get(p);
      if (!keys) continue;
      for (const k of keys) cache.delete(k);
      keysOfPerson.delete(p);
    }
  }

  async function compute(idNumber: string, name: string): Promise<{ value: LookupResult; personId: string | null; version: number }> {
    // The lean read: id, name and residence of the current record (no address texts).
    // Most residents give an 18-character resident ID: try that type alone first (one keyed hash,
    // one index probe), then every type, so a passport number shaped the same is still found.
    let [person] = RESIDENT_ID_SHAPE.test(idNumber)
      ? await deps.services.population.briefsByIdNumber(TESTING_SYSTEM, [{ idNumber, idType: 'resident_id' }])
      : [undefined];
    if (!person) [person] = await deps.services.population.briefsByIdNumber(TESTING_SYSTEM, [{ idNumber }]);
    if (!person || person.name.trim() !== name.trim()) return { value: { found: false, samples: [] }, personId: null, version: 0 };
    // One keyed read of the person's lookup state (version, latest scans, open rechecks): one
    // statement is one snapshot, so a result committed meanwhile bumps the version past what we keep.
    const { version, openRechecks, scans } = await repo.lookupState(deps.db, person.id);
    const pending = openRechecks > 0;
    const latest = new Map<string, (typeof scans)[number]>();
    for (const r of scans) if (!latest.has(r.campaign_id)) latest.set(r.campaign_id, r);
    const samples = [...latest.values()].slice(0, 3).map((r) => {
      let status = statusOf(r, pending);
      // A person awaiting a recheck sees that on the pool sample too, whatever else is shown.
      if (r.openHere > 0 && status !== 'recheck_needed' && status !== 'contact_pending') status = 'recheck_needed';
      // Never tell the public who awaits a recheck: whoever knows a resident's ID number and name
      // would learn that their pool was positive. The resident hears it from their community (the
      // recheck creates a task per person for it); here the sample stays "in the lab" until a
      // negative recheck clears it or the case is taken over.
      if (status === 'recheck_needed') status = 'in_lab';
      const base = { campaign: r.campaign_name, sampledAt: Number(r.scanned_at) };
      if (status === 'contact_pending') return { ...base, status, message: contactMessage(hotline), hotline };
      return { ...base, status, message: MESSAGES[status] };
    });
    return { value: { found: true, samples }, personId: person.id, version };
  }

  return {
    /** Sets the limits (tests and the bench; production uses the defaults). `lagProbe` replaces the lag measure (tests). */
    configure(o: Partial<LookupLimits> & { lagProbe?: () => number }): void {
      const { lagProbe, ...rest } = o;
      limits = { ...limits, ...rest };
      gate.stop();
      gate = gateOf(limits, lagProbe);
      ipLimiter = new WindowLimiter(limits.perIp, limits.windowMs);
      idLimiter = new WindowLimiter(limits.perId, limits.windowMs);
      cache.clear();
      keysOfPerson.clear();
    },

    /**
     * The per-route load shedding (a gate of platform/http/admission.ts), checked before the body
     * is read: a refusal (too many lookups in flight, or the event loop lagging past `maxLagMs`
     * under a stream of lookups) is answered 503 with Retry-After by the route.
     */
    gate: (): Gate => gate,

    /** Looks up a resident's latest samples by ID number and name (rate-limited; cached). */
    async lookup(clientIp: string, input: { idNumber: string; name: string }): Promise<LookupResult> {
      const wall = deps.wallClock.now();
      const ipWait = ipLimiter.hit(clientIp, wall);
      if (ipWait !== null)
        throw new AppError(
          'LOOKUP_RATE_LIMITED',
          429,
          TestingErrors.LOOKUP_RATE_LIMITED().message,
          { per: 'client' },
          { 'retry-after': String(Math.ceil(ipWait / 1000)) },
        );
      const idNumber = normalizeId(input.idNumber);
      const idKey = keyed('id', idNumber);
      const idWait = idLimiter.hit(idKey, wall);
      if (idWait !== null)
        throw new AppError(
          'LOOKUP_RATE_LIMITED',
          429,
          TestingErrors.LOOKUP_RATE_LIMITED().message,
          { per: 'idNumber' },
          { 'retry-after': String(Math.ceil(idWait / 1000)) },
        );
      // The cache key: the ID's HMAC (secret) hashed with the name, so neither is kept in memory
      // and one HMAC per request suffices.
      const key = createHash('sha256').update(idKey).update('\n').update(input.name.trim()).digest('base64url');
      const hit = cache.get(key);
      if (hit && wall - hit.checkedAt < limits.freshMs) return hit.value;
      if (hit && wall - hit.computedAt < limits.maxAgeMs) {
        const v = hit.personId ? await repo.lookupVersion(deps.db, hit.personId) : 0;
        if (v === hit.version) {
          hit.checkedAt = wall;
          return hit.value;
        }
      }
      const r = await compute(idNumber, input.name);
      remember(key, { ...r, computedAt: wall, checkedAt: wall });
      return r.value;
    },

    invalidate,

    /** In the result's transaction: bumps the persons' versions (other processes) and drops this process's entries. */
    async resultChanged(tx: Tx, personIds: readonly string[]): Promise<void> {
      if (!personIds.length) return;
      await repo.bumpLookupVersions(tx, personIds);
      invalidate(personIds);
    },

    /** Cached answers (tests). */
    get size(): number {
      return cache.size;
    },
  };
}
