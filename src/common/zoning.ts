/**
 * Risk areas (风险区): the vocabulary and every response shape the zoning API returns and the web
 * shows. One definition for both (the server's src/server/modules/zoning/ imports it).
 *
 * ROUTES (all JSON unless noted; every write takes an Idempotency-Key like the rest of the API)
 *
 * | method | path                                         | body                       | response                       | capability   |
 * |--------|----------------------------------------------|----------------------------|--------------------------------|--------------|
 * | GET    | /api/zoning/areas?status&level&jurisdictionId&limit&offset |              | { items: AreaDto[], total }    | area.read    |
 * | GET    | /api/zoning/areas/:id                        |                            | AreaDetailDto                  | area.read    |
 * | POST   | /api/zoning/proposals                        | GenerateProposalsBody      | GenerateProposalsResultDto 201 | area.propose |
 * | POST   | /api/zoning/areas                            | CreateAreaBody             | AreaDetailDto 201 (proposed)   | area.propose |
 * | PATCH  | /api/zoning/areas/:id                        | AdjustAreaBody             | AreaDetailDto (proposed only)  | area.propose |
 * | POST   | /api/zoning/areas/:id/publish                | PublishAreaBody            | AreaDetailDto                  | area.publish |
 * | POST   | /api/zoning/areas/:id/reject                 | { reason }                 | AreaDetailDto                  | area.publish |
 * | POST   | /api/zoning/areas/:id/step                   | StepAreaBody               | AreaDetailDto                  | area.publish |
 * | POST   | /api/zoning/areas/:id/justify                | { justification }          | AreaDetailDto                  | area.publish |
 * | POST   | /api/zoning/areas/:id/extensions/:extensionId | DecideExtensionBody       | AreaDetailDto                  | area.publish |
 * | GET    | /api/zoning/detector?jurisdictionId          |                            | DetectorReportDto              | area.read    |
 * | GET    | /api/zoning/detector/export?jurisdictionId   |                            | XLSX file (attachment)         | area.read    |
 * | GET    | /api/zoning/settings                         |                            | ZoningSettingsDto              | area.read    |
 * | PUT    | /api/zoning/settings                         | { ratioThreshold }         | ZoningSettingsDto              | area.publish |
 * | GET    | /api/zoning/map?jurisdictionId&date          |                            | ZoningMapDto                   | area.read    |
 * | GET    | /api/public/zoning                           |                            | PublicZoningDto                | public       |
 * | GET    | /api/public/zoning/geojson                   |                            | PublicFeatureCollection        | public       |
 *
 * Errors (`{ error: { code, message, details } }`): ZONING_AREA_NOT_FOUND 404,
 * ZONING_BASIS_REQUIRED 422, ZONING_BASIS_NOT_FOUND 422 (also for a case or contact outside the caller's scope), ZONING_LEVEL_NOT_IN_PRESET 422 (details.allowed), ZONING_GRANULARITY_UNAVAILABLE
 * 422 (details.nodes), ZONING_NODE_NOT_FOUND 404 (also for a node outside the caller's scope, never named),
 * ZONING_NODES_REQUIRED 422, ZONING_NOT_PROPOSED 409, ZONING_NOT_PUBLISHED 409,
 * ZONING_ACTIVE_CASE_INSIDE 422 (details.cases; retry with override + reason),
 * ZONING_STEP_NOT_DUE 422 (details.dueAt; retry with override + reason),
 * ZONING_NEGATIVE_ROUND_REQUIRED 422 (details.round names the lifting round campaign and its numbers; never
 * overridden), ZONING_COUNTY_NOT_CLEAR 409 (details.areas), ZONING_SECOND_PERSON_REQUIRED 422 (an area
 * not proposed from evidence, or over control's bulk threshold, published by its proposer),
 * ZONING_EXTENSION_NOT_FOUND 404, ZONING_EXTENSION_DECIDED 409, ZONING_JUSTIFICATION_REQUIRED 422
 * (a flagged area is published or kept only with a justification), ZONING_NO_STEP 409,
 * ZONING_THRESHOLD_INVALID 422. Public routes: 503 + Retry-After under heavy load.
 *
 * Live updates (SSE topic): `zoning.changed` { areaId, status, level, version } after every write.
 */
