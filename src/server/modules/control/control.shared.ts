/**
 * What the control sub-services share: the error catalogue, the bulk-rule constants, the input and
 * result types of the status guard, the counter-delta accumulator and the row → DTO mappers.
 */
import type { Capability } from '../../../common/roles.js';
import type { AreaMeasureStatus } from '../../../common/control.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { defineErrors, Errors } from '../../platform/errors.js';
import * as repo from './control.repository.js';
import type { ControlBulkRequestsTable, ControlStatusesTable } from './control.table.js';
import { AREA_MEASURE_STATUSES, CONTROL_STATUSES, PERSON_MEASURE_STATUSES, type Basis, type ControlStatus } from './control.rules.js';

/** Capabilities used by this module (rows of the capability table in src/common/roles.ts). */
export const CAP_READ: Capability = 'control.read';
export const CAP_CHANGE: Capability = 'control.change';
export const CAP_APPROVE: Capability = 'status.approve-bulk';

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
  CONTROL_BASIS_REQUIRED: [
    422,
    'A control status change must cite its basis (a positive tube, a case, a contact link, a risk area, a recheck or a manual review)',
  ],
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
// DTOs (the zod schemas' inferred types in control.schemas.ts; the web imports them from there)

export type { ActorRef, BulkRequestDto, ControlStatusDto, ControlSummaryDto, ExplanationDto, StatusChangeDto } from './control.schemas.js';
import type { MeasureOrReleased } from '../../../common/control.js';
import type { ActorRef, BulkRequestDto, ControlStatusDto, ControlSummaryDto, StatusChangeDto } from './control.schemas.js';

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

export type RequestChangeResult = { kind: 'applied'; applied: number; personIds: string[] } | { kind: 'pending'; bulkRequest: BulkRequestDto };

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
export function pathAndAncestors(path: string): string[] {
  const segs = path.split('/').filter(Boolean);
  const out = ['/'];
  for (let i = 1; i <= segs.length; i++) out.push(`/${segs.slice(0, i).join('/')}/`);
  return out;
}

/** Accumulates counter changes per (path, status) over a person's path and all its ancestors. */
export class CountDeltas {
  private readonly byKey = new Map<string, repo.CountDelta>();
  bump(path: string, status: ControlStatus, delta: number): void {
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

export const actorRef = (id: string | null, name: string | null): ActorRef => ({ id, name: name ?? '' });

export function statusDto(personId: string, r: ControlStatusesTable | undefined): ControlStatusDto {
  if (!r)
    return { personId, status: 'none', since: null, endsAt: null, basis: null, reason: null, presetVersion: null, updatedAt: null } satisfies ControlStatusDto;
  return {
    personId,
    status: r.status,
    since: Number(r.since),
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    basis: { type: r.basis_type, id: r.basis_id },
    reason: r.reason,
    presetVersion: r.preset_version,
    updatedAt: Number(r.updated_at),
  } satisfies ControlStatusDto;
}

export function changeDto(r: repo.ChangeWithRequest): StatusChangeDto {
  return {
    id: r.id,
    from: r.from_status,
    to: r.to_status,
    basis: { type: r.basis_type, id: r.basis_id },
    reason: r.reason,
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    mode: r.mode,
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
  } satisfies StatusChangeDto;
}

export function bulkDto(r: Omit<ControlBulkRequestsTable, 'person_ids'> & { person_ids?: string }): BulkRequestDto {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    status: r.status,
    to: r.to_status,
    basis: { type: r.basis_type, id: r.basis_id },
    reason: r.reason,
    endsAt: num(r.ends_at),
    personCount: Number(r.person_count),
    ...(r.person_ids !== undefined ? { personIds: repo.readJson.personIds({ person_ids: r.person_ids }) } : {}),
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
  } satisfies BulkRequestDto;
}

/** Throws 403 FORBIDDEN naming the capability the actor lacks. */
export function requireCapability(actor: Actor, cap: Capability): void {
  if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
}

/** The summary shape from (status, count) rows. */
export function toSummary(path: string, rows: { status: ControlStatus; count: number }[]): ControlSummaryDto {
  const counts = Object.fromEntries(CONTROL_STATUSES.filter((s) => s !== 'none').map((s) => [s, 0])) as Record<MeasureOrReleased, number>;
  for (const r of rows) if (r.status !== 'none') counts[r.status] += r.count;
  const underMeasure = PERSON_MEASURE_STATUSES.reduce((n, st) => n + counts[st], 0);
  const underAreaMeasure = AREA_MEASURE_STATUSES.reduce((n, st) => n + counts[st], 0);
  return { jurisdictionPath: path, counts, underMeasure, underAreaMeasure } satisfies ControlSummaryDto;
}
