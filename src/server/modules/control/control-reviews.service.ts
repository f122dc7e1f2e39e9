import type { Capability } from '../../../common/roles.js';
import { CONTROL_LIMITS, type ReviewStatus } from '../../../common/control.js';
import type { ActorRef, ReviewRecordDto } from './control.schemas.js';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { defineErrors, Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import * as repo from './control-reviews.repository.js';
import type { ControlReviewsTable } from './control.table.js';
import type { CreateReviewInput } from './control.types.js';

const CAP_READ: Capability = 'control.read';
const CAP_CREATE: Capability = 'control.change';
const CAP_DECIDE: Capability = 'status.approve-bulk';

/** Shortest subject, reason and evidence accepted (a word or two is not a review). */
export const REVIEW_MIN_TEXT = CONTROL_LIMITS.reviewMinText;

export const ReviewErrors = defineErrors({
  CONTROL_REVIEW_NOT_FOUND: [404, 'Review record not found'],
  CONTROL_REVIEW_INVALID: [422, 'The review record is incomplete'],
  CONTROL_REVIEW_SELF_APPROVAL: [403, 'A review record must be approved by a second person, not by its reviewer'],
  CONTROL_REVIEW_NOT_PENDING: [409, 'The review record has already been decided'],
});

const ref = (id: string | null, name: string | null): ActorRef | null => (name === null ? null : { id, name });
const num = (v: number | null) => (v === null ? null : Number(v));

function reviewDto(r: ControlReviewsTable): ReviewRecordDto {
  return {
    id: r.id,
    status: r.status,
    subject: r.subject,
    reason: r.reason,
    evidence: r.evidence,
    jurisdictionPath: r.jurisdiction_path,
    reviewer: { id: r.reviewer_id, name: r.reviewer_name },
    createdAt: Number(r.created_at),
    approvedBy: ref(r.approved_by, r.approved_by_name),
    approvedAt: num(r.approved_at),
    approvalNote: r.approval_note,
    rejectedBy: ref(r.rejected_by, r.rejected_by_name),
    rejectedAt: num(r.rejected_at),
    rejectReason: r.reject_reason,
  } satisfies ReviewRecordDto;
}

/**
 * Review records (研判记录): the record a `manual_review` basis must name. A reviewer writes the
 * subject, the reason and the evidence; a second person (never the reviewer) approves or rejects.
 * The status guard accepts `manual_review` only for an approved record inside the caller's scope
 * (see `citable`). In June 2022 Henan turned bank depositors' health codes red on nobody's
 * recorded review: a free-typed "manual review" is exactly what this refuses.
 */
export function createReviewService(deps: Deps) {
  const { journal, geo } = deps.services;

  function requireCapability(actor: Actor, cap: Capability): void {
    if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
  }

  async function visible(db: DbOrTx, actor: Actor, id: string): Promise<ControlReviewsTable> {
    const r = await repo.findReview(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw ReviewErrors.CONTROL_REVIEW_NOT_FOUND({ id });
    return r;
  }

  function text(field: 'subject' | 'reason' | 'evidence', v: unknown): string {
    const s = typeof v === 'string' ? v.trim() : '';
    if ([...s].length < REVIEW_MIN_TEXT)
      throw ReviewErrors.CONTROL_REVIEW_INVALID(
        { field, problem: `at least ${REVIEW_MIN_TEXT} characters` },
        `The review record needs its ${field} (at least ${REVIEW_MIN_TEXT} characters)`,
      );
    return s;
  }

  async function decide(trx: DbOrTx | undefined, actor: Actor, id: string, outcome: 'approved' | 'rejected', note: string | null): Promise<ReviewRecordDto> {
    requireCapability(actor, CAP_DECIDE);
    return inTx(trx ?? deps.db, async (tx) => {
      const r = await visible(tx, actor, id);
      // A second person: a signed-in user other than the reviewer (a system actor cannot approve).
      if (outcome === 'approved' && (actor.kind !== 'user' || !actor.userId || actor.userId === r.reviewer_id)) {
        throw ReviewErrors.CONTROL_REVIEW_SELF_APPROVAL({ reviewId: id, reviewer: r.reviewer_name });
      }
      if (r.status !== 'pending') throw ReviewErrors.CONTROL_REVIEW_NOT_PENDING({ reviewId: id, status: r.status });
      const now = deps.clock.now();
      const set: Partial<ControlReviewsTable> =
        outcome === 'approved'
          ? { status: 'approved', approved_by: actor.userId, approved_by_name: actor.name, approved_at: now, approval_note: note, updated_at: now }
          : { status: 'rejected', rejected_by: actor.userId, rejected_by_name: actor.name, rejected_at: now, reject_reason: note, updated_at: now };
      if (!(await repo.decideReview(tx, id, set))) throw ReviewErrors.CONTROL_REVIEW_NOT_PENDING({ reviewId: id });
      await journal.append(tx, actor, {
        action: outcome === 'approved' ? 'control.review.approve' : 'control.review.reject',
        entityType: 'control_review',
        entityId: id,
        jurisdictionPath: r.jurisdiction_path,
        payload: { reviewer: r.reviewer_name, note },
        reason: note ?? (outcome === 'approved' ? '复核同意 · Approved' : ''),
      });
      return reviewDto((await repo.findReview(tx, id))!);
    });
  }

  return {
    /** Writes a pending review record (the actor is its reviewer). Journaled. */
    async create(trx: DbOrTx | undefined, actor: Actor, input: CreateReviewInput): Promise<ReviewRecordDto> {
      requireCapability(actor, CAP_CREATE);
      const subject = text('subject', input.subject);
      const reason = text('reason', input.reason);
      const evidence = text('evidence', input.evidence);
      return inTx(trx ?? deps.db, async (tx) => {
        let path = actor.scopePath;
        if (input.jurisdictionId) {
          const n = await geo.getById(input.jurisdictionId, tx);
          if (!n || !inScope(actor, n.path))
            throw ReviewErrors.CONTROL_REVIEW_INVALID(
              { field: 'jurisdictionId', jurisdictionId: input.jurisdictionId, problem: 'not found in your scope' },
              'The jurisdiction of the review is not in your scope',
            );
          path = n.path;
        }
        const now = deps.clock.now();
        const row: ControlReviewsTable = {
          id: newId(now),
          status: 'pending',
          subject,
          reason,
          evidence,
          jurisdiction_path: path,
          reviewer_id: actor.userId,
          reviewer_name: actor.name,
          created_at: now,
          approved_by: null,
          approved_by_name: null,
          approved_at: null,
          approval_note: null,
          rejected_by: null,
          rejected_by_name: null,
          rejected_at: null,
          reject_reason: null,
          updated_at: now,
        };
        await repo.insertReview(tx, row);
        await journal.append(tx, actor, {
          action: 'control.review.create',
          entityType: 'control_review',
          entityId: row.id,
          jurisdictionPath: path,
          payload: { subject, evidence },
          reason,
        });
        return reviewDto(row);
      });
    },

    /** Approves a pending record: only a second person with `status.approve-bulk` (403 for the reviewer). */
    approve: (trx: DbOrTx | undefined, actor: Actor, id: string, note?: string | null) => decide(trx, actor, id, 'approved', note?.trim() || null),

    /** Rejects a pending record with a reason; it can never be cited. */
    async reject(trx: DbOrTx | undefined, actor: Actor, id: string, reason: string | null | undefined): Promise<ReviewRecordDto> {
      const why = reason?.trim();
      if (!why) throw Errors.REASON_REQUIRED({ field: 'reason' });
      return decide(trx, actor, id, 'rejected', why);
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<ReviewRecordDto> {
      requireCapability(actor, CAP_READ);
      return reviewDto(await visible(db, actor, id));
    },

    /** Records within the actor's scope, newest first. */
    async list(
      actor: Actor,
      f: { status?: ReviewStatus; limit?: number; offset?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ items: ReviewRecordDto[]; total: number }> {
      requireCapability(actor, CAP_READ);
      const { rows, total } = await repo.listReviews(db, { status: f.status, scopePrefix: scopePrefix(actor), limit: f.limit ?? 50, offset: f.offset ?? 0 });
      return { items: rows.map(reviewDto), total };
    },

    /**
     * Whether a `manual_review` basis may be cited: the record exists, is approved, and lies in the
     * citing actor's scope (the system, acting for an approved workflow, sees every record).
     */
    async citable(db: DbOrTx, id: string, actor?: Actor): Promise<boolean> {
      const r = await repo.findReview(db, id);
      return !!r && r.status === 'approved' && (!actor || inScope(actor, r.jurisdiction_path));
    },

    /** Jurisdiction path of a record (the entity-scope resolver). */
    path: (id: string, db: DbOrTx = deps.db) => repo.findReviewPath(db, id),
  };
}