import type { JurisdictionLevel } from './geo.js';

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** Risk levels, strictest first (aligned with RiskLevel in src/server/modules/cases/presets.schema.ts). */
export const RISK_LEVELS = ['high', 'medium', 'low'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const RISK_LEVEL_LABELS: Record<RiskLevel, { zh: string; en: string }> = {
  high: { zh: '高风险区', en: 'High risk' },
  medium: { zh: '中风险区', en: 'Medium risk' },
  low: { zh: '低风险区', en: 'Low risk' },
};

/** Map colours per level (red / orange / yellow as on the official lists). */
export const RISK_LEVEL_COLORS: Record<RiskLevel, string> = { high: '#d4380d', medium: '#fa8c16', low: '#fadb14' };

/** Rank for "highest level wins" (effective level of a place covered by nested areas). */
export const RISK_LEVEL_RANK: Record<RiskLevel, number> = { high: 3, medium: 2, low: 1 };

/** Levels an area can be drawn at, finest first (aligned with Granularity in presets.schema.ts). */
export const GRANULARITIES = ['entrance', 'building', 'compound', 'community', 'street'] as const;
export type Granularity = (typeof GRANULARITIES)[number] & JurisdictionLevel;

/** Coarseness: a larger number is a coarser (wider) drawing. */
export const GRANULARITY_RANK: Record<Granularity, number> = { entrance: 1, building: 2, compound: 3, community: 4, street: 5 };

/** An area's life: proposed → published → (stepped down) → lifted; or proposed → rejected. */
export const AREA_STATUSES = ['proposed', 'published', 'lifted', 'rejected'] as const;
export type AreaStatus = (typeof AREA_STATUSES)[number];

export const AREA_STATUS_LABELS: Record<AreaStatus, { zh: string; en: string }> = {
  proposed: { zh: '待审核', en: 'Proposed' },
  published: { zh: '已发布', en: 'Published' },
  lifted: { zh: '已解封', en: 'Lifted' },
  rejected: { zh: '已驳回', en: 'Rejected' },
};

/** Measures attached to an area (管控措施). */
export const MEASURE_KINDS = [
  'stay_at_home',
  'no_entry_exit',
  'door_to_door_delivery',
  'staggered_pickup',
  'no_gathering',
  'daily_testing',
  'personal_protection',
] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

export const MEASURE_LABELS: Record<MeasureKind, { zh: string; en: string }> = {
  stay_at_home: { zh: '足不出户', en: 'Stay at home' },
  no_entry_exit: { zh: '只进不出 / 不进不出', en: 'No entry or exit' },
  door_to_door_delivery: { zh: '上门服务', en: 'Door-to-door delivery' },
  staggered_pickup: { zh: '人不出区、错峰取物', en: 'Stay in the area, staggered pick-up' },
  no_gathering: { zh: '严禁聚集', en: 'No gatherings' },
  daily_testing: { zh: '每日核酸检测', en: 'Daily testing' },
  personal_protection: { zh: '个人防护', en: 'Personal protection' },
};

/** Default measures per level (9th edition §(四)); an area may carry others. */
export const DEFAULT_MEASURES: Record<RiskLevel, MeasureKind[]> = {
  high: ['stay_at_home', 'door_to_door_delivery', 'daily_testing'],
  medium: ['staggered_pickup', 'no_gathering'],
  low: ['personal_protection'],
};

/**
 * The AREA measure residents of a published area are under (through the status guard, basis
 * `{type:'risk_area', id}`): high → 封控 sealed (足不出户, stay at home); medium → 管控 controlled
 * (人不出区, do not leave the area); low → none (individual protection, no control status). Source:
 * 新型冠状病毒肺炎防控方案（第九版）, risk-area measures. These are measures of the area, not of a
 * person: residents are not counted as in quarantine, and testing campaigns sample them door to door.
 */
export const LEVEL_CONTROL_STATUS: Record<RiskLevel, 'sealed' | 'controlled' | null> = {
  high: 'sealed',
  medium: 'controlled',
  low: null,
};

/** History events of an area (each one is also a journal entry). */
export const AREA_EVENT_KINDS = [
  'proposed',
  'adjusted',
  'published',
  'rejected',
  'stepped',
  'lifted',
  'countdown_reset',
  'justified',
  'lift_due',
  'overdue',
  'round_created',
  'extension_proposed',
  'extension_accepted',
  'extension_rejected',
] as const;
export type AreaEventKind = (typeof AREA_EVENT_KINDS)[number];

export const AREA_EVENT_LABELS: Record<AreaEventKind, { zh: string; en: string }> = {
  proposed: { zh: '提出', en: 'Proposed' },
  adjusted: { zh: '调整', en: 'Adjusted' },
  published: { zh: '发布', en: 'Published' },
  rejected: { zh: '驳回', en: 'Rejected' },
  stepped: { zh: '降级', en: 'Stepped down' },
  lifted: { zh: '解封', en: 'Lifted' },
  countdown_reset: { zh: '倒计时重置', en: 'Countdown reset' },
  justified: { zh: '保留说明', en: 'Justified' },
  lift_due: { zh: '到期提醒', en: 'Step due' },
  overdue: { zh: '逾期未解封', en: 'Past lifting date' },
  round_created: { zh: '发起解封核酸', en: 'Lifting round created' },
  extension_proposed: { zh: '周边病例·建议延长', en: 'Extension proposed' },
  extension_accepted: { zh: '同意延长', en: 'Extension accepted' },
  extension_rejected: { zh: '不予延长', en: 'Extension rejected' },
};

/** Extension proposals: a new case near an area (一区一策: a person decides). */
export const EXTENSION_STATUSES = ['proposed', 'accepted', 'rejected'] as const;
export type ExtensionStatus = (typeof EXTENSION_STATUSES)[number];
export const EXTENSION_STATUS_LABELS: Record<ExtensionStatus, { zh: string; en: string }> = {
  proposed: { zh: '待决定', en: 'To decide' },
  accepted: { zh: '已同意延长', en: 'Accepted' },
  rejected: { zh: '不予延长', en: 'Rejected' },
};

/** Reasons the 一刀切 detector flags an area. */
export const FLAG_KINDS = ['ratio', 'granularity', 'past_lifting'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export const FLAG_LABELS: Record<FlagKind, { zh: string; en: string }> = {
  ratio: { zh: '范围超出证据', en: 'Wider than the evidence' },
  granularity: { zh: '划定粒度过粗', en: 'Coarser than the preset' },
  past_lifting: { zh: '超期未解封', en: 'Past its lifting date' },
};

/** Default ratio threshold (area population / evidence footprint) above which an area is flagged. */
export const DEFAULT_RATIO_THRESHOLD = 3;

// Request bodies: the zod schemas in src/server/modules/zoning/zoning.schemas.ts (CreateAreaBody, …).

// ---------------------------------------------------------------------------------------------
// Responses

export interface ActorStampDto {
  id: string | null;
  name: string;
  at: number;
}

export interface AreaNodeDto {
  jurisdictionId: string;
  code: string;
  name: string;
  /** Written in full from its community down (江南社区 · 滨江苑 · 1栋 · 1单元), never a bare 1单元. */
  place: string;
  level: JurisdictionLevel;
  path: string;
  population: number;
  centroid: [number, number] | null;
}

export interface LiftingScheduleDto {
  /** The step that comes next, or null when none (the preset has no step from this level). */
  next: {
    from: RiskLevel;
    to: RiskLevel | 'lifted';
    daysWithoutNewCase: number;
    negativeRoundDay: number | null;
    whenCountyClear: boolean;
    source: string;
  } | null;
  /** Epoch ms the countdown starts from: the later of the level's start and the last case inside/near. */
  anchorAt: number | null;
  /** Epoch ms the next step is due (start of the calendar day after the days have passed). */
  dueAt: number | null;
  /** Whole days left (0 = due). */
  daysLeft: number | null;
  due: boolean;
  /** Past the due date and still not stepped (an alert to HQ). */
  overdue: boolean;
  /** When the step needs a negative round of everyone in the area: the round and its numbers. */
  negativeRound: LiftingRoundDto | null;
  /** When the step waits for the county to be clear: the high and medium areas still standing there. */
  countyClear: { clear: boolean; blocking: { id: string; name: string; level: RiskLevel }[] } | null;
  /** The latest case that (re)started the countdown (inside, or near with an accepted extension), with the reason shown to users. */
  lastCase: { caseId: string; confirmedAt: number; where: 'inside' | 'near'; distanceM: number | null; reason: string } | null;
  /** Active cases (in treatment) whose residence lies inside: lifting is refused unless overridden. */
  activeCasesInside: number;
}

/** The lifting round: a testing campaign over the area's nodes, created by the lifting schedule on its day. */
export interface LiftingRoundDto {
  /** The countdown day of the round (7 under the 9th edition, 5 under November 2022). */
  dayNumber: number;
  /** Its calendar day, YYYY-MM-DD in BULWARK_TZ. */
  day: string;
  /** The campaign, once the schedule has created it (on the round's day). */
  campaignId: string | null;
  campaignName: string | null;
  /** Persons in the area to sample (everyone; nobody is exempt for being sealed). */
  target: number;
  sampled: number;
  negative: number;
  /** Positive or suspicious tubes, pending and positive rechecks. */
  positive: number;
  /** Everyone sampled and every result negative: the step may go ahead. */
  passed: boolean;
}

/** A proposal to extend an area's countdown for a case near it. */
export interface ExtensionDto {
  id: string;
  caseId: string;
  caseConfirmedAt: number;
  distanceM: number;
  status: ExtensionStatus;
  /** The evidence, Chinese first (`病例住址距区域 150 米（2026-12-07 确诊）`). */
  evidence: string;
  decidedBy: (ActorStampDto & { reason: string }) | null;
  createdAt: number;
}

export interface DetectorFlagDto {
  kind: FlagKind;
  /** The numbers, Chinese first (`人口比 12.0 超过阈值 3`). */
  message: string;
}

export interface DetectorRowDto {
  areaId: string;
  name: string;
  status: AreaStatus;
  level: RiskLevel;
  granularity: Granularity;
  presetGranularity: Granularity | null;
  districtPath: string;
  districtName: string;
  /** Residents of the covered nodes. */
  population: number;
  /** Residents of the entrances/buildings that hold cases or close contacts (cases and contacts of the basis). */
  evidenceFootprint: number;
  /** population / evidenceFootprint (null when the footprint is 0). */
  ratio: number | null;
  pastLifting: boolean;
  personsUnderMeasure: number;
  activeCases: number;
  personsPerActiveCase: number | null;
  flags: DetectorFlagDto[];
  flagged: boolean;
  justification: string | null;
  /** Flagged, published and no justification on record. */
  needsJustification: boolean;
}

export interface DistrictRollupDto {
  districtPath: string;
  districtName: string;
  areas: number;
  flagged: number;
  population: number;
  evidenceFootprint: number;
  ratio: number | null;
  personsUnderMeasure: number;
  activeCases: number;
  personsPerActiveCase: number | null;
  pastLifting: number;
}

export interface DetectorReportDto {
  ratioThreshold: number;
  generatedAt: number;
  areas: DetectorRowDto[];
  districts: DistrictRollupDto[];
}

export interface AreaDto {
  id: string;
  name: string;
  status: AreaStatus;
  level: RiskLevel;
  /** The coarsest level among its nodes. */
  granularity: Granularity;
  measures: MeasureKind[];
  jurisdictionPath: string;
  districtPath: string;
  districtName: string;
  nodeCount: number;
  population: number;
  basis: { caseIds: string[]; contactIds: string[] };
  /** `key@vN` of the preset in force when proposed (kept when the active preset changes). */
  presetVersion: string;
  presetName: string;
  proposedBy: ActorStampDto;
  /** Publishing by an `area.publish` holder is the approval: approvedBy = publishedBy. */
  approvedBy: ActorStampDto | null;
  /** `proposal` (drawn by the platform from case evidence) or `manual` (drawn by hand). */
  source: 'proposal' | 'manual';
  /**
   * Publishing needs a second person (the publisher is not the proposer): the area is not a
   * proposal from evidence, or covers more people than control's bulk threshold.
   */
  needsSecondPerson: boolean;
  publishedBy: ActorStampDto | null;
  liftedBy: ActorStampDto | null;
  rejectedBy: (ActorStampDto & { reason: string }) | null;
  /** Epoch ms the current level began (publication or the last step). */
  levelSince: number | null;
  schedule: LiftingScheduleDto | null;
  flagged: boolean;
  justification: string | null;
  updatedAt: number;
}

export interface AreaEventDto {
  id: string;
  kind: AreaEventKind;
  status: AreaStatus;
  level: RiskLevel;
  actor: { id: string | null; name: string };
  at: number;
  reason: string | null;
  /** Extra facts (persons put under/released from measures, nodes added/removed, the case behind a reset…). */
  details: Record<string, unknown>;
  journalSeq: number | null;
}

export interface AreaDetailDto extends AreaDto {
  nodes: AreaNodeDto[];
  history: AreaEventDto[];
  detector: DetectorRowDto | null;
  /** Persons currently under a measure that rests on this area. */
  personsUnderMeasure: number;
  /** The open lift task, when a step is due. */
  liftTaskId: string | null;
  /** Cases near the area and what was decided about extending its countdown. */
  extensions: ExtensionDto[];
}

export interface GenerateProposalsResultDto {
  created: AreaDto[];
  /** Places skipped and why (already covered by a proposed/published area, no node at the granularity…). */
  skipped: { placeId: string; caseId: string; reason: string }[];
  /**
   * November 2022 (no medium level): places a case only visited become notices, a task to the unit
   * owning the place's jurisdiction (never a high area by default). Once per place.
   */
  notices: { placeId: string; caseId: string; unitId: string; unitName: string; taskId: string }[];
}

export interface ZoningSettingsDto {
  ratioThreshold: number;
}

/** A GeoJSON feature of the zoning map (one covered node). */
export interface ZoningFeatureProperties {
  jurisdictionId: string;
  name: string;
  level: JurisdictionLevel;
  /** Highest level of the published areas covering it (itself or an ancestor) on that day. */
  effectiveLevel: RiskLevel;
  areaIds: string[];
  flagged: boolean;
}

export interface ZoningMapDto {
  /** The day shown (YYYY-MM-DD in BULWARK_TZ), rebuilt from the area history for past days. */
  date: string;
  asOf: number;
  areas: { id: string; name: string; level: RiskLevel; status: AreaStatus; flagged: boolean; nodeIds: string[] }[];
  features: { type: 'FeatureCollection'; features: { type: 'Feature'; geometry: unknown; properties: ZoningFeatureProperties }[] };
  /** Truncated when more covered nodes exist than the map serves. */
  truncated: boolean;
}

// The public answers: publicList and publicGeojson in zoning.schemas.ts (PublicZoningDto, …).

/** Text limits of the zoning requests (characters). */
export const ZONING_LIMITS = {
  name: 200,
  note: 1000,
  /** Why an area is adjusted, rejected, stepped early or an extension decided (journaled). */
  reason: 1000,
  /** Why a flagged area is published anyway (shown in the detector report). */
  justification: 2000,
} as const;
