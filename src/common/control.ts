/**
 * Control status (管控状态): the vocabulary and the response shapes that the server's status guard
 * returns and the web shows. One definition for both.
 */

/** A person's control status (管控状态). `none` is also what a person without any record has. */
export const CONTROL_STATUSES = ['none', 'pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'released'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** Labels, Chinese first. */
export const CONTROL_STATUS_LABELS: Record<ControlStatus, { zh: string; en: string }> = {
  none: { zh: '无管控', en: 'None' },
  pending_recheck: { zh: '待复核', en: 'Pending recheck' },
  quarantined_central: { zh: '集中隔离', en: 'Central quarantine' },
  quarantined_home: { zh: '居家隔离', en: 'Home quarantine' },
  home_monitored: { zh: '居家健康监测', en: 'Home health monitoring' },
  released: { zh: '解除', en: 'Released' },
};

/** The epidemiological record a change rests on (依据). */
export const BASIS_TYPES = ['tube', 'case', 'contact', 'risk_area', 'recheck', 'manual_review', 'traveller'] as const;
export type BasisType = (typeof BASIS_TYPES)[number];

export interface Basis {
  type: BasisType;
  /** Id of the record: a tube, a case, a contact link, a risk area, a recheck tube, a review, a traveller record. */
  id: string;
}

// Response shapes

export interface ActorRef {
  id: string | null;
  name: string;
}

export interface ControlStatusDto {
  personId: string;
  status: ControlStatus;
  /** Epoch ms the current status began; null when the person never had a status. */
  since: number | null;
  endsAt: number | null;
  basis: Basis | null;
  reason: string | null;
  presetVersion: string | null;
  updatedAt: number | null;
}

export interface StatusChangeDto {
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
  /** For bulk-approved changes: who asked and who approved (the two persons). */
  bulkRequest: { id: string; requestedBy: ActorRef; requestedAt: number; approvedBy: ActorRef | null; approvedAt: number | null; note: string | null } | null;
  journalSeq: number;
}

export interface ExplanationDto extends ControlStatusDto {
  /** Every change, oldest first: the chain of bases that led to the current status. */
  history: StatusChangeDto[];
}

export interface BulkRequestDto {
  id: string;
  status: 'pending' | 'applied' | 'rejected';
  to: ControlStatus;
  basis: Basis;
  reason: string;
  endsAt: number | null;
  personCount: number;
  /** Present on single-request reads; lists omit it. */
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

export type MeasureOrReleased = Exclude<ControlStatus, 'none'>;

export interface ControlSummaryDto {
  jurisdictionPath: string;
  /** Persons currently in each status within the subtree (`none` is not counted: it is everyone else). */
  counts: Record<MeasureOrReleased, number>;
  /** Persons under a measure: pending recheck, quarantined (both) and home-monitored. */
  underMeasure: number;
}
