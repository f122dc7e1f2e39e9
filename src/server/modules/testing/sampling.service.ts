import type { Deps } from '../../deps.js';
import { inTx, lockKeys, type DbOrTx, type Tx } from '../../db/dialect.js';
import { claimClientIds } from '../../platform/applied-ops.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { AppError, Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { canReadCampaign, poolSizeAt, type CampaignService } from './campaigns.service.js';
import type { CodeVerifier } from './code-verifier.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { POOL_SIZES, boundDeviceTime, commonPath, normalizeBarcode, type FlagKind } from './testing.rules.js';
import type { BatchItemResult, BatchOp } from './testing.schemas.js';
import {
  CoverageDeltas,
  flagRow,
  identifierKey,
  inCampaignScope,
  requireCap,
  resolvePersons,
  tubeBriefOf,
  type PersonRef,
} from './testing.shared.js';

/** Scope of client ids in `applied_ops`. */
const CLIENT_SCOPE = 'testing';
export const MAX_BATCH = 2000;
/** Items a group commit applies in one transaction at most. */
const GROUP_MAX = 500;

/** One operation ready to apply: its actor and, for scans, the person already looked up (or why not). */
export interface PreparedOp {
  op: BatchOp;
  actor: Actor;
  person?: PersonRef | AppError;
}

interface TubeState {
  row: repo.TubeRow;
  isNew: boolean;
  dirty: boolean;
}

interface CountedState {
  scanId: string;
  tubeResult: string | null;
  path: string;
}

/** Everything a batch reads before it decides, loaded once per attempt inside the transaction. */
interface State {
  campaigns: Map<string, repo.CampaignRow>;
  sites: Map<string, repo.SiteRow>;
  tubesById: Map<string, TubeState>;
  tubesByKey: Map<string, TubeState>;
  /** Campaign ids that already used each barcode. */
  barcodeCampaigns: Map<string, Set<string>>;
  scansByClient: Map<string, repo.ScanRow>;
  counted: Map<string, CountedState>;
}

/** Advisory-lock key space of "campaign × person" while a scan decides whether it counts. */
const PERSON_LOCK_SPACE = 14_001;

const tubeKey = (campaignId: string, barcode: string) => `${campaignId}\n${barcode}`;
const personKey = (campaignId: string, personId: string) => `${campaignId}\n${personId}`;

/** The outcome of one op inside the transaction, with what to write. */
interface Applied {
  result: BatchItemResult;
  actor: Actor;
  journalRow?: Record<string, unknown>;
}

function rejected(index: number, op: BatchOp, err: AppError): BatchItemResult {
  return { index, clientId: op.clientId, op: op.op, status: 'rejected', error: { code: err.code, message: err.message, details: err.details ?? undefined }, tube: null, scanId: null, nameMasked: null, flags: [] };
}

/**
 * Tubes and scans (the sampling day): opening a tube, adding persons by resident code or ID
 * number, closing; the batch API for scanner devices; single scans through a group commit. Every
 * op carries a client id: a resend is answered `duplicate` and never counts twice.
 */
