import { http } from '../../app/http.js';

export { BASIS_TYPES, CONTROL_STATUSES, type BasisType, type ControlStatus } from '../../../common/control.js';
import type { ControlStatus, ReviewStatus } from '../../../common/control.js';
import type { BulkRequestDto, ChangeBody, ControlSummaryDto, ExplanationDto, ReviewRecordDto } from '../../../server/modules/control/control.schemas.js';
export type { ReviewStatus } from '../../../common/control.js';
export type { Basis, ReviewRecordDto } from '../../../server/modules/control/control.schemas.js';

export type Explanation = ExplanationDto;
export type BulkRequest = BulkRequestDto;
export type BulkStatus = BulkRequestDto['status'];
export type ControlSummary = ControlSummaryDto;

/** Statuses a person is held to (tag colours follow strictness). */
export const STATUS_COLORS: Record<ControlStatus, string> = {
  none: 'default',
  released: 'green',
  home_monitored: 'gold',
  controlled: 'purple',
  sealed: 'magenta',
  pending_recheck: 'orange',
  quarantined_home: 'volcano',
  quarantined_central: 'red',
  awaiting_placement: 'volcano',
};

/** POST /api/control/changes (the server's schema). */
export type ChangeInput = ChangeBody;

/** 200: applied at once; 202: a bulk request waiting for a second approver. */
export type ChangeOutcome = { applied: number; personIds: string[] } | { bulkRequest: BulkRequest };

export const controlApi = {
  explain: (personId: string, signal?: AbortSignal) => http.get<Explanation>(`/api/control/persons/${encodeURIComponent(personId)}`, undefined, signal),
  change: (input: ChangeInput) => http.post<ChangeOutcome>('/api/control/changes', input),
  bulkRequests: (q: { status?: BulkStatus; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: BulkRequest[]; total: number }>('/api/control/bulk-requests', { ...q }, signal),
  /** 403 CONTROL_SELF_APPROVAL for the requester; 409 CONTROL_BULK_NOT_PENDING once decided. */
  approve: (id: string, note?: string) => http.post<BulkRequest>(`/api/control/bulk-requests/${encodeURIComponent(id)}/approve`, note ? { note } : {}),
  reject: (id: string, reason: string) => http.post<BulkRequest>(`/api/control/bulk-requests/${encodeURIComponent(id)}/reject`, { reason }),
  summary: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<ControlSummary>('/api/control/summary', { jurisdictionId }, signal),
  /** Review records (研判记录): what a manual_review basis names. */
  reviews: (q: { status?: ReviewStatus; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: ReviewRecordDto[]; total: number }>('/api/control/reviews', { ...q }, signal),
  createReview: (input: { jurisdictionId?: string; subject: string; reason: string; evidence: string }) =>
    http.post<ReviewRecordDto>('/api/control/reviews', input),
  review: (id: string, signal?: AbortSignal) => http.get<ReviewRecordDto>(`/api/control/reviews/${encodeURIComponent(id)}`, undefined, signal),
  /** 403 CONTROL_REVIEW_SELF_APPROVAL for its reviewer. */
  approveReview: (id: string, note?: string) => http.post<ReviewRecordDto>(`/api/control/reviews/${encodeURIComponent(id)}/approve`, note ? { note } : {}),
  rejectReview: (id: string, reason: string) => http.post<ReviewRecordDto>(`/api/control/reviews/${encodeURIComponent(id)}/reject`, { reason }),
};
