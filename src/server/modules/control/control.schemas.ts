import { z } from 'zod';
import { BASIS_TYPES, CONTROL_STATUSES } from './control.rules.js';
import { CONTROL_LIMITS as L, REVIEW_STATUSES } from '../../../common/control.js';

const id = z.string().min(1).max(64);
const actorRef = z.object({ id: z.string().nullable().describe('user id; null for the system'), name: z.string().describe('login or component name') });
const status = z
  .enum(CONTROL_STATUSES)
  .describe(
    'none · pending_recheck 待复核 · quarantined_central 集中隔离 · quarantined_home 居家隔离 · home_monitored 居家健康监测 · released 解除 · awaiting_placement 待转运',
  );
const basis = z.object({
  type: z.enum(BASIS_TYPES).describe('what the change rests on: tube · case · contact · risk_area · recheck · manual_review'),
  id: z.string().describe('id of that record'),
});

export const personParams = z.strictObject({ personId: id.describe('person id') });
export const requestParams = z.strictObject({ id: id.describe('bulk request id') });

export const controlStatus = z.object({
  personId: z.string(),
  status,
  since: z.number().int().nullable().describe('epoch ms the current status began; null if never under a measure'),
  endsAt: z.number().int().nullable().describe('epoch ms the measure ends, if it has an end'),
  basis: basis.nullable().describe('what the current status rests on'),
  reason: z.string().nullable(),
  presetVersion: z.string().nullable().describe('protocol preset edition an automatic measure followed'),
  updatedAt: z.number().int().nullable(),
});

export const statusChange = z.object({
  id: z.string(),
  from: status,
  to: status,
  basis,
  reason: z.string(),
  endsAt: z.number().int().nullable().describe('epoch ms'),
  mode: z
    .enum(['automatic', 'manual', 'bulk'])
    .describe('automatic: followed a recorded basis; manual: applied at once; bulk: applied after a second approval'),
  presetVersion: z.string().nullable(),
  actor: actorRef.describe('who made the change (for bulk: the approver)'),
  at: z.number().int().describe('epoch ms'),
  bulkRequest: z
    .object({
      id: z.string(),
      requestedBy: actorRef,
      requestedAt: z.number().int(),
      approvedBy: actorRef.nullable(),
      approvedAt: z.number().int().nullable(),
      note: z.string().nullable(),
    })
    .nullable()
    .describe('for bulk changes: who asked and who approved'),
  journalSeq: z.number().int().describe('the journal entry that records it'),
});

export const explanation = controlStatus.extend({ history: z.array(statusChange).describe('every change, oldest first: the basis chain') });

export const bulkRequest = z.object({
  id: z.string(),
  status: z.enum(['pending', 'applied', 'rejected']),
  to: status,
  basis,
  reason: z.string(),
  endsAt: z.number().int().nullable(),
  personCount: z.number().int(),
  personIds: z.array(z.string()).optional().describe('present when reading one request'),
  jurisdictionPath: z.string().describe('common jurisdiction path of the persons'),
  requestedBy: actorRef,
  requestedAt: z.number().int(),
  approvedBy: actorRef.nullable(),
  approvedAt: z.number().int().nullable(),
  approvalNote: z.string().nullable(),
  rejectedBy: actorRef.nullable(),
  rejectedAt: z.number().int().nullable(),
  rejectReason: z.string().nullable(),
  appliedAt: z.number().int().nullable(),
});

/**
 * A manual change. `basis` and `reason` are optional in the schema on purpose: leaving them out is a
 * well-formed request that the status guard refuses with 422 (CONTROL_BASIS_REQUIRED, REASON_REQUIRED).
 */
export const changeBody = z.strictObject({
  personIds: z.array(id).min(1).max(50_000).describe('persons to change'),
  to: status.describe('the new status'),
  basis: z
    .strictObject({ type: z.enum(BASIS_TYPES), id: z.string().max(L.basisId) })
    .nullable()
    .optional()
    .describe('the record the change rests on (required by the guard)'),
  reason: z.string().max(L.reason).nullable().optional().describe('why, in words (required by the guard)'),
  endsAt: z.number().int().positive().nullable().optional().describe('epoch ms the measure ends'),
});

