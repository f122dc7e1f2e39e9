import { inScope, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { canReadCampaign, poolSizeAt } from './campaigns.service.js';
import { TestingErrors } from './testing.errors.js';
import type * as repo from './testing.repository.js';
import { POOL_SIZES, boundDeviceTime, normalizeBarcode, type FlagKind } from './testing.rules.js';
import type { BatchItemResult, BatchOp } from './testing.schemas.js';
import { CoverageDeltas, flagRow, inCampaignScope, tubeBriefOf, type PersonRef } from './testing.shared.js';

/**
 * How a batch of sampling ops is decided: one function per operation (open, scan, close), each
 * taking the batch's loaded state and one op and answering its result. No I/O: they change only the
 * in-memory state (so a later op of the batch sees an earlier one's tube) and the decision's
 * collections of what to write. The sampling service loads the state, decides, then writes.
 */

/** One operation ready to apply: its actor and, for scans, the person already looked up (or why not). */
export interface PreparedOp {
  op: BatchOp;
  actor: Actor;
  person?: PersonRef | AppError;
}

export interface TubeState {
  row: repo.TubeRow;
  isNew: boolean;
  dirty: boolean;
}

export interface CountedState {
  scanId: string;
  tubeResult: string | null;
  path: string;
}

/** Everything a batch reads before it decides, loaded once per attempt inside the transaction. */
export interface State {
  campaigns: Map<string, repo.CampaignRow>;
  sites: Map<string, repo.SiteRow>;
  tubesById: Map<string, TubeState>;
  tubesByKey: Map<string, TubeState>;
  /** Campaign ids that already used each barcode. */
  barcodeCampaigns: Map<string, Set<string>>;
  scansByClient: Map<string, repo.ScanRow>;
  counted: Map<string, CountedState>;
}

export const tubeKey = (campaignId: string, barcode: string) => `${campaignId}\n${barcode}`;
export const personKey = (campaignId: string, personId: string) => `${campaignId}\n${personId}`;

/** The outcome of one op inside the transaction, with what to write. */
export interface Applied {
  result: BatchItemResult;
  actor: Actor;
  journalRow?: Record<string, unknown>;
}

/** What one op decided: its result, and (when applied) its row in the batch's journal entry. */
export interface OpOutcome {
  result: BatchItemResult;
  journalRow?: Record<string, unknown>;
}

/** The batch's state and the writes collected so far, shared by the per-op functions. */
export class DecideContext {
  readonly scans: repo.ScanRow[] = [];
  /** Scans that stop counting (re-sampled after an invalid tube). */
  readonly uncount: string[] = [];
  readonly flags = new Map<string, repo.FlagRow>();
  readonly deltas = new Map<string, CoverageDeltas>();
  readonly sampledPerCampaign = new Map<string, number>();
  readonly scanned = new Set<string>();

  constructor(
    readonly state: State,
    readonly now: number,
  ) {}

  /** Raises a flag, or counts one more occurrence of the same flag raised earlier in the batch. */
  flag(f: Parameters<typeof flagRow>[0]): void {
    const key = `${f.campaignId}\n${f.kind}\n${f.subjectKey}`;
    const prior = this.flags.get(key);
    if (prior) {
      prior.occurrences += 1;
      prior.detail = JSON.stringify(f.detail);
    } else this.flags.set(key, flagRow(f));
  }

  deltaOf(campaignId: string): CoverageDeltas {
    let d = this.deltas.get(campaignId);
    if (!d) this.deltas.set(campaignId, (d = new CoverageDeltas()));
    return d;
  }

  /** The device's time if believable (boundDeviceTime), else the server's, with the tube flagged. */
  deviceTime(op: BatchOp, tube: Pick<repo.TubeRow, 'id' | 'campaign_id' | 'jurisdiction_path'>, raised: FlagKind[]): number {
    const now = this.now;
    const t = boundDeviceTime(op.at, now);
    if (t.outOfRange) {
      this.flag({
        id: newId(now),
        campaignId: tube.campaign_id,
        kind: 'device_time_out_of_range',
        subjectKey: tube.id,
        tubeId: tube.id,
        path: tube.jurisdiction_path,
        detail: { op: op.op, clientId: op.clientId, deviceAt: op.at, recordedAt: now },
        now,
      });
      raised.push('device_time_out_of_range');
    }
    return t.at;
  }

  /** The tube an op names (by id, or by campaign and barcode), in the actor's scope. */
  findTube(actor: Actor, op: { tubeId?: string; campaignId?: string; barcode?: string }): TubeState {
    let st: TubeState | undefined;
    if (op.tubeId) st = this.state.tubesById.get(op.tubeId);
    else {
      const b = normalizeBarcode(op.barcode);
      if (!b) throw TestingErrors.BARCODE_MALFORMED({ barcode: op.barcode ?? null });
      if (op.campaignId) st = this.state.tubesByKey.get(tubeKey(op.campaignId, b));
    }
    if (!st || !inScope(actor, st.row.jurisdiction_path)) throw TestingErrors.TUBE_NOT_FOUND({ tubeId: op.tubeId ?? null, barcode: op.barcode ?? null });
    return st;
  }
}

function done(index: number, op: BatchOp, status: 'applied' | 'duplicate', tube: TubeState | undefined, extra: Partial<BatchItemResult> = {}): BatchItemResult {
  return {
    index,
    clientId: op.clientId,
    op: op.op,
    status,
    error: null,
    tube: tube ? tubeBriefOf(tube.row) : null,
    scanId: null,
    nameMasked: null,
    flags: [],
    attention: [],
    ...extra,
  };
}

export function rejected(index: number, op: BatchOp, err: AppError): BatchItemResult {
  return {
    index,
    clientId: op.clientId,
    op: op.op,
    status: 'rejected',
    error: { code: err.code, message: err.message, details: err.details ?? undefined },
    tube: null,
    scanId: null,
    nameMasked: null,
    flags: [],
    attention: [],
  };
}

/** An op whose client id was applied before by a path this batch could not see: answered `duplicate`. */
export function decideForcedDuplicate(ctx: DecideContext, index: number, op: BatchOp): OpOutcome {
  const st = op.op === 'scan' ? ctx.state.tubesById.get(ctx.state.scansByClient.get(op.clientId)?.tube_id ?? '') : undefined;
  return { result: done(index, op, 'duplicate', st) };
}

/**
 * Opens a tube: a resent open of the same barcode answers `duplicate`; otherwise the campaign must be
 * active and readable, the site active, in scope and in (or above part of) the campaign's scope,
 * the barcode unused in this campaign, and the pool size one of POOL_SIZES. A barcode used by
 * another campaign is allowed and flagged `tube_reused`.
 */
export function decideOpen(ctx: DecideContext, index: number, op: BatchOp & { op: 'open' }, actor: Actor): OpOutcome {
  const { state, now } = ctx;
  const b = normalizeBarcode(op.barcode);
  const existing = b ? state.tubesByKey.get(tubeKey(op.campaignId, b)) : undefined;
  if (existing && existing.row.open_client_id === op.clientId && inScope(actor, existing.row.jurisdiction_path)) {
    return { result: done(index, op, 'duplicate', existing) };
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
  const at = ctx.deviceTime(op, { id: tubeId, campaign_id: c.id, jurisdiction_path: site.jurisdiction_path }, raised);
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
    ctx.flag({
      id: newId(now),
      campaignId: c.id,
      kind: 'tube_reused',
      subjectKey: b,
      tubeId: row.id,
      path: row.jurisdiction_path,
      detail: { barcode: b, otherCampaignIds: others },
      now,
    });
    raised.push('tube_reused');
  }
  state.barcodeCampaigns.set(b, new Set([...others, c.id]));
  return {
    result: done(index, op, 'applied', st, { flags: raised }),
    journalRow: { op: 'open', clientId: op.clientId, tubeId: row.id, barcode: b, campaignId: c.id, siteId: site.id, poolSize },
  };
}

/**
 * Adds a person to a tube: a resent client id answers `duplicate`. The tube must be a pool tube of an
 * active campaign, open (or closed only because it filled up: the scan still counts, flagged
 * `tube_over_pool`), and the person inside the campaign's scope. The first counted scan of a person
 * in a campaign counts; a second is recorded uncounted and flagged `person_sampled_twice`, unless the
 * first tube was invalid (then the new scan counts instead). A tube that reaches its pool size closes
 * as `full`.
 */
export function decideScan(ctx: DecideContext, index: number, op: BatchOp & { op: 'scan' }, actor: Actor, person: PersonRef | AppError | undefined): OpOutcome {
  const { state, now } = ctx;
  const prior = state.scansByClient.get(op.clientId);
  if (prior) {
    return { result: done(index, op, 'duplicate', state.tubesById.get(prior.tube_id), { scanId: prior.id, nameMasked: prior.name_masked }) };
  }
  const st = ctx.findTube(actor, op);
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
  const d = ctx.deltaOf(c.id);
  let counted = 1;
  if (!before) {
    d.add(person.path, 'sampled', 1);
    ctx.sampledPerCampaign.set(c.id, (ctx.sampledPerCampaign.get(c.id) ?? 0) + 1);
  } else if (before.tubeResult === 'invalid') {
    // Re-sampled after an invalid tube: this scan counts instead of the old one.
    ctx.uncount.push(before.scanId);
    d.add(before.path, 'invalid', -1);
    d.add(before.path, 'sampled', -1);
    d.add(person.path, 'sampled', 1);
  } else {
    counted = 0;
    ctx.flag({
      id: newId(now),
      campaignId: c.id,
      kind: 'person_sampled_twice',
      subjectKey: person.personId,
      personId: person.personId,
      tubeId: t.id,
      path: person.path,
      detail: { firstScanId: before.scanId, scanId, tubeId: t.id, barcode: t.barcode },
      now,
    });
    raised.push('person_sampled_twice');
  }
  if (counted) state.counted.set(pk, { scanId, tubeResult: null, path: person.path });
  t.scan_count = Number(t.scan_count) + 1;
  if (t.scan_count > Number(t.pool_size)) {
    ctx.flag({
      id: newId(now),
      campaignId: c.id,
      kind: 'tube_over_pool',
      subjectKey: t.id,
      tubeId: t.id,
      path: t.jurisdiction_path,
      detail: { barcode: t.barcode, poolSize: Number(t.pool_size), count: t.scan_count },
      now,
    });
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
    scanned_at: ctx.deviceTime(op, t, raised),
    recorded_at: now,
  };
  ctx.scans.push(scan);
  state.scansByClient.set(op.clientId, scan);
  ctx.scanned.add(person.personId);
  return {
    result: done(index, op, 'applied', st, { scanId, nameMasked: person.nameMasked, flags: raised }),
    journalRow: { op: 'scan', clientId: op.clientId, tubeId: t.id, scanId, personId: person.personId, counted },
  };
}

/** Closes a tube by hand: a resend answers `duplicate`; the tube must be open and not empty. */
export function decideClose(ctx: DecideContext, index: number, op: BatchOp & { op: 'close' }, actor: Actor): OpOutcome {
  const { now } = ctx;
  const st = ctx.findTube(actor, op);
  const t = st.row;
  if (t.close_client_id === op.clientId) {
    return { result: done(index, op, 'duplicate', st) };
  }
  if (t.status !== 'open') throw TestingErrors.TUBE_ALREADY_CLOSED({ tubeId: t.id, status: t.status, closedReason: t.closed_reason });
  if (Number(t.scan_count) === 0) throw TestingErrors.TUBE_EMPTY({ tubeId: t.id });
  t.status = 'closed';
  t.closed_reason = 'manual';
  const closeFlags: FlagKind[] = [];
  t.closed_at = ctx.deviceTime(op, t, closeFlags);
  t.close_client_id = op.clientId;
  t.updated_at = now;
  st.dirty = true;
  return {
    result: done(index, op, 'applied', st, { flags: closeFlags }),
    journalRow: { op: 'close', clientId: op.clientId, tubeId: t.id, count: Number(t.scan_count) },
  };
}

/**
 * Decides every op against the loaded state, in order, collecting what to write. An op the rules
 * reject is answered `rejected` with its error and writes nothing; the others go on.
 */
export function decide(state: State, ops: readonly PreparedOp[], now: number, forcedDuplicates: ReadonlySet<string>) {
  const ctx = new DecideContext(state, now);
  const applied: Applied[] = [];
  const results: BatchItemResult[] = [];
  const errors = new Map<number, AppError>();
  ops.forEach(({ op, actor, person }, index) => {
    try {
      const outcome = forcedDuplicates.has(op.clientId)
        ? decideForcedDuplicate(ctx, index, op)
        : op.op === 'open'
          ? decideOpen(ctx, index, op, actor)
          : op.op === 'scan'
            ? decideScan(ctx, index, op, actor, person)
            : decideClose(ctx, index, op, actor);
      results.push(outcome.result);
      if (outcome.journalRow) applied.push({ result: outcome.result, actor, journalRow: outcome.journalRow });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      errors.set(index, err);
      results.push(rejected(index, op, err));
    }
  });
  // Tube briefs reflect the tube after the whole batch.
  for (const r of results) if (r.tube) r.tube = tubeBriefOf(state.tubesById.get(r.tube.id)!.row);
  const { scans, uncount, flags, deltas, sampledPerCampaign, scanned } = ctx;
  return { applied, results, errors, scans, uncount, flags: [...flags.values()], deltas, sampledPerCampaign, scanned };
}

export type Decision = ReturnType<typeof decide>;
