import type { TestingInputs } from './testing.inputs.js';
import { inTx, lockKeys, type DbOrTx, type Tx } from '../../db/dialect.js';
import { claimClientIds } from '../../platform/applied-ops.js';
import type { Actor } from '../../platform/actor.js';
import { AppError, Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { CampaignService } from './campaigns.service.js';
import type { CodeVerifier } from './code-verifier.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { attentionOf, commonPath, normalizeBarcode, type ScanAttention } from './testing.rules.js';
import type { BatchItemResult, BatchOp } from './testing.schemas.js';
import { identifierKey, requireCap, resolvePersons, type PersonRef } from './testing.shared.js';
import { decide, personKey, tubeKey, type Applied, type Decision, type PreparedOp, type State, type TubeState } from './sampling.decide.js';
import { firstItem, itemAt } from '../../platform/items.js';

export type { PreparedOp } from './sampling.decide.js';

/** Scope of client ids in `applied_ops`. */
const CLIENT_SCOPE = 'testing';
export const MAX_BATCH = 2000;
/** Items a group commit applies in one transaction at most. */
const GROUP_MAX = 500;

/** Advisory-lock key space of "campaign × person" while a scan decides whether it counts. */
const PERSON_LOCK_SPACE = 14_001;
/**
 * Tubes and scans (the sampling day): opening a tube, adding persons by resident code or ID
 * number, closing; the batch API for scanner devices; single scans through a group commit. Every
 * op carries a client id: a resend is answered `duplicate` and never counts twice.
 */
export function createSamplingService(
  deps: TestingInputs<'db' | 'clock', 'journal' | 'jobs' | 'population' | 'control'>,
  campaigns: CampaignService,
  verifier: CodeVerifier,
  hooks: { invalidateLookup(personIds: Iterable<string>): void },
) {
  const { journal, jobs } = deps.services;

  /**
   * Looks up the persons of scan ops (outside any transaction: reads only), all at once: resident
   * codes verified in bulk (off the main thread for larger sets) while the persons are read in
   * one query per 500.
   */
  async function preparePersons(ops: readonly BatchOp[]): Promise<Map<string, PersonRef | AppError>> {
    return resolvePersons(
      deps,
      verifier,
      ops.filter((op): op is BatchOp & { op: 'scan' } => op.op === 'scan'),
    );
  }

  async function loadState(tx: Tx, ops: readonly PreparedOp[]): Promise<State> {
    const tubeIds = new Set<string>();
    const barcodes = new Set<string>();
    const campaignIds = new Set<string>();
    const siteIds = new Set<string>();
    const clientIds: string[] = [];
    for (const { op } of ops) {
      if ('tubeId' in op && op.tubeId) tubeIds.add(op.tubeId);
      if ('campaignId' in op && op.campaignId) campaignIds.add(op.campaignId);
      const b = 'barcode' in op ? normalizeBarcode(op.barcode) : null;
      if (b) barcodes.add(b);
      if (op.op === 'open') siteIds.add(op.siteId);
      if (op.op === 'scan') clientIds.push(op.clientId);
    }
    const tubes = await repo.lockAndReadTubes(tx, [...tubeIds], [...barcodes]);
    for (const t of tubes) campaignIds.add(t.campaign_id);
    const state: State = {
      campaigns: new Map((await repo.findCampaigns(tx, [...campaignIds])).map((c) => [c.id, c])),
      sites: new Map((await repo.findSites(tx, [...siteIds])).map((s) => [s.id, s])),
      tubesById: new Map(),
      tubesByKey: new Map(),
      barcodeCampaigns: new Map(),
      scansByClient: new Map((await repo.findScansByClientIds(tx, clientIds)).map((s) => [s.client_id, s])),
      counted: new Map(),
    };
    for (const t of tubes) {
      const st: TubeState = { row: { ...t }, isNew: false, dirty: false };
      state.tubesById.set(t.id, st);
      if (t.barcode) {
        state.tubesByKey.set(tubeKey(t.campaign_id, t.barcode), st);
        const set = state.barcodeCampaigns.get(t.barcode) ?? new Set<string>();
        set.add(t.campaign_id);
        state.barcodeCampaigns.set(t.barcode, set);
      }
    }
    // Counted scans of the scanned persons, per campaign.
    const personsByCampaign = new Map<string, Set<string>>();
    for (const { op, person } of ops) {
      if (op.op !== 'scan' || !person || person instanceof AppError) continue;
      // The tube may be opened by an earlier op of this batch: then the op names its campaign.
      const campaignId = (op.tubeId ? state.tubesById.get(op.tubeId)?.row.campaign_id : undefined) ?? op.campaignId;
      if (!campaignId) continue;
      const set = personsByCampaign.get(campaignId) ?? new Set<string>();
      set.add(person.personId);
      personsByCampaign.set(campaignId, set);
    }
    // Two scans of one person at the same moment on two connections: the second waits here until
    // the first commits, then reads its counted scan (a statement after the lock sees it) and is
    // recorded as "sampled twice". The unique index on counted scans is the database's backstop.
    await lockKeys(
      tx,
      PERSON_LOCK_SPACE,
      [...personsByCampaign].flatMap(([campaignId, persons]) => [...persons].map((p) => personKey(campaignId, p))),
    );
    for (const [campaignId, persons] of personsByCampaign) {
      for (const s of await repo.countedScansOf(tx, campaignId, [...persons])) {
        state.counted.set(personKey(campaignId, s.person_id), { scanId: s.id, tubeResult: s.tube_result, path: s.jurisdiction_path });
      }
    }
    return state;
  }

  /**
   * Applies prepared ops in the caller's transaction, in order: each is applied, answered as a
   * duplicate (its client id was applied before), or rejected with its reason (nothing written for
   * it). One journal entry per actor for the whole batch; coverage counters in the same transaction.
   */
  async function applyPrepared(
    tx: Tx,
    ops: readonly PreparedOp[],
  ): Promise<{ results: BatchItemResult[]; errors: Map<number, AppError>; published: string[] }> {
    const now = deps.clock.now();
    const forced = new Set<string>();
    const claimed = new Set<string>();
    for (let attempt = 0; attempt < 4; attempt++) {
      const state = await loadState(tx, ops);
      const d = decide(state, ops, now, forced);
      const ids = d.applied.map((a) => a.result.clientId).filter((x) => !claimed.has(x));
      const fresh = await claimClientIds(tx, CLIENT_SCOPE, ids, now);
      for (const x of fresh) claimed.add(x);
      const stale = ids.filter((x) => !fresh.has(x));
      if (stale.length) {
        // Applied before by a path this batch could not see (a client id reused for another op,
        // or a concurrent twin): answer those as duplicates and decide the rest again.
        for (const x of stale) forced.add(x);
        continue;
      }
      const published = await write(tx, state, d, now);
      return { results: d.results, errors: d.errors, published };
    }
    throw Errors.CONFLICT({ reason: 'client ids kept changing under this batch; resend it' });
  }

  async function write(tx: Tx, state: State, d: Decision, now: number): Promise<string[]> {
    const published: string[] = [];
    if (!d.applied.length) return published;
    const tubes = [...state.tubesById.values()];
    await repo.insertTubes(
      tx,
      tubes.filter((t) => t.isNew).map((t) => t.row),
    );
    for (const t of tubes) {
      if (t.isNew || !t.dirty) continue;
      const r = t.row;
      await repo.updateTube(tx, r.id, {
        scan_count: r.scan_count,
        status: r.status,
        closed_at: r.closed_at,
        closed_reason: r.closed_reason,
        close_client_id: r.close_client_id,
        updated_at: r.updated_at,
      });
    }
    // Uncount re-sampled scans first: the unique index allows one counted scan per person and campaign.
    if (d.uncount.length) await repo.setScansCounted(tx, d.uncount, 0);
    await repo.insertScans(tx, d.scans);
    for (const f of d.flags) await repo.upsertFlag(tx, f);
    // Counter rows in one global order (campaign, then path: see applyCoverageDeltas), so
    // concurrent batches wait for each other instead of deadlocking.
    for (const [campaignId, deltas] of [...d.deltas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      await repo.applyCoverageDeltas(tx, campaignId, deltas.byPath, now);
      await repo.bumpRate(tx, campaignId, Math.floor(now / 60_000), d.sampledPerCampaign.get(campaignId) ?? 0);
      published.push(await scheduleCoveragePublish(tx, campaignId, now));
    }
    // One entry per acting user: each request of a group commit authenticates to its own Actor
    // object, so group by who acts (not by object), or every single scan would cost a journal entry.
    const byActor = new Map<string, { actor: Actor; items: Applied[] }>();
    for (const a of d.applied) {
      const key = `${a.actor.kind}|${a.actor.userId ?? ''}|${a.actor.name}`;
      const entry = byActor.get(key);
      if (entry) entry.items.push(a);
      else byActor.set(key, { actor: a.actor, items: [a] });
    }
    for (const { actor, items } of byActor.values()) {
      const paths = items.map((a) => state.tubesById.get(a.result.tube!.id)!.row.jurisdiction_path);
      await journal.appendBatch(tx, actor, {
        action: 'testing.scan.batch',
        entityType: 'testing_tube',
        jurisdictionPath: commonPath(paths),
        rows: items.map((a) => a.journalRow),
        summary: {
          opens: items.filter((a) => a.result.op === 'open').length,
          scans: items.filter((a) => a.result.op === 'scan').length,
          closes: items.filter((a) => a.result.op === 'close').length,
          flags: items.reduce((n, a) => n + a.result.flags.length, 0),
        },
      });
    }
    hooks.invalidateLookup(d.scanned);
    return published;
  }

  /**
   * Publish jobs known to exist (committed by a group commit of this process), so later commits in
   * the same second skip scheduling again. Only set after the commit: a rolled-back schedule is not
   * remembered.
   */
  const scheduled = new Set<string>();
  const publishKey = (campaignId: string, now: number) => `testing.coverage:${campaignId}:${Math.floor(now / 1000) + 1}`;

  /** At most one live coverage event per campaign per second: one job per campaign and second. */
  async function scheduleCoveragePublish(tx: Tx, campaignId: string, now: number): Promise<string> {
    const key = publishKey(campaignId, now);
    if (scheduled.has(key)) return key;
    const second = Math.floor(now / 1000) + 1;
    await jobs.schedule(tx, { kind: 'testing.coverage-publish', payload: { campaignId }, runAt: second * 1000, uniqueKey: key, maxAttempts: 2 });
    return key;
  }

  /** After a commit: these publish jobs exist. */
  function remember(keys: readonly string[]): void {
    if (scheduled.size > 10_000) scheduled.clear();
    for (const k of keys) scheduled.add(k);
  }

  // -------------------------------------------------------------------------------------------
  // Group commit for single scans: requests arriving while a transaction runs are applied together
  // in the next one, so a burst of scans costs a few commits instead of one each.

  type Outcome = { result: BatchItemResult; error: AppError | undefined; lastNames: string[] };
  /** `resolvePerson`: a scan whose person is looked up with the rest of its group. */
  type Queued = { op: PreparedOp; resolvePerson?: boolean; resolve: (r: Outcome) => void; reject: (e: unknown) => void };
  const queue: Queued[] = [];
  let draining = false;

  /** The last masked names of the tubes these results touched, one read per tube (after the commit). */
  async function namesOf(results: readonly BatchItemResult[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const r of results) if (r.op === 'scan' && r.tube && !out.has(r.tube.id)) out.set(r.tube.id, await lastNames(r.tube.id));
    return out;
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length) {
        const group = queue.splice(0, GROUP_MAX);
        try {
          // The group's persons in one read, their codes verified together.
          const waiting = group.filter((g) => g.resolvePerson);
          if (waiting.length) {
            const persons = await preparePersons(waiting.map((g) => g.op.op));
            for (const g of waiting)
              g.op.person = persons.get(identifierKey(g.op.op as BatchOp & { op: 'scan' }) ?? '') ?? TestingErrors.PERSON_IDENTIFIER_REQUIRED();
          }
        } catch (err) {
          for (const g of group) g.reject(err);
          continue;
        }
        let outcomes: Outcome[];
        try {
          const { results, errors, published } = await inTx(deps.db, (tx) =>
            applyPrepared(
              tx,
              group.map((g) => g.op),
            ),
          );
          remember(published);
          const names = await namesOf(results);
          outcomes = results.map((r, i) => ({ result: r, error: errors.get(i), lastNames: (r.tube && names.get(r.tube.id)) ?? [] }));
        } catch {
          // One bad item must not fail the others: apply each alone.
          for (const g of group) {
            try {
              const { results, errors, published } = await inTx(deps.db, (tx) => applyPrepared(tx, [g.op]));
              remember(published);
              const names = await namesOf(results);
              const result = firstItem(results, 'the result of the op');
              g.resolve({ result, error: errors.get(0), lastNames: (result.tube && names.get(result.tube.id)) ?? [] });
            } catch (err) {
              g.reject(err);
            }
          }
          continue;
        }
        group.forEach((g, i) => g.resolve(itemAt(outcomes, i, 'the outcome of an op')));
      }
    } finally {
      draining = false;
    }
  }

  /**
   * Queues one op for the next group commit; resolves with its result (and the tube's last masked
   * names), or rejects with its error. `resolvePerson`: look the scan's person up with the group.
   */
  async function submitFull(op: PreparedOp, resolvePerson = false): Promise<Outcome> {
    const o = await new Promise<Outcome>((resolve, reject) => {
      queue.push({ op, resolvePerson, resolve, reject });
      if (!draining) {
        draining = true;
        setImmediate(() => void drain());
      }
    });
    if (o.error) throw o.error;
    return o;
  }
  const submit = async (op: PreparedOp) => (await submitFull(op)).result;

  /**
   * Tells the sampler, on each scan answered applied or duplicate, whether the person is under home
   * or central quarantine or lives in a sealed area (SCAN_ATTENTION), read from control in one query.
   * Only persons the scan resolved inside the campaign (and so the sampler's) scope are looked up.
   */
  async function attachAttention(results: BatchItemResult[], prepared: readonly PreparedOp[], db: DbOrTx = deps.db): Promise<void> {
    const personOf = (i: number): string | null => {
      const p = prepared[i]?.person;
      const r = results[i];
      return r && r.op === 'scan' && r.status !== 'rejected' && p && !(p instanceof AppError) ? p.personId : null;
    };
    const ids = [...new Set(results.map((_, i) => personOf(i)).filter((x): x is string => !!x))];
    if (!ids.length) return;
    const statuses = await deps.services.control.statusesOf(ids, db);
    results.forEach((r, i) => {
      const id = personOf(i);
      const a = id ? attentionOf(statuses.get(id)?.status ?? 'none') : null;
      r.attention = a ? [a] : ([] as ScanAttention[]);
    });
  }

  async function lastNames(tubeId: string, db: DbOrTx = deps.db): Promise<string[]> {
    return (await repo.lastScansOfTube(db, tubeId, 5)).map((s) => s.name_masked);
  }

  return {
    preparePersons,
    applyPrepared,
    scheduleCoveragePublish,

    /** Prepares a batch from a scanner device: validates its size and client ids, looks up persons. */
    async prepareBatch(actor: Actor, items: readonly BatchOp[]): Promise<PreparedOp[]> {
      requireCap(actor, 'testing.sample');
      if (items.length > MAX_BATCH) throw TestingErrors.BATCH_TOO_LARGE({ max: MAX_BATCH, got: items.length });
      const seen = new Set<string>();
      const dups = items.filter((i) => (seen.has(i.clientId) ? true : (seen.add(i.clientId), false))).map((i) => i.clientId);
      if (dups.length) throw TestingErrors.BATCH_CLIENT_ID_DUPLICATE({ clientIds: [...new Set(dups)].slice(0, 20) });
      const persons = await preparePersons(items);
      return items.map((op) => ({ op, actor, person: op.op === 'scan' ? persons.get(identifierKey(op) ?? '') : undefined }));
    },

    /** A whole batch in one transaction (the caller's, or a new one), with per-item results. */
    async applyBatch(trx: Tx | undefined, prepared: readonly PreparedOp[]) {
      const items = await inTx(trx ?? deps.db, async (tx) => {
        const { results } = await applyPrepared(tx, prepared);
        await attachAttention(results, prepared, tx);
        return results;
      });
      const count = (s: string) => items.filter((i) => i.status === s).length;
      return { applied: count('applied'), duplicates: count('duplicate'), rejected: count('rejected'), items };
    },

    /** Opens a tube (one op through the group commit). Throws the op's error when rejected. */
    async openTube(actor: Actor, input: { clientId: string; campaignId: string; siteId: string; barcode: string; poolSize?: 1 | 5 | 10 | 20; at?: number }) {
      requireCap(actor, 'testing.sample');
      return submit({ op: { op: 'open', ...input }, actor });
    },

    /**
     * Adds one person to a tube (group commit). Answers the tube's count and last masked names;
     * a resent clientId answers `duplicate`. Errors are thrown with their reason.
     */
    async scan(
      actor: Actor,
      input: { clientId: string; tubeId: string; residentCode?: string; idNumber?: string; idType?: 'resident_id' | 'passport' | 'hk_macao_tw'; at?: number },
    ) {
      requireCap(actor, 'testing.sample');
      const prepared: PreparedOp = { op: { op: 'scan', ...input }, actor };
      const { result: r, lastNames } = await submitFull(prepared, true);
      // The group commit resolved the person onto `prepared`.
      await attachAttention([r], [prepared]);
      return {
        status: r.status as 'applied' | 'duplicate',
        scanId: r.scanId,
        nameMasked: r.nameMasked,
        tube: r.tube!,
        lastNames,
        flags: r.flags,
        attention: r.attention,
      };
    },

    /** Closes a tube on demand (group commit). Closing a closed tube is an error unless it is a resend. */
    async closeTube(actor: Actor, tubeId: string, clientId?: string) {
      requireCap(actor, 'testing.sample');
      return submit({ op: { op: 'close', clientId: clientId ?? newId(), tubeId }, actor });
    },

    lastNames,

    /** Waits until queued single scans are written (tests and shutdown). */
    async flush(): Promise<void> {
      while (draining || queue.length) await new Promise((r) => setTimeout(r, 2));
    },
  };
}

export type SamplingService = ReturnType<typeof createSamplingService>;
