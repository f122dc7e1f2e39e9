/**
 * Cases, tracing, clusters and presets (感染者、流调、一起疫情、防控方案): the response shapes the
 * server's cases module returns and the web shows. One definition for both (the server's
 * src/server/modules/cases/ services import and re-export these types).
 */
// Type-only: the preset parameters are inferred from the server's zod schema (no server code in the bundle).
import type { PresetParams } from '../server/modules/cases/presets.schema.js';

export type { PresetParams };

export type CaseKind = 'confirmed' | 'asymptomatic';
export type ClinicalStatus = 'treatment' | 'recovered' | 'discharged';
/** 管控内 (found inside control measures) / 社会面 (found in the community). */
export type DetectionChannel = 'in_control' | 'community';
export type ContactCategory = 'close' | 'secondary';
export type ContactRouting = 'local' | 'handover' | 'assist';
export type AssistStatus = 'pending' | 'sent' | 'answered' | 'closed';
export type ClusterStatus = 'active' | 'contained' | 'extinguished';

/** One preset version (防控方案). */
export interface PresetDto {
  id: string;
  key: string;
  version: number;
  /** `key@vN`: what records store as the version they were handled under. */
  label: string;
  name: string;
  nameEn: string | null;
  params: PresetParams;
  shipped: boolean;
  active: boolean;
  activatedAt: number | null;
  createdBy: { id: string | null; name: string };
  createdAt: number;
}

/** One speed measure against its target (hours). */
export interface SpeedMeasure {
  hours: number | null;
  targetHours: number;
  /** null while not yet measurable. */
  met: boolean | null;
}

/** The four speed measures, in the order the issue names them. */
export const SPEED_KEYS = ['positiveToConfirmed', 'coreInvestigation', 'closeContactsIdentified', 'contactToQuarantine'] as const;
export type SpeedKey = (typeof SPEED_KEYS)[number];

export interface CaseSpeed {
  positiveToConfirmed: SpeedMeasure;
  coreInvestigation: SpeedMeasure;
  closeContactsIdentified: SpeedMeasure;
  /** Mean over the case's contacts in quarantine. */
  contactToQuarantine: SpeedMeasure;
}

export interface CaseDto {
  id: string;
  personId: string;
  nameMasked: string;
  kind: CaseKind;
  jurisdictionPath: string;
  onsetDate: string | null;
  reportDate: string;
  confirmedAt: number;
  clinicalStatus: ClinicalStatus;
  detectionChannel: DetectionChannel;
  sourceCaseId: string | null;
  clusterId: string | null;
  presetId: string;
  presetVersion: string;
  links: { positiveTubeId: string | null; recheckId: string | null; recheckTubeId: string | null };
  positiveAt: number | null;
  coreInvestigationAt: number | null;
  closeContactsAt: number | null;
  createdAt: number;
}

/** A case with its speed measures (GET /api/cases/:id). */
export type CaseDetailDto = CaseDto & { speed: CaseSpeed };

export interface CaseListDto {
  items: CaseDto[];
  nextCursor: string | null;
}

export interface PlaceDto {
  id: string;
  caseId: string;
  jurisdictionId: string | null;
  placePath: string | null;
  placeLevel: string | null;
  location: [number, number] | null;
  snapped: boolean;
  description: string | null;
  fromAt: number;
  toAt: number;
}

export interface ContactDto {
  id: string;
  caseId: string;
  clusterId: string | null;
  personId: string | null;
  nameMasked: string;
  category: ContactCategory;
  exposureDate: string;
  exposurePlace: string | null;
  relation: string | null;
  /** Exposure before the preset's look-back window (flagged, kept). */
  beforeLookback: boolean;
  routing: ContactRouting;
  handoverTaskId: string | null;
  assistRequestId: string | null;
  controlStatus: string | null;
  quarantinedAt: number | null;
  status: 'open' | 'closed';
  presetVersion: string;
  identifiedAt: number;
  /** Secondary contacts (9th edition): the close contact they were exposed through. */
  viaContactId: string | null;
}

export interface ContactListDto {
  items: ContactDto[];
  nextCursor: string | null;
}

/** A non-resident registered inline with a contact (POST /api/cases/:id/contacts, `newPerson`). */
export interface NewContactPerson {
  name: string;
  idType: 'resident_id' | 'passport' | 'hk_macao_tw';
  idNumber: string;
  phone?: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  /** Place of stay in the city. */
  jurisdictionId: string;
  regionOfOrigin?: string | null;
}

/** The body of POST /api/cases/:id/contacts: exactly one of personId, newPerson, outsideCity. */
export interface ContactBody {
  category: ContactCategory;
  exposureDate: string;
  exposurePlace?: string | null;
  relation?: string | null;
  personId?: string | null;
  newPerson?: NewContactPerson | null;
  outsideCity?: { region: string; name: string; note?: string | null } | null;
}

