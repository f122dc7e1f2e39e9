/**
 * Risk areas (风险区): the vocabulary the zoning API and the web share (values only). The request and
 * response shapes are the zod schemas in src/server/modules/zoning/zoning.schemas.ts, re-exported
 * here type-only.
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

// Responses: the zod schemas in src/server/modules/zoning/zoning.schemas.ts, re-exported type-only.
export type {
  ActorStampDto,
  AreaDetailDto,
  AreaDto,
  AreaEventDto,
  AreaNodeDto,
  DetectorFlagDto,
  DetectorReportDto,
  DetectorRowDto,
  DistrictRollupDto,
  ExtensionDto,
  GenerateProposalsResultDto,
  LiftingRoundDto,
  LiftingScheduleDto,
  ZoningFeatureProperties,
  ZoningMapDto,
  ZoningSettingsDto,
} from '../server/modules/zoning/zoning.schemas.js';

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
