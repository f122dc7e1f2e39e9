import type { ColumnsOf } from '../../db/columns.js';
import type { BasisType, ControlStatus, ReviewStatus } from '../../../common/control.js';

/** How a change was made (control_status_changes.mode). */
export type ChangeMode = 'automatic' | 'manual' | 'bulk';
/** A bulk request's state. */
export type BulkRequestStatus = 'pending' | 'applied' | 'rejected';

/**
 * A person's current control status (管控状态). One row per person that has ever had a status; a
 * person with no row is `none`. Written only by the control service (the status guard).
 */
export interface ControlStatusesTable {
  person_id: string;
  /** none · pending_recheck · quarantined_central · quarantined_home · home_monitored · sealed · controlled · released */
  status: ControlStatus;
  /** What the current status rests on: tube · case · contact · risk_area · recheck · manual_review · traveller */
  basis_type: BasisType;
  /** Id of the basis record (a tube barcode/id, a case id, a contact link id, an area id…). */
  basis_id: string;
  /** Why, in words (never personal data). */
  reason: string;
  /** Epoch ms the current status began. */
  since: number;
  /** Epoch ms the measure ends, or null when open-ended / not a measure. */
  ends_at: number | null;
  /** The person's jurisdiction path at the time of the last change, for scoping and counters. */
  jurisdiction_path: string;
  /** Protocol preset version the measure followed, when an automatic change named one. */
  preset_version: string | null;
  updated_at: number;
}

/** Every status change ever made, oldest first per person: the basis chain shown to anyone asking why. */
export interface ControlStatusChangesTable {
  id: string;
  person_id: string;
  /** Status before the change (`from` is a reserved word in SQL). */
  from_status: ControlStatus;
  /** Status after the change. */
  to_status: ControlStatus;
  basis_type: BasisType;
  basis_id: string;
  reason: string;
  ends_at: number | null;
  /** automatic (followed a recorded basis) · manual (applied at once) · bulk (applied after a second approval) */
  mode: ChangeMode;
  preset_version: string | null;
  jurisdiction_path: string;
  actor_id: string | null;
  actor_name: string;
  /** Epoch ms. */
  at: number;
  bulk_request_id: string | null;
  /** The journal entry (single or batch) that records this change. */
  journal_seq: number;
}

/** A manual change over the bulk threshold, waiting for a second person's approval. */
export interface ControlBulkRequestsTable {
  id: string;
  /** pending · applied · rejected (approval applies the change in the same transaction) */
  status: BulkRequestStatus;
  to_status: ControlStatus;
  basis_type: BasisType;
  basis_id: string;
  reason: string;
  ends_at: number | null;
  /** JSON array of person ids. */
  person_ids: string;
  person_count: number;
  /** Longest common jurisdiction path of the persons: only someone whose scope covers all may see/approve. */
  jurisdiction_path: string;
  requested_by: string | null;
  requested_by_name: string;
  requested_at: number;
  approved_by: string | null;
  approved_by_name: string | null;
  approved_at: number | null;
  approval_note: string | null;
  rejected_by: string | null;
  rejected_by_name: string | null;
  rejected_at: number | null;
  reject_reason: string | null;
  applied_at: number | null;
}

/**
 * Persons per status for every jurisdiction path that contains them (the person's own path and each
 * ancestor, plus `/`), kept current in the same transaction as each change.
 */
export interface ControlStatusCountsTable {
  jurisdiction_path: string;
  status: ControlStatus;
  count: number;
}

/**
 * A review record (研判记录): the record a `manual_review` basis must name. A reviewer states the
 * reason and the evidence; a second person (never the reviewer) approves or rejects it. Only an
 * approved record can be cited, and only inside the citing person's scope.
 */
export interface ControlReviewsTable {
  id: string;
  /** pending · approved · rejected */
  status: ReviewStatus;
  /** What is reviewed, in words (who or what group; never an ID number). */
  subject: string;
  /** Why a measure is warranted. */
  reason: string;
  /** The evidence the reviewer relied on (records, reports, their references). */
  evidence: string;
  /** The jurisdiction the review is about (scope). */
  jurisdiction_path: string;
  reviewer_id: string | null;
  reviewer_name: string;
  created_at: number;
  approved_by: string | null;
  approved_by_name: string | null;
  approved_at: number | null;
  approval_note: string | null;
  rejected_by: string | null;
  rejected_by_name: string | null;
  rejected_at: number | null;
  reject_reason: string | null;
  updated_at: number;
}

export interface ControlTables {
  control_statuses: ControlStatusesTable;
  control_status_changes: ControlStatusChangesTable;
  control_bulk_requests: ControlBulkRequestsTable;
  control_status_counts: ControlStatusCountsTable;
  control_reviews: ControlReviewsTable;
}

export const controlColumns: ColumnsOf<ControlTables> = {
  control_statuses: {
    person_id: 1,
    status: 1,
    basis_type: 1,
    basis_id: 1,
    reason: 1,
    since: 1,
    ends_at: 1,
    jurisdiction_path: 1,
    preset_version: 1,
    updated_at: 1,
  },
  control_status_changes: {
    id: 1,
    person_id: 1,
    from_status: 1,
    to_status: 1,
    basis_type: 1,
    basis_id: 1,
    reason: 1,
    ends_at: 1,
    mode: 1,
    preset_version: 1,
    jurisdiction_path: 1,
    actor_id: 1,
    actor_name: 1,
    at: 1,
    bulk_request_id: 1,
    journal_seq: 1,
  },
  control_bulk_requests: {
    id: 1,
    status: 1,
    to_status: 1,
    basis_type: 1,
    basis_id: 1,
    reason: 1,
    ends_at: 1,
    person_ids: 1,
    person_count: 1,
    jurisdiction_path: 1,
    requested_by: 1,
    requested_by_name: 1,
    requested_at: 1,
    approved_by: 1,
    approved_by_name: 1,
    approved_at: 1,
    approval_note: 1,
    rejected_by: 1,
    rejected_by_name: 1,
    rejected_at: 1,
    reject_reason: 1,
    applied_at: 1,
  },
  control_status_counts: { jurisdiction_path: 1, status: 1, count: 1 },
  control_reviews: {
    id: 1,
    status: 1,
    subject: 1,
    reason: 1,
    evidence: 1,
    jurisdiction_path: 1,
    reviewer_id: 1,
    reviewer_name: 1,
    created_at: 1,
    approved_by: 1,
    approved_by_name: 1,
    approved_at: 1,
    approval_note: 1,
    rejected_by: 1,
    rejected_by_name: 1,
    rejected_at: 1,
    reject_reason: 1,
    updated_at: 1,
  },
};
