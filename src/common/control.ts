/**
 * Control status (管控状态): the vocabulary that the server's status guard and the web share (values
 * only; the request and response shapes are the zod schemas in control.schemas.ts).
 */

/** A person's control status (管控状态). `none` is also what a person without any record has. */
export const CONTROL_STATUSES = [
  'none',
  'pending_recheck',
  'quarantined_central',
  'quarantined_home',
  'home_monitored',
  'sealed',
  'controlled',
  'released',
  'awaiting_placement',
] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/**
 * Measures of a PERSON (a contact, a traveller, a pooled resident awaiting a recheck): counted as
 * "people under measures" and "people in quarantine".
 */
export const PERSON_MEASURE_STATUSES = ['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'awaiting_placement'] as const;
/**
 * A contact awaiting placement (待转运, issue 16): identified and held where they are, but not in
 * quarantine until a stay with a room (central) or at the home address starts. Only that stay moves
 * them to quarantined_central / quarantined_home, so the control page, the stays list and the
 * facilities' occupancy count the same people.
 */
export const AWAITING_PLACEMENT = 'awaiting_placement' as const;
/**
 * Measures of a RISK AREA that its residents are under (9th edition §risk areas; November 2022 high
 * areas): sealed 封控区 "stay at home" (足不出户, high areas) and controlled 管控区 "do not leave the
 * area" (人不出区, medium areas). They are not quarantine: a sealed compound is tested door to door,
 * never exempted, and never counted as people in quarantine.
 */
export const AREA_MEASURE_STATUSES = ['sealed', 'controlled'] as const;
export type AreaMeasureStatus = (typeof AREA_MEASURE_STATUSES)[number];

/** Labels, Chinese first. */
export const CONTROL_STATUS_LABELS: Record<ControlStatus, { zh: string; en: string }> = {
  none: { zh: '无管控', en: 'None' },
  pending_recheck: { zh: '待复核', en: 'Pending recheck' },
  quarantined_central: { zh: '集中隔离', en: 'Central quarantine' },
  quarantined_home: { zh: '居家隔离', en: 'Home quarantine' },
  home_monitored: { zh: '居家健康监测', en: 'Home health monitoring' },
  sealed: { zh: '封控（足不出户）', en: 'Sealed area (stay at home)' },
  controlled: { zh: '管控（人不出区）', en: 'Controlled area (stay in the area)' },
  released: { zh: '解除', en: 'Released' },
  awaiting_placement: { zh: '待转运', en: 'Awaiting placement' },
};

/** The epidemiological record a change rests on (依据). */
export const BASIS_TYPES = ['tube', 'case', 'contact', 'risk_area', 'recheck', 'manual_review', 'traveller'] as const;
export type BasisType = (typeof BASIS_TYPES)[number];

// The response shapes are the zod schemas in src/server/modules/control/control.schemas.ts (with their
// inferred types: ControlStatusDto, StatusChangeDto, BulkRequestDto, ReviewRecordDto, …).

export type MeasureOrReleased = Exclude<ControlStatus, 'none'>;

/** A review record's state: waiting for a second person, approved (citable), or rejected. */
export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Text limits of the control requests (characters). */
export const CONTROL_LIMITS = {
  /** The id of the record a status change rests on. */
  basisId: 128,
  /** Why a status changes, a bulk request is rejected (journaled). */
  reason: 2000,
  note: 2000,
  /** A review's subject, reason and evidence: at least this many characters each (a word or two is not a review). */
  reviewMinText: 4,
  reviewSubject: 500,
  reviewReason: 2000,
  reviewEvidence: 4000,
} as const;