/** Cross-region request (协查). */
export interface AssistDto {
  id: string;
  direction: 'outgoing' | 'incoming';
  status: AssistStatus;
  region: string;
  caseId: string | null;
  contactId: string | null;
  subjectMasked: string;
  category: string | null;
  note: string | null;
  externalRef: string | null;
  jurisdictionPath: string;
  createdAt: number;
  updatedAt: number;
}

/** One speed measure aggregated over a cluster's cases. */
export interface SpeedAggregate {
  meanHours: number | null;
  targetHours: number;
  /** Cases where it could be measured. */
  measured: number;
  /** Of those, within the target. */
  met: number;
}

export interface ClusterBoardItem {
  id: string;
  name: string;
  status: ClusterStatus;
  jurisdictionPath: string;
  firstCaseId: string | null;
  presetVersion: string;
  cases: number;
  daysSinceLastCase: number;
  /** Share of cases found inside control (管控内), 0..1. */
  inControlShare: number;
  openContacts: number;
  uncontrolledContacts: number;
  speed: Record<SpeedKey, SpeedAggregate>;
}

export interface ClusterBoardDto {
  items: ClusterBoardItem[];
}

export interface ClusterDto {
  id: string;
  name: string;
  status: ClusterStatus;
  jurisdictionPath: string;
  firstCaseId: string | null;
  presetVersion: string;
  lastCaseAt: number | null;
  containedAt: number | null;
  extinguishedAt: number | null;
  createdAt: number;
}

export interface GraphNode {
  id: string;
  type: 'case' | 'contact';
  /** Masked name. */
  label: string;
  /** Case kind or contact category. */
  category: string;
  /** Clinical status (case) or control status (contact). */
  status: string;
}
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'transmission' | 'contact' | 'became_case';
}
export interface ClusterGraphDto {
  clusterId: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

// Spatiotemporal companions (时空伴随): the shapes GET /api/companions/batches… return.

export interface CompanionOverlap {
  cell: string;
  from: number;
  to: number;
  minutes: number;
}

export interface CompanionCandidateDto {
  id: string;
  personId: string | null;
  subjectKey: string;
  totalMinutes: number;
  overlapCount: number;
  evidence: CompanionOverlap[];
  cells: string[];
  decision: 'accepted' | 'rejected' | null;
  decidedAt: number | null;
  note: string | null;
  /** The case contact an accepted candidate became. */
  contactId: string | null;
}

export interface CompanionBatchDto {
  id: string;
  personId: string;
  caseId: string | null;
  jurisdictionPath: string;
  params: { from: number; to: number; windowDays: number; minOverlapMinutes: number; minTotalMinutes: number };
  candidateCount: number;
  pendingCount: number;
  createdAt: number;
  candidates?: CompanionCandidateDto[];
}

/** A traveller (来返、入境、高风险岗位人员) with the active preset's schedule for the category. */
export interface TravellerDto {
  id: string;
  personId: string;
  personNameMasked: string | null;
  jurisdictionPath: string;
  category: import('./quarantine.js').TravellerCategory;
  origin: string;
  /** Arrival (or end of closed-loop work), day 0 of the schedule. */
  arrivalDay: string;
  entryPoint: string | null;
  preset: { id: string; version: string };
  /** The schedule under the preset the traveller was registered under. */
  schedule: {
    /** The text and clause this category's numbers come from. */
    source: string;
    /** The stay (phases, test days) when the category has one; place the person with basis `traveller`. */
    stay: import('../server/modules/quarantine/quarantine.schemas.js').StayPlanDto | null;
    /** Tests without a stay (3天2检): `tests` tests by `byDay`. */
    testWindow: { tests: number; withinDays: number; byDay: string } | null;
  };
  arrivalTests: { id: string; entryPoint: string; testedAt: number; result: 'negative' | 'positive' | null; resultRef: string | null }[];
  createdAt: number;
}

/** Text limits of the cases, tracing, assist, preset and traveller requests (characters). */
export const CASE_LIMITS = {
  /** Why a case is confirmed, corrected, re-sourced or its status changed (journaled). */
  reason: 1000,
  note: 1000,
  placeDescription: 500,
  exposurePlace: 500,
  relation: 100,
  personName: 50,
  idNumber: 40,
  phone: 20,
  /** A region of origin, or the region an outside contact or an assist request comes from. */
  region: 100,
  externalRef: 100,
  presetKey: 80,
  presetName: 200,
  /** A cluster's name (西陵区 12·07 疫情). */
  clusterName: 100,
  travellerOrigin: 200,
  entryPoint: 200,
  resultRef: 200,
} as const;
