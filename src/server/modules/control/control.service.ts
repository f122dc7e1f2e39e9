import type { Capability } from '../../../common/roles.js';
import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import { defineErrors, Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import * as repo from './control.repository.js';
import { createReviewService } from './control-reviews.service.js';
import type { ControlBulkRequestsTable, ControlStatusChangesTable, ControlStatusesTable } from './control.table.js';
import { ALLOWED_TRANSITIONS, AREA_MEASURE_STATUSES, AREA_MEASURES, BASIS_TYPES, CONTROL_STATUSES, MEASURES, PERSON_MEASURE_STATUSES, commonPath, transitionProblem, type Basis, type BasisType, type ControlStatus } from './control.rules.js';
import type { AreaMeasureStatus } from '../../../common/control.js';

export * from './control.rules.js';
export { ReviewErrors, REVIEW_MIN_TEXT, type CreateReviewInput, type ReviewService } from './control-reviews.service.js';

/** Capabilities used by this module (rows of the capability table in src/common/roles.ts). */
const CAP_READ: Capability = 'control.read';
const CAP_CHANGE: Capability = 'control.change';
const CAP_APPROVE: Capability = 'status.approve-bulk';

/** Manual changes affecting more persons than this wait for a second approver (settings row overrides). */
export const DEFAULT_BULK_THRESHOLD = 20;
export const BULK_THRESHOLD_SETTING = 'control.bulk_threshold';
/**
 * The window over which one actor's manual changes add up against the bulk threshold (local
 * parameter: the texts set none). 20 persons in one request, or 20 in ten requests of 2 within
 * the window, both need a second person.
 */
export const BULK_WINDOW_MS = 24 * 3_600_000;

export const ControlErrors = defineErrors({
  CONTROL_BASIS_REQUIRED: [422, 'A control status change must cite its basis (a positive tube, a case, a contact link, a risk area, a recheck or a manual review)'],
  CONTROL_BASIS_TYPE_INVALID: [422, 'The basis type is not one the status guard accepts'],
  CONTROL_BASIS_NOT_FOUND: [422, 'The cited basis does not exist'],
  CONTROL_REVIEW_NOT_APPROVED: [422, 'A manual_review basis must name an approved review record in your scope (研判记录须经第二人审批)'],
  CONTROL_TRANSITION_INVALID: [409, 'This status change is not allowed from the current status'],
  CONTROL_ENDS_AT_INVALID: [422, 'The end time is not valid for this status'],
  CONTROL_AREA_MEASURE_BASIS: [422, 'Sealed and controlled are measures of a risk area: they must cite a published risk area as their basis'],
  CONTROL_PERSON_NOT_FOUND: [404, 'Person not found'],
  CONTROL_NO_PERSONS: [422, 'Name at least one person'],
  CONTROL_CONCURRENT_CHANGE: [409, "Another change to one of these persons' status was saved first; reload and retry"],
  CONTROL_BULK_REQUEST_NOT_FOUND: [404, 'Bulk request not found'],
  CONTROL_BULK_NOT_PENDING: [409, 'The bulk request has already been decided'],
  CONTROL_SELF_APPROVAL: [403, 'A bulk change must be approved by a second person, not its requester'],
  CONTROL_THRESHOLD_INVALID: [422, 'The bulk threshold must be a whole number of at least 1'],
});

// ---------------------------------------------------------------------------------------------
// DTOs (shared with the web in src/common/control.ts)

export type { ActorRef, BulkRequestDto, ControlStatusDto, ControlSummaryDto, ExplanationDto, MeasureOrReleased, StatusChangeDto } from '../../../common/control.js';
import type { ActorRef, BulkRequestDto, ControlStatusDto, ControlSummaryDto, ExplanationDto, MeasureOrReleased, StatusChangeDto } from '../../../common/control.js';

export interface ChangeInput {
  personIds: readonly string[];
  to: ControlStatus;
  /** Required by the guard; typed optional so callers relaying user input get the 422, not a crash. */
  basis?: Partial<Basis> | null;
  reason?: string | null;
  /** Epoch ms the measure ends (measures only). */
  endsAt?: number | null;
}

export interface AutomaticInput extends ChangeInput {
  /** The protocol preset version the measure follows (防控方案 edition). */
  presetVersion?: string | null;
  /**
   * What to do with persons for whom the transition is not allowed (already under an equal or
   * stricter measure, say): `skip` leaves them unchanged and lists them; `throw` refuses the whole
   * change with 409. Default `skip`: a positive tube must not fail because one of its ten persons
   * is already in central quarantine.
   */
  ifNotAllowed?: 'skip' | 'throw';
}

export interface AutomaticResult {
  applied: number;
  changes: { personId: string; from: ControlStatus; to: ControlStatus }[];
  skipped: { personId: string; status: ControlStatus; problem: string }[];
  journalSeq: number | null;
}

export type RequestChangeResult =
  | { kind: 'applied'; applied: number; personIds: string[] }
  | { kind: 'pending'; bulkRequest: BulkRequestDto };

/**
 * Checks that a basis record exists, inside the caller's transaction. Registered by the module that
 * owns it. `actor` is who cites it (absent for a system re-check), for validators that scope records.
 */
export type BasisValidator = (trx: DbOrTx, id: string, actor?: Actor) => Promise<boolean>;

/**
 * The area measure each person's residence is under now (the strictest published risk area that
 * covers it), or nothing. Registered by zoning; control asks it when a person measure ends, so a
 * resident of a sealed compound released from a recheck or a quarantine returns to the seal.
 */
export type AreaMeasureResolver = (trx: DbOrTx, personIds: readonly string[]) => Promise<Map<string, { status: AreaMeasureStatus; areaId: string }>>;

/** The reason written when a person measure ends inside a standing risk area. */
export const BACK_TO_AREA_MEASURE_REASON = '个人管控措施结束，仍在风险区内 · Person measure ended; still inside a risk area';

// ---------------------------------------------------------------------------------------------
// Helpers

/** A path and each of its ancestors, plus the root: the counter rows a person at `path` counts in. */
function pathAndAncestors(path: string): string[] {
  const segs = path.split('/').filter(Boolean);
  const out = ['/'];
  for (let i = 1; i <= segs.length; i++) out.push(`/${segs.slice(0, i).join('/')}/`);
  return out;
}

/** Accumulates counter changes per (path, status) over a person's path and all its ancestors. */
class CountDeltas {
  private readonly byKey = new Map<string, repo.CountDelta>();
  bump(path: string, status: string, delta: number): void {
    if (status === 'none') return; // everyone not under a measure is `none`; not counted
    for (const p of pathAndAncestors(path)) {
      const k = `${p}\u0000${status}`;
      const d = this.byKey.get(k);
      if (d) d.delta += delta;
      else this.byKey.set(k, { path: p, status, delta });
    }
  }
  list(): repo.CountDelta[] {
    return [...this.byKey.values()];
  }
}

const actorRef = (id: string | null, name: string | null): ActorRef => ({ id, name: name ?? '' });

function statusDto(personId: string, r: ControlStatusesTable | undefined): ControlStatusDto {
  if (!r) return { personId, status: 'none', since: null, endsAt: null, basis: null, reason: null, presetVersion: null, updatedAt: null };
  return {
    personId,
    status: r.status as ControlStatus,
    since: Number(r.since),
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    basis: { type: r.basis_type as BasisType, id: r.basis_id },
    reason: r.reason,
    presetVersion: r.preset_version,
    updatedAt: Number(r.updated_at),
  };
}

function changeDto(r: repo.ChangeWithRequest): StatusChangeDto {
  return {
    id: r.id,
    from: r.from_status as ControlStatus,
    to: r.to_status as ControlStatus,
    basis: { type: r.basis_type as BasisType, id: r.basis_id },
    reason: r.reason,
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    mode: r.mode as StatusChangeDto['mode'],
    presetVersion: r.preset_version,
    actor: actorRef(r.actor_id, r.actor_name),
    at: Number(r.at),
    bulkRequest: r.bulk_request_id
      ? {
          id: r.bulk_request_id,
          requestedBy: actorRef(r.request_requested_by, r.request_requested_by_name),
          requestedAt: Number(r.request_requested_at),
          approvedBy: r.request_approved_by_name ? actorRef(r.request_approved_by, r.request_approved_by_name) : null,
          approvedAt: r.request_approved_at === null ? null : Number(r.request_approved_at),
          note: r.request_approval_note,
        }
      : null,
    journalSeq: Number(r.journal_seq),
  };
}

function bulkDto(r: Omit<ControlBulkRequestsTable, 'person_ids'> & { person_ids?: string }): BulkRequestDto {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    status: r.status as BulkRequestDto['status'],
    to: r.to_status as ControlStatus,
    basis: { type: r.basis_type as BasisType, id: r.basis_id },
    reason: r.reason,
    endsAt: num(r.ends_at),
    personCount: Number(r.person_count),
    ...(r.person_ids !== undefined ? { personIds: JSON.parse(r.person_ids) as string[] } : {}),
    jurisdictionPath: r.jurisdiction_path,
    requestedBy: actorRef(r.requested_by, r.requested_by_name),
    requestedAt: Number(r.requested_at),
    approvedBy: r.approved_by_name ? actorRef(r.approved_by, r.approved_by_name) : null,
    approvedAt: num(r.approved_at),
    approvalNote: r.approval_note,
    rejectedBy: r.rejected_by_name ? actorRef(r.rejected_by, r.rejected_by_name) : null,
    rejectedAt: num(r.rejected_at),
    rejectReason: r.reject_reason,
    appliedAt: num(r.applied_at),
  };
}

