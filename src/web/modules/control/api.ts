import { http } from '../../app/http.js';

/** A person's control status (管控状态); the server's status guard owns every change. */
export const CONTROL_STATUSES = ['none', 'pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'released'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** What a change rests on (依据). */
export const BASIS_TYPES = ['tube', 'case', 'contact', 'risk_area', 'recheck', 'manual_review'] as const;
export type BasisType = (typeof BASIS_TYPES)[number];

/** Statuses a person is held to (tag colours follow strictness). */
export const STATUS_COLORS: Record<ControlStatus, string> = {
  none: 'default',
  released: 'green',
  home_monitored: 'gold',
  pending_recheck: 'orange',
  quarantined_home: 'volcano',
  quarantined_central: 'red',
};

export interface ActorRef {
  id: string | null;
  name: string;
}

export interface Basis {
  type: BasisType;
  id: string;
}

export interface StatusChange {
  id: string;
  from: ControlStatus;
  to: ControlStatus;
  basis: Basis;
  reason: string;
  endsAt: number | null;
  mode: 'automatic' | 'manual' | 'bulk';
  presetVersion: string | null;
  actor: ActorRef;
  at: number;
  bulkRequest: { id: string; requestedBy: ActorRef; requestedAt: number; approvedBy: ActorRef | null; approvedAt: number | null; note: string | null } | null;
  journalSeq: number;
}

/** GET /api/control/persons/:personId — the status and the basis chain. */
export interface Explanation {
  personId: string;
  status: ControlStatus;
  since: number | null;
  endsAt: number | null;
  basis: Basis | null;
  reason: string | null;
  presetVersion: string | null;
  updatedAt: number | null;
  history: StatusChange[];
}

export type BulkStatus = 'pending' | 'applied' | 'rejected';

export interface BulkRequest {
  id: string;
  status: BulkStatus;
  to: ControlStatus;
  basis: Basis;
  reason: string;
  endsAt: number | null;
  personCount: number;
  personIds?: string[];
  jurisdictionPath: string;
  requestedBy: ActorRef;
  requestedAt: number;
  approvedBy: ActorRef | null;
  approvedAt: number | null;
  approvalNote: string | null;
  rejectedBy: ActorRef | null;
  rejectedAt: number | null;
  rejectReason: string | null;
  appliedAt: number | null;
}

export interface ControlSummary {
  jurisdictionPath: string;
  counts: Record<Exclude<ControlStatus, 'none'>, number>;
  underMeasure: number;
}

export interface ChangeInput {
  personIds: string[];
  to: ControlStatus;
  basis: Basis;
  reason: string;
  endsAt?: number | null;
}

/** 200: applied at once; 202: a bulk request waiting for a second approver. */
export type ChangeOutcome = { applied: number; personIds: string[] } | { bulkRequest: BulkRequest };

export const controlApi = {
  explain: (personId: string, signal?: AbortSignal) => http.get<Explanation>(`/api/control/persons/${encodeURIComponent(personId)}`, undefined, signal),
  change: (input: ChangeInput) => http.post<ChangeOutcome>('/api/control/changes', input),
  bulkRequests: (q: { status?: BulkStatus; limit?: number; offset?: number }, signal?: AbortSignal) => http.get<{ items: BulkRequest[]; total: number }>('/api/control/bulk-requests', { ...q }, signal),
  /** 403 CONTROL_SELF_APPROVAL for the requester; 409 CONTROL_BULK_NOT_PENDING once decided. */
  approve: (id: string, note?: string) => http.post<BulkRequest>(`/api/control/bulk-requests/${encodeURIComponent(id)}/approve`, note ? { note } : {}),
  reject: (id: string, reason: string) => http.post<BulkRequest>(`/api/control/bulk-requests/${encodeURIComponent(id)}/reject`, { reason }),
  summary: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<ControlSummary>('/api/control/summary', { jurisdictionId }, signal),
};