export const changeApplied = z.object({ applied: z.number().int().describe('persons changed'), personIds: z.array(z.string()) });
export const changePending = z.object({ bulkRequest: bulkRequest.describe('waits for a second approver with status.approve-bulk') });

export const bulkListQuery = z.strictObject({
  status: z.enum(['pending', 'applied', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const approveBody = z.strictObject({ note: z.string().max(L.note).optional().describe('optional note from the approver') });
/** `reason` optional in the schema so a missing one gets the guard's 422 REASON_REQUIRED. */
export const rejectBody = z.strictObject({ reason: z.string().max(L.reason).optional().describe('why the request is rejected (required)') });

export const summaryQuery = z.strictObject({ jurisdictionId: id.optional().describe("subtree root; default: the caller's scope") });
export const summary = z.object({
  jurisdictionPath: z.string().describe('the subtree counted'),
  counts: z.object({
    pending_recheck: z.number().int(),
    quarantined_central: z.number().int(),
    quarantined_home: z.number().int(),
    home_monitored: z.number().int(),
    sealed: z.number().int().describe('residents of sealed (high) areas: an area measure, not quarantine'),
    controlled: z.number().int().describe('residents of controlled (medium) areas: an area measure'),
    released: z.number().int(),
    awaiting_placement: z.number().int().describe('contacts awaiting placement (待转运): not yet in a stay'),
  }),
  underMeasure: z.number().int().describe('person measures: pending recheck + quarantined + home-monitored'),
  underAreaMeasure: z.number().int().describe('area measures: sealed + controlled'),
});

// Review records (研判记录): what a manual_review basis names.

export const reviewParams = z.strictObject({ id: id.describe('review record id') });
export const reviewRecord = z.object({
  id: z.string(),
  status: z.enum(REVIEW_STATUSES).describe('pending 待审批 · approved 已批准 (citable) · rejected 已驳回'),
  subject: z.string().describe('what or whom the review concerns, in words'),
  reason: z.string().describe('why a measure is warranted'),
  evidence: z.string().describe('the evidence relied on'),
  jurisdictionPath: z.string().describe('the jurisdiction it concerns (scope)'),
  reviewer: actorRef.describe('who wrote the review'),
  createdAt: z.number().int().describe('epoch ms'),
  approvedBy: actorRef.nullable().describe('the second person who approved it (never the reviewer)'),
  approvedAt: z.number().int().nullable(),
  approvalNote: z.string().nullable(),
  rejectedBy: actorRef.nullable(),
  rejectedAt: z.number().int().nullable(),
  rejectReason: z.string().nullable(),
});
/** Texts are bounded here; their minimum length is the service's rule (422 naming the field). */
export const createReviewBody = z.strictObject({
  jurisdictionId: id.optional().describe('the jurisdiction the review concerns (default: your scope)'),
  subject: z.string().max(L.reviewSubject).describe('what or whom the review concerns (no ID numbers)'),
  reason: z.string().max(L.reviewReason).describe('why a measure is warranted'),
  evidence: z.string().max(L.reviewEvidence).describe('the evidence: records, reports and their references'),
});
export const reviewListQuery = z.strictObject({
  status: z.enum(REVIEW_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** POST /api/control/changes as a client sends it (type-only import for the web). */
export type ChangeBody = z.input<typeof changeBody>;

// The response shapes, inferred (issue 15: the schemas are the one source; the services build them
// with `satisfies`, the web imports these types with `import type`).
export type ActorRef = z.infer<typeof actorRef>;
/** The epidemiological record a change rests on (依据): a tube, a case, a contact link, a risk area, a recheck tube, a review, a traveller record. */
export type Basis = z.infer<typeof basis>;
export type ControlStatusDto = z.infer<typeof controlStatus>;
export type StatusChangeDto = z.infer<typeof statusChange>;
/** The status with every change, oldest first: the chain of bases that led to it. */
export type ExplanationDto = z.infer<typeof explanation>;
export type BulkRequestDto = z.infer<typeof bulkRequest>;
export type ControlSummaryDto = z.infer<typeof summary>;
/** A review record (研判记录): what a `manual_review` basis names; a second person approves it before anyone may cite it. */
export type ReviewRecordDto = z.infer<typeof reviewRecord>;