// ---------------------------------------------------------------------------------------------
// The service

/**
 * The one place that owns a person's control status, and THE STATUS GUARD: every change cites a
 * basis and a reason, follows the transition rules, is journaled in the same transaction, and a
 * manual change affecting more persons than the threshold waits for a second approver.
 * (The guard exists because in 2022 Henan turned 1,317 bank depositors' health codes red with no
 * epidemiological basis.)
 */
export function createControlService(deps: Deps) {
  const validators = new Map<BasisType, BasisValidator>();
  const reviews = createReviewService(deps);
  let areaMeasureResolver: AreaMeasureResolver | null = null;

  function requireCapability(actor: Actor, cap: Capability): void {
    if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
  }

  /** The guard's first checks, before anything is read or written. */
  async function checkGuard(trx: DbOrTx, input: ChangeInput, actor?: Actor): Promise<{ basis: Basis; reason: string; personIds: string[] }> {
    const b = input.basis;
    if (!b || typeof b !== 'object' || !b.type || typeof b.id !== 'string' || !b.id.trim()) {
      throw ControlErrors.CONTROL_BASIS_REQUIRED({ allowed: BASIS_TYPES });
    }
    if (!(BASIS_TYPES as readonly string[]).includes(b.type)) throw ControlErrors.CONTROL_BASIS_TYPE_INVALID({ type: b.type, allowed: BASIS_TYPES });
    const basis: Basis = { type: b.type, id: b.id.trim() };
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (!reason) throw Errors.REASON_REQUIRED();
    if (!(CONTROL_STATUSES as readonly string[]).includes(input.to)) throw ControlErrors.CONTROL_TRANSITION_INVALID({ to: input.to }, 'Unknown target status');
    if (AREA_MEASURES.has(input.to) && basis.type !== 'risk_area') throw ControlErrors.CONTROL_AREA_MEASURE_BASIS({ to: input.to, basis: basis.type });
    if (input.endsAt !== undefined && input.endsAt !== null) {
      if (!MEASURES.has(input.to) || AREA_MEASURES.has(input.to)) throw ControlErrors.CONTROL_ENDS_AT_INVALID({ to: input.to }, 'Only a person measure can have an end time');
      if (!Number.isSafeInteger(input.endsAt) || input.endsAt <= deps.clock.now()) throw ControlErrors.CONTROL_ENDS_AT_INVALID({ endsAt: input.endsAt }, 'The end time must lie in the future');
    }
    const personIds = [...new Set(input.personIds ?? [])];
    if (personIds.length === 0) throw ControlErrors.CONTROL_NO_PERSONS();
    await checkBasisExists(trx, basis, actor);
    return { basis, reason, personIds };
  }

  async function checkBasisExists(trx: DbOrTx, basis: Basis, actor?: Actor): Promise<void> {
    // A manual review is a review record approved by a second person, in the citing actor's scope.
    if (basis.type === 'manual_review') {
      if (!(await reviews.citable(trx, basis.id, actor))) throw ControlErrors.CONTROL_REVIEW_NOT_APPROVED({ basis, field: 'basis.id' });
      return;
    }
    const validate = validators.get(basis.type);
    if (validate && !(await validate(trx, basis.id, actor))) throw ControlErrors.CONTROL_BASIS_NOT_FOUND({ basis });
  }

  /**
   * The jurisdiction path of each person that exists (and, with an actor, lies in the actor's
   * scope). Anything missing is a 404 naming the ids, so out-of-scope looks like missing.
   */
  async function resolvePersons(db: DbOrTx, personIds: readonly string[], actor: Actor | null): Promise<Map<string, string>> {
    const found = await deps.services.population.pathsOf(personIds, db);
    const missing = personIds.filter((id) => {
      const p = found.get(id);
      return !p || (actor !== null && !inScope(actor, p));
    });
    if (missing.length) throw ControlErrors.CONTROL_PERSON_NOT_FOUND({ personIds: missing.slice(0, 50), count: missing.length });
    return found;
  }

  async function bulkThreshold(db: DbOrTx = deps.db): Promise<number> {
    const v = await repo.readSetting(db, BULK_THRESHOLD_SETTING);
    const n = v === undefined ? NaN : Number(v);
    return Number.isInteger(n) && n >= 1 ? n : DEFAULT_BULK_THRESHOLD;
  }

  type Refused = { personId: string; status: ControlStatus; problem: string };

  /** Splits persons into those whose transition to `to` is allowed (with their current row) and those refused. */
  async function checkTransitions(db: DbOrTx, personIds: readonly string[], to: ControlStatus, basis: Basis) {
    const current = new Map((await repo.findStatuses(db, personIds)).map((r) => [r.person_id, r]));
    const ok: { personId: string; from: ControlStatus; row: ControlStatusesTable | undefined }[] = [];
    const refused: Refused[] = [];
    for (const personId of personIds) {
      const row = current.get(personId);
      const from = (row?.status ?? 'none') as ControlStatus;
      const problem = transitionProblem(from, to, row ? { type: row.basis_type as BasisType, id: row.basis_id } : null, basis);
      if (problem) refused.push({ personId, status: from, problem });
      else ok.push({ personId, from, row });
    }
    return { ok, refused };
  }

  const transitionError = (to: ControlStatus, refused: Refused[]) =>
    ControlErrors.CONTROL_TRANSITION_INVALID({ to, refused: refused.slice(0, 50), count: refused.length, allowed: ALLOWED_TRANSITIONS });

  interface ApplySpec {
    paths: ReadonlyMap<string, string>;
    personIds: readonly string[];
    to: ControlStatus;
    basis: Basis;
    reason: string;
    endsAt: number | null;
    presetVersion: string | null;
    mode: 'automatic' | 'manual' | 'bulk';
    bulkRequestId: string | null;
    ifNotAllowed: 'skip' | 'throw';
  }

  /**
   * Applies one change to a set of persons in the caller's transaction: checks each transition,
   * writes the status rows, the history, the journal (per person for manual and bulk changes, one
   * batch entry for automatic ones), the counters and one live update.
   */
  async function applyChanges(trx: Tx, actor: Actor, s: ApplySpec): Promise<AutomaticResult> {
    const { ok, refused } = await checkTransitions(trx, s.personIds, s.to, s.basis);
    if (refused.length && s.ifNotAllowed === 'throw') throw transitionError(s.to, refused);
    if (ok.length === 0) return { applied: 0, changes: [], skipped: refused, journalSeq: null };

    const now = deps.clock.now();
    const basisPayload = { type: s.basis.type, id: s.basis.id };
    // Journal first: its sequence number is stored on each history row.
    const seqOf = new Map<string, number>();
    let batchSeq: number | null = null;
    if (s.mode === 'automatic') {
      const entry = await deps.services.journal.appendBatch(trx, actor, {
        action: 'control.status.change',
        entityType: 'person',
        jurisdictionPath: commonPath(ok.map((o) => s.paths.get(o.personId)!)),
        rows: ok.map((o) => ({ personId: o.personId, from: o.from, to: s.to })),
        summary: { mode: s.mode, to: s.to, basis: basisPayload, endsAt: s.endsAt, presetVersion: s.presetVersion, count: ok.length },
        reason: s.reason,
      });
      batchSeq = entry.seq;
    } else {
      for (const o of ok) {
        const entry = await deps.services.journal.append(trx, actor, {
          action: 'control.status.change',
          entityType: 'person',
          entityId: o.personId,
          jurisdictionPath: s.paths.get(o.personId)!,
          payload: { mode: s.mode, from: o.from, to: s.to, basis: basisPayload, endsAt: s.endsAt, bulkRequestId: s.bulkRequestId },
          reason: s.reason,
        });
        seqOf.set(o.personId, entry.seq);
      }
    }

    const set = { status: s.to, basis_type: s.basis.type, basis_id: s.basis.id, reason: s.reason, since: now, ends_at: s.endsAt, preset_version: s.presetVersion, updated_at: now };
    const fresh = ok.filter((o) => !o.row);
    try {
      await repo.insertStatuses(trx, fresh.map((o) => ({ person_id: o.personId, jurisdiction_path: s.paths.get(o.personId)!, ...set })));
    } catch (err) {
      if (isUniqueViolation(err)) throw ControlErrors.CONTROL_CONCURRENT_CHANGE();
      throw err;
    }
    const byFrom = new Map<ControlStatus, string[]>();
    for (const o of ok) {
      if (!o.row) continue;
      const list = byFrom.get(o.from);
      if (list) list.push(o.personId);
      else byFrom.set(o.from, [o.personId]);
    }
    for (const [from, ids] of byFrom) {
      // Conditional on the status we checked: a concurrent change makes the count fall short.
      const n = await repo.updateStatusesFrom(trx, ids, from, set, s.paths);
      if (n !== ids.length) throw ControlErrors.CONTROL_CONCURRENT_CHANGE();
    }

    const changes: ControlStatusChangesTable[] = ok.map((o) => ({
      id: newId(now),
      person_id: o.personId,
      from_status: o.from,
      to_status: s.to,
      basis_type: s.basis.type,
      basis_id: s.basis.id,
      reason: s.reason,
      ends_at: s.endsAt,
      mode: s.mode,
      preset_version: s.presetVersion,
      jurisdiction_path: s.paths.get(o.personId)!,
      actor_id: actor.userId,
      actor_name: actor.name,
      at: now,
      bulk_request_id: s.bulkRequestId,
      journal_seq: batchSeq ?? seqOf.get(o.personId)!,
    }));
    await repo.insertChanges(trx, changes);

    // Counters: out of the old (path, status) and into the new one, at every ancestor.
    const deltas = new CountDeltas();
    for (const o of ok) {
      if (o.row) deltas.bump(o.row.jurisdiction_path, o.from, -1);
      deltas.bump(s.paths.get(o.personId)!, s.to, +1);
    }
    await repo.applyCountDeltas(trx, deltas.list());

    await deps.services.outbox.publish(trx, {
      topic: 'control.status.changed', capability: 'control.read',
      jurisdictionPath: commonPath(ok.map((o) => s.paths.get(o.personId)!)),
      payload: { to: s.to, mode: s.mode, count: ok.length, bulkRequestId: s.bulkRequestId },
    });
    const result: AutomaticResult = { applied: ok.length, changes: ok.map((o) => ({ personId: o.personId, from: o.from, to: s.to })), skipped: refused, journalSeq: batchSeq };
    await returnToAreaMeasures(trx, actor, s, result);
    return result;
  }

  /**
   * When a person measure ends (to `none` or `released`) for residents whose home still lies in a
   * published risk area, they go back under that area's measure in the same transaction: a second,
   * automatic change citing the risk area, so the history shows both steps.
   */
  async function returnToAreaMeasures(trx: Tx, actor: Actor, s: ApplySpec, result: AutomaticResult): Promise<void> {
    if (!areaMeasureResolver || (s.to !== 'none' && s.to !== 'released') || s.basis.type === 'risk_area') return;
    const ended = result.changes.filter((c) => !AREA_MEASURES.has(c.from)).map((c) => c.personId);
    if (ended.length === 0) return;
    const measures = await areaMeasureResolver(trx, ended);
    const groups = new Map<string, { status: AreaMeasureStatus; areaId: string; personIds: string[] }>();
    for (const [personId, m] of measures) {
      const k = `${m.status}\u0000${m.areaId}`;
      const g = groups.get(k);
      if (g) g.personIds.push(personId);
      else groups.set(k, { ...m, personIds: [personId] });
    }
    for (const g of groups.values()) {
      const back = await applyChanges(trx, actor, {
        paths: s.paths,
        personIds: g.personIds,
        to: g.status,
        basis: { type: 'risk_area', id: g.areaId },
        reason: BACK_TO_AREA_MEASURE_REASON,
        endsAt: null,
        presetVersion: null,
        mode: 'automatic',
        bulkRequestId: null,
        ifNotAllowed: 'skip',
      });
      const backTo = new Map(back.changes.map((c) => [c.personId, c.to]));
      for (const c of result.changes) {
        const to = backTo.get(c.personId);
        if (to) c.to = to;
      }
    }
  }

  /**
   * Persons per status within a jurisdiction subtree, read from the counters kept current with
   * each change (no scan). `path` defaults to the actor's scope; a subtree not inside the actor's
   * scope is a 404 (as the route's `jurisdiction` entity scope answers).
   */
  async function summary(actor: Actor, path?: string | null, db: DbOrTx = deps.db): Promise<ControlSummaryDto> {
    requireCapability(actor, CAP_READ);
    const at = path ?? actor.scopePath;
    if (!inScope(actor, at)) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
    return toSummary(at, await repo.countsAt(db, at));
  }

  /** Path of a jurisdiction node, through the geography service. */
  async function jurisdictionPathOf(id: string, db: DbOrTx): Promise<string | undefined> {
    return (await deps.services.geo.getById(id, db))?.path;
  }

  /**
   * Retires the status of a record merged into another (registered as population's merge handler,
   * so it runs in the merge's transaction). Population's merge has already put the kept record under
   * the stricter of the two measures, citing the merged record's basis, before the handlers run; what
   * is left is the merged record itself, still counted under its measure. Its status moves to `none`
   * (the counters drop it), citing the same basis; its history stays and gains this step, journaled
   * as an automatic change. The person is then counted once, on the kept record.
   */
  async function retireMerged(trx: Tx, fromId: string, intoId: string): Promise<void> {
    await repointPendingRequests(trx, fromId, intoId);
    const row = await repo.findStatus(trx, fromId);
    if (!row || row.status === 'none') return;
    const now = deps.clock.now();
    const actor = systemActor('control');
    const from = row.status as ControlStatus;
    const basis = { type: row.basis_type, id: row.basis_id };
    const reason = '记录已合并，管控由保留记录承接 (record merged; the kept record carries the measure)';
    const entry = await deps.services.journal.append(trx, actor, {
      action: 'control.status.change',
      entityType: 'person',
      entityId: fromId,
      jurisdictionPath: row.jurisdiction_path,
      payload: { mode: 'automatic', from, to: 'none', basis, endsAt: null, mergedInto: intoId },
      reason,
    });
    const set = { status: 'none', basis_type: row.basis_type, basis_id: row.basis_id, reason, since: now, ends_at: null, preset_version: row.preset_version, updated_at: now };
    const n = await repo.updateStatusesFrom(trx, [fromId], from, set, new Map([[fromId, row.jurisdiction_path]]));
    if (n !== 1) throw ControlErrors.CONTROL_CONCURRENT_CHANGE();
    await repo.insertChanges(trx, [
      {
        id: newId(now),
        person_id: fromId,
        from_status: from,
        to_status: 'none',
        basis_type: row.basis_type,
        basis_id: row.basis_id,
        reason,
        ends_at: null,
        mode: 'automatic',
        preset_version: row.preset_version,
        jurisdiction_path: row.jurisdiction_path,
        actor_id: actor.userId,
        actor_name: actor.name,
        at: now,
        bulk_request_id: null,
        journal_seq: entry.seq,
      },
    ]);
    const deltas = new CountDeltas();
    deltas.bump(row.jurisdiction_path, from, -1);
    await repo.applyCountDeltas(trx, deltas.list());
    await deps.services.outbox.publish(trx, { topic: 'control.status.changed', capability: 'control.read', jurisdictionPath: row.jurisdiction_path, payload: { to: 'none', mode: 'automatic', count: 1, bulkRequestId: null } });
  }
  deps.services.population.registerMergeHandler(retireMerged);

  /**
   * A pending bulk request that names the merged record will, once approved, apply to the kept
   * record instead (else approval would put a retired record back under a measure and count the
   * person twice). Journaled per request, so the approver can see why the list changed.
   */
  async function repointPendingRequests(trx: Tx, fromId: string, intoId: string): Promise<void> {
    const requests = await repo.findPendingRequestsNaming(trx, fromId);
    if (requests.length === 0) return;
    const intoPath = (await deps.services.population.pathsOf([intoId], trx)).get(intoId);
    for (const r of requests) {
      const before = JSON.parse(r.person_ids) as string[];
      if (!before.includes(fromId)) continue; // the LIKE matched a longer id
      const after = [...new Set(before.map((id) => (id === fromId ? intoId : id)))];
      const path = intoPath ? commonPath([r.jurisdiction_path, intoPath]) : r.jurisdiction_path;
      if (!(await repo.updatePendingPersons(trx, r.id, { person_ids: JSON.stringify(after), person_count: after.length, jurisdiction_path: path }))) continue;
      await deps.services.journal.append(trx, systemActor('control'), {
        action: 'control.bulk.merge',
        entityType: 'control_bulk_request',
        entityId: r.id,
        jurisdictionPath: path,
        payload: { fromPersonId: fromId, intoPersonId: intoId, count: after.length },
        reason: '待审批名单中的记录已合并，改为保留记录 · A listed record was merged; the kept record takes its place',
      });
    }
  }

  /** Loads a bulk request the actor may see, or throws the same 404 as a missing one. */
  async function visibleRequest(db: DbOrTx, actor: Actor, id: string): Promise<ControlBulkRequestsTable> {
    const r = await repo.findBulkRequest(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw ControlErrors.CONTROL_BULK_REQUEST_NOT_FOUND({ id });
    return r;
  }

  return {
    /**
     * Registers the check that a basis id exists, for one basis type. The module owning that record
     * (testing for tubes, cases for cases and contacts, zoning for risk areas) calls it once at start.
     * Once registered, a change citing an unknown id is refused with 422 CONTROL_BASIS_NOT_FOUND.
     */
    registerBasisValidator(type: BasisType, fn: BasisValidator): void {
      validators.set(type, fn);
    },

    /** Zoning tells control which area measure a person's home is under now (see AreaMeasureResolver). */
    registerAreaMeasureResolver(fn: AreaMeasureResolver): void {
      areaMeasureResolver = fn;
    },

    /**
     * An automatic change that follows from a recorded basis (the ten persons of a positive pool →
     * pending recheck). Applies at once in the caller's transaction, journaled as one batch entry.
     * The caller has already checked its own capability and scope; persons only need to exist.
     */
    async applyAutomatic(trx: Tx, actor: Actor, input: AutomaticInput): Promise<AutomaticResult> {
      const g = await checkGuard(trx, input, actor);
      const paths = await resolvePersons(trx, g.personIds, null);
      return applyChanges(trx, actor, {
        paths,
        personIds: g.personIds,
        to: input.to,
        basis: g.basis,
        reason: g.reason,
        endsAt: input.endsAt ?? null,
        presetVersion: input.presetVersion ?? null,
        mode: 'automatic',
        bulkRequestId: null,
        ifNotAllowed: input.ifNotAllowed ?? 'skip',
      });
    },

    /**
     * A manual change. Up to the bulk threshold it applies at once (journaled per person); above it,
     * it becomes a pending bulk request that waits for a second person with `status.approve-bulk`.
     * Every person must be in the actor's scope (else 404) and every transition allowed (else 409).
     */
    async requestChange(trx: DbOrTx | undefined, actor: Actor, input: ChangeInput): Promise<RequestChangeResult> {
      requireCapability(actor, CAP_CHANGE);
      return inTx(trx ?? deps.db, async (tx) => {
        const g = await checkGuard(tx, input, actor);
        const paths = await resolvePersons(tx, g.personIds, actor);
        const endsAt = input.endsAt ?? null;
        // Counted per actor over a window, not per request: a bulk change cut into small requests
        // still reaches the second person once the actor's recent manual changes pass the threshold.
        const recent = actor.userId ? await repo.manualChangesSince(tx, actor.userId, deps.clock.now() - BULK_WINDOW_MS) : 0;
        if (recent + g.personIds.length <= (await bulkThreshold(tx))) {
          const r = await applyChanges(tx, actor, { paths, personIds: g.personIds, to: input.to, basis: g.basis, reason: g.reason, endsAt, presetVersion: null, mode: 'manual', bulkRequestId: null, ifNotAllowed: 'throw' });
          return { kind: 'applied', applied: r.applied, personIds: r.changes.map((c) => c.personId) };
        }
        // Refuse now what could not be applied, rather than asking someone to approve it.
        const { refused } = await checkTransitions(tx, g.personIds, input.to, g.basis);
        if (refused.length) throw transitionError(input.to, refused);
        const now = deps.clock.now();
        const row: ControlBulkRequestsTable = {
          id: newId(now),
          status: 'pending',
          to_status: input.to,
          basis_type: g.basis.type,
          basis_id: g.basis.id,
          reason: g.reason,
          ends_at: endsAt,
          person_ids: JSON.stringify(g.personIds),
          person_count: g.personIds.length,
          jurisdiction_path: commonPath(paths.values()),
          requested_by: actor.userId,
          requested_by_name: actor.name,
          requested_at: now,
          approved_by: null,
          approved_by_name: null,
          approved_at: null,
          approval_note: null,
          rejected_by: null,
          rejected_by_name: null,
          rejected_at: null,
          reject_reason: null,
          applied_at: null,
        };
        await repo.insertBulkRequest(tx, row);
        await deps.services.journal.appendBatch(tx, actor, {
          action: 'control.bulk.request',
          entityType: 'control_bulk_request',
          entityId: row.id,
          jurisdictionPath: row.jurisdiction_path,
          rows: g.personIds,
          summary: { to: input.to, basis: g.basis, endsAt, count: g.personIds.length },
          reason: g.reason,
        });
        await deps.services.outbox.publish(tx, { topic: 'control.bulk.requested', capability: 'control.read', jurisdictionPath: row.jurisdiction_path, payload: { id: row.id, to: input.to, count: g.personIds.length } });
        return { kind: 'pending', bulkRequest: bulkDto(row) };
      });
    },

    /**
     * Approves a pending bulk request and applies it in the same transaction. The approver must be a
     * signed-in person other than the requester (403 CONTROL_SELF_APPROVAL) whose scope covers it.
     */
    async approveBulk(trx: DbOrTx | undefined, actor: Actor, requestId: string, note?: string | null): Promise<BulkRequestDto> {
      requireCapability(actor, CAP_APPROVE);
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visibleRequest(tx, actor, requestId);
        // "A second person": a signed-in user who is not the requester; a system actor cannot approve.
        if (actor.kind !== 'user' || !actor.userId || actor.userId === r.requested_by) {
          throw ControlErrors.CONTROL_SELF_APPROVAL({ requestId, requestedBy: r.requested_by });
        }
        if (r.status !== 'pending') throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId, status: r.status });
        const now = deps.clock.now();
        const cleanNote = note?.trim() || null;
        const decided = await repo.decideBulkRequest(tx, r.id, { status: 'applied', approved_by: actor.userId, approved_by_name: actor.name, approved_at: now, approval_note: cleanNote, applied_at: now });
        if (!decided) throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId });
        const basis: Basis = { type: r.basis_type as BasisType, id: r.basis_id };
        await checkBasisExists(tx, basis, actor);
        const personIds = JSON.parse(r.person_ids) as string[];
        const paths = await resolvePersons(tx, personIds, actor);
        await deps.services.journal.append(tx, actor, {
          action: 'control.bulk.approve',
          entityType: 'control_bulk_request',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { to: r.to_status, basis, count: personIds.length, requestedBy: r.requested_by, note: cleanNote },
          reason: r.reason,
        });
        await applyChanges(tx, actor, {
          paths,
          personIds,
          to: r.to_status as ControlStatus,
          basis,
          reason: r.reason,
          endsAt: r.ends_at === null ? null : Number(r.ends_at),
          presetVersion: null,
          mode: 'bulk',
          bulkRequestId: r.id,
          ifNotAllowed: 'throw',
        });
        return bulkDto((await repo.findBulkRequest(tx, r.id))!);
      });
    },

    /** Rejects a pending bulk request with a reason; nobody's status changes. The requester may withdraw their own. */
    async rejectBulk(trx: DbOrTx | undefined, actor: Actor, requestId: string, reason: string | null | undefined): Promise<BulkRequestDto> {
      requireCapability(actor, CAP_APPROVE);
      const why = reason?.trim();
      if (!why) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visibleRequest(tx, actor, requestId);
        if (r.status !== 'pending') throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId, status: r.status });
        const now = deps.clock.now();
        const decided = await repo.decideBulkRequest(tx, r.id, { status: 'rejected', rejected_by: actor.userId, rejected_by_name: actor.name, rejected_at: now, reject_reason: why });
        if (!decided) throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId });
        await deps.services.journal.append(tx, actor, {
          action: 'control.bulk.reject',
          entityType: 'control_bulk_request',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { to: r.to_status, basis: { type: r.basis_type, id: r.basis_id }, count: Number(r.person_count), requestedBy: r.requested_by },
          reason: why,
        });
        await deps.services.outbox.publish(tx, { topic: 'control.bulk.decided', capability: 'control.read', jurisdictionPath: r.jurisdiction_path, payload: { id: r.id, status: 'rejected' } });
        return bulkDto((await repo.findBulkRequest(tx, r.id))!);
      });
    },

    /** Whether a manual change of these persons would wait for a second approver (for the 202 answer). */
    async needsApproval(personIds: readonly string[], db: DbOrTx = deps.db): Promise<boolean> {
      return new Set(personIds).size > (await bulkThreshold(db));
    },

    bulkThreshold,

    /** Sets how many persons a manual change may affect before it needs a second approver. Journaled. */
    async setBulkThreshold(trx: DbOrTx | undefined, actor: Actor, n: number): Promise<void> {
      if (!Number.isInteger(n) || n < 1) throw ControlErrors.CONTROL_THRESHOLD_INVALID({ n });
      await inTx(trx ?? deps.db, async (tx) => {
        const before = await bulkThreshold(tx);
        await repo.writeSetting(tx, BULK_THRESHOLD_SETTING, String(n), deps.clock.now());
        await deps.services.journal.append(tx, actor, { action: 'control.settings.threshold', entityType: 'setting', entityId: BULK_THRESHOLD_SETTING, payload: { from: before, to: n }, reason: 'bulk threshold set' });
      });
    },

    /** Current status of a person in scope (status `none` when the person never had one). */
    async getStatus(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<ControlStatusDto> {
      requireCapability(actor, CAP_READ);
      await resolvePersons(db, [personId], actor);
      return statusDto(personId, await repo.findStatus(db, personId));
    },

    /** Current statuses of many persons, for other modules' lists (no scope check: the caller's list is scoped). */
    async statusesOf(personIds: readonly string[], db: DbOrTx = deps.db): Promise<Map<string, ControlStatusDto>> {
      const rows = new Map((await repo.findStatuses(db, [...new Set(personIds)])).map((r) => [r.person_id, r]));
      return new Map(personIds.map((id) => [id, statusDto(id, rows.get(id))]));
    },

    /**
     * Why a person is under a measure: the current status with its basis, and every change with
     * who made it, when, on what basis and why (and, for bulk changes, who asked and who approved).
     */
    async explain(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<ExplanationDto> {
      requireCapability(actor, CAP_READ);
      await resolvePersons(db, [personId], actor);
      const [row, history] = await Promise.all([repo.findStatus(db, personId), repo.listChanges(db, personId)]);
      return { ...statusDto(personId, row), history: history.map(changeDto) };
    },

    /** A person's status changes, oldest first. */
    async history(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<StatusChangeDto[]> {
      requireCapability(actor, CAP_READ);
      await resolvePersons(db, [personId], actor);
      return (await repo.listChanges(db, personId)).map(changeDto);
    },

    /** One bulk request with its person ids. */
    async getBulkRequest(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<BulkRequestDto> {
      requireCapability(actor, CAP_READ);
      return bulkDto(await visibleRequest(db, actor, id));
    },

    /** Bulk requests within the actor's scope, newest first. */
    async listBulkRequests(actor: Actor, f: { status?: BulkRequestDto['status']; limit?: number; offset?: number } = {}, db: DbOrTx = deps.db): Promise<{ items: BulkRequestDto[]; total: number }> {
      requireCapability(actor, CAP_READ);
      const { rows, total } = await repo.listBulkRequests(db, { status: f.status, scopePrefix: scopePrefix(actor), limit: f.limit ?? 50, offset: f.offset ?? 0 });
      return { items: rows.map(bulkDto), total };
    },

    summary,

    /** `summary` for a jurisdiction id (the route's form); an unknown id is a 404. */
    async summaryOf(actor: Actor, jurisdictionId?: string | null, db: DbOrTx = deps.db): Promise<ControlSummaryDto> {
      if (!jurisdictionId) return summary(actor, null, db);
      const path = await jurisdictionPathOf(jurisdictionId, db);
      if (!path) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
      return summary(actor, path, db);
    },

    /** The same numbers recounted from every status row under the path (slow; for checks and repair). */
    async recount(path: string, db: DbOrTx = deps.db): Promise<ControlSummaryDto> {
      return toSummary(path, await repo.recountUnder(db, path));
    },

    /**
     * Moves a person's status row (and its counts) to a new jurisdiction path. The population
     * module calls it in its own transaction when a person's address changes (a merged record's
     * status is retired instead: see `retireMerged`).
     */
    async relocate(trx: Tx, personId: string, newPath: string): Promise<void> {
      const row = await repo.findStatus(trx, personId);
      if (!row || row.jurisdiction_path === newPath) return;
      await repo.updateStatusPath(trx, personId, newPath, deps.clock.now());
      if (row.status === 'none') return;
      const deltas = new CountDeltas();
      deltas.bump(row.jurisdiction_path, row.status, -1);
      deltas.bump(newPath, row.status, +1);
      await repo.applyCountDeltas(trx, deltas.list());
    },

    /** Jurisdiction path of a bulk request (the entity-scope resolver). */
    bulkRequestPath: (id: string, db: DbOrTx = deps.db) => repo.findBulkRequestPath(db, id),

    /** Review records (研判记录): the only thing a `manual_review` basis may name (see control-reviews.service.ts). */
    reviews,
  };
}

function toSummary(path: string, rows: { status: string; count: number }[]): ControlSummaryDto {
  const counts = Object.fromEntries(CONTROL_STATUSES.filter((s) => s !== 'none').map((s) => [s, 0])) as Record<MeasureOrReleased, number>;
  for (const r of rows) if (r.status in counts) counts[r.status as MeasureOrReleased] += r.count;
  const underMeasure = PERSON_MEASURE_STATUSES.reduce((n, st) => n + counts[st], 0);
  const underAreaMeasure = AREA_MEASURE_STATUSES.reduce((n, st) => n + counts[st], 0);
  return { jurisdictionPath: path, counts, underMeasure, underAreaMeasure };
}

export type ControlService = ReturnType<typeof createControlService>;