export function createSamplingService(deps: Deps, campaigns: CampaignService, verifier: CodeVerifier, hooks: { invalidateLookup(personIds: Iterable<string>): void }) {
  const { journal, jobs } = deps.services;

  /**
   * Looks up the persons of scan ops (outside any transaction: reads only), all at once: resident
   * codes verified in bulk (off the main thread for larger sets) while the persons are read in
   * one query per 500.
   */
  async function preparePersons(ops: readonly BatchOp[]): Promise<Map<string, PersonRef | AppError>> {
    return resolvePersons(deps, verifier, ops.filter((op): op is BatchOp & { op: 'scan' } => op.op === 'scan'));
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
    await lockKeys(tx, PERSON_LOCK_SPACE, [...personsByCampaign].flatMap(([campaignId, persons]) => [...persons].map((p) => personKey(campaignId, p))));
    for (const [campaignId, persons] of personsByCampaign) {
      for (const s of await repo.countedScansOf(tx, campaignId, [...persons])) {
        state.counted.set(personKey(campaignId, s.person_id), { scanId: s.id, tubeResult: s.tube_result, path: s.jurisdiction_path });
      }
    }
    return state;
  }

  /** Decides every op against the loaded state (in order), collecting what to write. */
  function decide(state: State, ops: readonly PreparedOp[], now: number, forcedDuplicates: ReadonlySet<string>) {
    const applied: Applied[] = [];
    const results: BatchItemResult[] = [];
    const errors = new Map<number, AppError>();
    const scans: repo.ScanRow[] = [];
    const uncount: string[] = [];
    const flags = new Map<string, repo.FlagRow>();
    const deltas = new Map<string, CoverageDeltas>();
    const sampledPerCampaign = new Map<string, number>();
    const scanned = new Set<string>();

    const flag = (f: Parameters<typeof flagRow>[0]) => {
      const key = `${f.campaignId}\n${f.kind}\n${f.subjectKey}`;
      const prior = flags.get(key);
      if (prior) {
        prior.occurrences += 1;
        prior.detail = JSON.stringify(f.detail);
      } else flags.set(key, flagRow(f));
    };
    const deltaOf = (campaignId: string) => {
      let d = deltas.get(campaignId);
      if (!d) deltas.set(campaignId, (d = new CoverageDeltas()));
      return d;
    };
    /** The device's time if believable (boundDeviceTime), else the server's, with the tube flagged. */
    const deviceTime = (op: BatchOp, tube: repo.TubeRow, raised: FlagKind[]): number => {
      const t = boundDeviceTime(op.at, now);
      if (t.outOfRange) {
        flag({ id: newId(now), campaignId: tube.campaign_id, kind: 'device_time_out_of_range', subjectKey: tube.id, tubeId: tube.id, path: tube.jurisdiction_path, detail: { op: op.op, clientId: op.clientId, deviceAt: op.at, recordedAt: now }, now });
        raised.push('device_time_out_of_range');
      }
      return t.at;
    };
    const findTube = (actor: Actor, op: { tubeId?: string; campaignId?: string; barcode?: string }): TubeState => {
      let st: TubeState | undefined;
      if (op.tubeId) st = state.tubesById.get(op.tubeId);
      else {
        const b = normalizeBarcode(op.barcode);
        if (!b) throw TestingErrors.BARCODE_MALFORMED({ barcode: op.barcode ?? null });
        if (op.campaignId) st = state.tubesByKey.get(tubeKey(op.campaignId, b));
      }
      if (!st || !inScope(actor, st.row.jurisdiction_path)) throw TestingErrors.TUBE_NOT_FOUND({ tubeId: op.tubeId ?? null, barcode: op.barcode ?? null });
      return st;
    };
    const done = (index: number, op: BatchOp, status: 'applied' | 'duplicate', tube: TubeState | undefined, extra: Partial<BatchItemResult> = {}): BatchItemResult => ({
      index,
      clientId: op.clientId,
      op: op.op,
      status,
      error: null,
      tube: tube ? tubeBriefOf(tube.row) : null,
      scanId: null,
      nameMasked: null,
      flags: [],
      ...extra,
    });

    ops.forEach(({ op, actor, person }, index) => {
      try {
        if (forcedDuplicates.has(op.clientId)) {
          const st = op.op === 'scan' ? state.tubesById.get(state.scansByClient.get(op.clientId)?.tube_id ?? '') : undefined;
          results.push(done(index, op, 'duplicate', st));
          return;
        }
        if (op.op === 'open') {
          const b = normalizeBarcode(op.barcode);
          const existing = b ? state.tubesByKey.get(tubeKey(op.campaignId, b)) : undefined;
          if (existing && existing.row.open_client_id === op.clientId && inScope(actor, existing.row.jurisdiction_path)) {
            results.push(done(index, op, 'duplicate', existing));
            return;
          }
          if (!b) throw TestingErrors.BARCODE_MALFORMED({ barcode: op.barcode });
          const c = state.campaigns.get(op.campaignId);
          if (!c || !canReadCampaign(actor, c)) throw TestingErrors.CAMPAIGN_NOT_FOUND({ id: op.campaignId });
          if (c.status !== 'active') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id: c.id, status: c.status });
          const site = state.sites.get(op.siteId);
          if (!site || !inScope(actor, site.jurisdiction_path)) throw TestingErrors.SITE_NOT_FOUND({ id: op.siteId });
          if (Number(site.active) !== 1) throw TestingErrors.SITE_INACTIVE({ id: site.id });
          // A site inside the scope, or above part of it (a community's site for a one-compound campaign).
          if (!(JSON.parse(c.scope_paths) as string[]).some((p) => site.jurisdiction_path.startsWith(p) || p.startsWith(site.jurisdiction_path))) {
            throw TestingErrors.SITE_OUTSIDE_CAMPAIGN({ siteId: site.id, campaignId: c.id });
          }
          if (existing) throw TestingErrors.TUBE_BARCODE_IN_USE({ barcode: b, tubeId: existing.row.id });
          const poolSize = op.poolSize ?? poolSizeAt(c, site.jurisdiction_path);
          if (!(POOL_SIZES as readonly number[]).includes(poolSize)) throw TestingErrors.POOL_SIZE_INVALID({ poolSize });
          const tubeId = newId(now);
          const raised: FlagKind[] = [];
          const at = deviceTime(op, { id: tubeId, campaign_id: c.id, jurisdiction_path: site.jurisdiction_path } as repo.TubeRow, raised);
          const row: repo.TubeRow = {
            id: tubeId,
            campaign_id: c.id,
            barcode: b,
            kind: 'pool',
            pool_size: poolSize,
            status: 'open',
            site_id: site.id,
            jurisdiction_path: site.jurisdiction_path,
            parent_tube_id: null,
            scan_count: 0,
            open_client_id: op.clientId,
            opened_by: actor.userId,
            opened_by_name: actor.name,
            opened_at: at,
            closed_at: null,
            closed_reason: null,
            close_client_id: null,
            box_code: null,
            received_at: null,
            received_by: null,
            result: null,
            ct_orf1ab: null,
            ct_n: null,
            result_at: null,
            lab: null,
            created_at: now,
            updated_at: now,
          };
          const st: TubeState = { row, isNew: true, dirty: true };
          state.tubesById.set(row.id, st);
          state.tubesByKey.set(tubeKey(c.id, b), st);
          const others = [...(state.barcodeCampaigns.get(b) ?? [])].filter((x) => x !== c.id);
          if (others.length) {
            flag({ id: newId(now), campaignId: c.id, kind: 'tube_reused', subjectKey: b, tubeId: row.id, path: row.jurisdiction_path, detail: { barcode: b, otherCampaignIds: others }, now });
            raised.push('tube_reused');
          }
          state.barcodeCampaigns.set(b, new Set([...others, c.id]));
          results.push(done(index, op, 'applied', st, { flags: raised }));
          applied.push({ result: results[results.length - 1], actor, journalRow: { op: 'open', clientId: op.clientId, tubeId: row.id, barcode: b, campaignId: c.id, siteId: site.id, poolSize } });
          return;
        }

        if (op.op === 'scan') {
          const prior = state.scansByClient.get(op.clientId);
          if (prior) {
            results.push(done(index, op, 'duplicate', state.tubesById.get(prior.tube_id), { scanId: prior.id, nameMasked: prior.name_masked }));
            return;
          }
          const st = findTube(actor, op);
          const t = st.row;
          if (t.kind !== 'pool') throw TestingErrors.TUBE_KIND_INVALID({ tubeId: t.id });
          const c = state.campaigns.get(t.campaign_id)!;
          if (c.status !== 'active') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id: c.id, status: c.status });
          const overflow = t.status === 'closed' && t.closed_reason === 'full';
          if (t.status !== 'open' && !overflow) throw TestingErrors.TUBE_CLOSED({ tubeId: t.id, status: t.status, closedReason: t.closed_reason });
          if (!person) throw TestingErrors.PERSON_IDENTIFIER_REQUIRED();
          if (person instanceof AppError) throw person;
          if (!inCampaignScope(JSON.parse(c.scope_paths), person.path)) {
            // A typed ID number of someone registered outside the caller's scope is answered as an
            // unregistered one: otherwise a scan would tell a district who is registered elsewhere
            // (issue 14). A resident code is signed, so presenting one discloses nothing new.
            if (person.method === 'id_number' && !inScope(actor, person.path)) throw TestingErrors.PERSON_NOT_FOUND({ by: 'idNumber' });
            throw TestingErrors.PERSON_OUTSIDE_CAMPAIGN({ campaignId: c.id });
          }

          const raised: FlagKind[] = [];
          const scanId = newId(now);
          const pk = personKey(c.id, person.personId);
          const before = state.counted.get(pk);
          const d = deltaOf(c.id);
          let counted = 1;
          if (!before) {
            d.add(person.path, 'sampled', 1);
            sampledPerCampaign.set(c.id, (sampledPerCampaign.get(c.id) ?? 0) + 1);
          } else if (before.tubeResult === 'invalid') {
            // Re-sampled after an invalid tube: this scan counts instead of the old one.
            uncount.push(before.scanId);
            d.add(before.path, 'invalid', -1);
            d.add(before.path, 'sampled', -1);
            d.add(person.path, 'sampled', 1);
          } else {
            counted = 0;
            flag({ id: newId(now), campaignId: c.id, kind: 'person_sampled_twice', subjectKey: person.personId, personId: person.personId, tubeId: t.id, path: person.path, detail: { firstScanId: before.scanId, scanId, tubeId: t.id, barcode: t.barcode }, now });
            raised.push('person_sampled_twice');
          }
          if (counted) state.counted.set(pk, { scanId, tubeResult: null, path: person.path });
          t.scan_count = Number(t.scan_count) + 1;
          if (t.scan_count > Number(t.pool_size)) {
            flag({ id: newId(now), campaignId: c.id, kind: 'tube_over_pool', subjectKey: t.id, tubeId: t.id, path: t.jurisdiction_path, detail: { barcode: t.barcode, poolSize: Number(t.pool_size), count: t.scan_count }, now });
            raised.push('tube_over_pool');
          }
          if (t.status === 'open' && t.scan_count >= Number(t.pool_size)) {
            t.status = 'closed';
            t.closed_reason = 'full';
            t.closed_at = now;
          }
          t.updated_at = now;
          st.dirty = true;
          const scan: repo.ScanRow = {
            id: scanId,
            campaign_id: c.id,
            tube_id: t.id,
            person_id: person.personId,
            jurisdiction_path: person.path,
            name_masked: person.nameMasked,
            method: person.method,
            client_id: op.clientId,
            counted,
            recheck: 0,
            sampler_id: actor.userId,
            sampler_name: actor.name,
            scanned_at: deviceTime(op, t, raised),
            recorded_at: now,
          };
          scans.push(scan);
          state.scansByClient.set(op.clientId, scan);
          scanned.add(person.personId);
          results.push(done(index, op, 'applied', st, { scanId, nameMasked: person.nameMasked, flags: raised }));
          applied.push({ result: results[results.length - 1], actor, journalRow: { op: 'scan', clientId: op.clientId, tubeId: t.id, scanId, personId: person.personId, counted } });
          return;
        }

        // close
        const st = findTube(actor, op);
        const t = st.row;
        if (t.close_client_id === op.clientId) {
          results.push(done(index, op, 'duplicate', st));
          return;
        }
        if (t.status !== 'open') throw TestingErrors.TUBE_ALREADY_CLOSED({ tubeId: t.id, status: t.status, closedReason: t.closed_reason });
        if (Number(t.scan_count) === 0) throw TestingErrors.TUBE_EMPTY({ tubeId: t.id });
        t.status = 'closed';
        t.closed_reason = 'manual';
        const closeFlags: FlagKind[] = [];
        t.closed_at = deviceTime(op, t, closeFlags);
        t.close_client_id = op.clientId;
        t.updated_at = now;
        st.dirty = true;
        results.push(done(index, op, 'applied', st, { flags: closeFlags }));
        applied.push({ result: results[results.length - 1], actor, journalRow: { op: 'close', clientId: op.clientId, tubeId: t.id, count: Number(t.scan_count) } });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        errors.set(index, err);
        results.push(rejected(index, op, err));
      }
    });
    // Tube briefs reflect the tube after the whole batch.
    for (const r of results) if (r.tube) r.tube = tubeBriefOf(state.tubesById.get(r.tube.id)!.row);
    return { applied, results, errors, scans, uncount, flags: [...flags.values()], deltas, sampledPerCampaign, scanned };
  }

  /**
   * Applies prepared ops in the caller's transaction, in order: each is applied, answered as a
   * duplicate (its client id was applied before), or rejected with its reason (nothing written for
   * it). One journal entry per actor for the whole batch; coverage counters in the same transaction.
   */
  async function applyPrepared(tx: Tx, ops: readonly PreparedOp[]): Promise<{ results: BatchItemResult[]; errors: Map<number, AppError>; published: string[] }> {
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

  async function write(tx: Tx, state: State, d: ReturnType<typeof decide>, now: number): Promise<string[]> {
    const published: string[] = [];
    if (!d.applied.length) return published;
    const tubes = [...state.tubesById.values()];
    await repo.insertTubes(tx, tubes.filter((t) => t.isNew).map((t) => t.row));
    for (const t of tubes) {
      if (t.isNew || !t.dirty) continue;
      const r = t.row;
      await repo.updateTube(tx, r.id, { scan_count: r.scan_count, status: r.status, closed_at: r.closed_at, closed_reason: r.closed_reason, close_client_id: r.close_client_id, updated_at: r.updated_at });
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
            for (const g of waiting) g.op.person = persons.get(identifierKey(g.op.op as BatchOp & { op: 'scan' }) ?? '') ?? TestingErrors.PERSON_IDENTIFIER_REQUIRED();
          }
        } catch (err) {
          for (const g of group) g.reject(err);
          continue;
        }
        let outcomes: Outcome[];
        try {
          const { results, errors, published } = await inTx(deps.db, (tx) => applyPrepared(tx, group.map((g) => g.op)));
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
              g.resolve({ result: results[0], error: errors.get(0), lastNames: (results[0].tube && names.get(results[0].tube.id)) ?? [] });
            } catch (err) {
              g.reject(err);
            }
          }
          continue;
        }
        group.forEach((g, i) => g.resolve(outcomes[i]));
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
      const { results: items } = await inTx(trx ?? deps.db, (tx) => applyPrepared(tx, prepared));
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
    async scan(actor: Actor, input: { clientId: string; tubeId: string; residentCode?: string; idNumber?: string; idType?: 'resident_id' | 'passport' | 'hk_macao_tw'; at?: number }) {
      requireCap(actor, 'testing.sample');
      const op: BatchOp = { op: 'scan', ...input };
      const { result: r, lastNames } = await submitFull({ op, actor }, true);
      return { status: r.status as 'applied' | 'duplicate', scanId: r.scanId, nameMasked: r.nameMasked, tube: r.tube!, lastNames, flags: r.flags };
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

