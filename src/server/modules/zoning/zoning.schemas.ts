import { z } from 'zod';
import { JURISDICTION_LEVELS } from '../../../common/geo.js';
import type { MessageParam } from '../../../common/message-text.js';
import {
  AREA_EVENT_KINDS,
  AREA_STATUSES,
  EXTENSION_STATUSES,
  FLAG_KINDS,
  GRANULARITIES,
  MEASURE_KINDS,
  RISK_LEVELS,
  ZONING_LIMITS,
} from '../../../common/zoning.js';

const id = z.string().min(1).max(64);
const ids = z.array(id).max(5000);
const level = z.enum(RISK_LEVELS);
const measures = z.array(z.enum(MEASURE_KINDS)).max(MEASURE_KINDS.length);
const text = (max: number) => z.string().trim().min(1).max(max);

export const idParams = z.object({ id });

export const listQuery = z.strictObject({
  status: z.enum(AREA_STATUSES).optional(),
  level: level.optional(),
  /** Areas under this node (default: the caller's scope). */
  jurisdictionId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

export const jurisdictionQuery = z.strictObject({ jurisdictionId: id.optional() });

export const mapQuery = z.strictObject({
  jurisdictionId: id.optional(),
  /** The day shown, YYYY-MM-DD in BULWARK_TZ (default today). */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});

export const generateBody = z.strictObject({ jurisdictionId: id.optional() });

export const createBody = z.strictObject({
  name: text(ZONING_LIMITS.name).optional(),
  level,
  /** Entrances, buildings, compounds, communities or streets inside the caller's scope. */
  jurisdictionIds: ids,
  /** Draw at every node of this finer level under the given nodes. */
  drawAt: z.enum(GRANULARITIES).optional(),
  measures: measures.optional(),
  /** The cases and contacts the area rests on (at least one). */
  basis: z.strictObject({ caseIds: ids.optional(), contactIds: ids.optional() }),
  note: text(ZONING_LIMITS.note).optional(),
});

export const adjustBody = z.strictObject({
  name: text(ZONING_LIMITS.name).optional(),
  level: level.optional(),
  addJurisdictionIds: ids.optional(),
  removeJurisdictionIds: ids.optional(),
  measures: measures.optional(),
  /** Why (journaled). */
  reason: z.string().max(ZONING_LIMITS.reason),
});

export const publishBody = z.strictObject({ note: text(ZONING_LIMITS.note).optional(), justification: text(ZONING_LIMITS.justification).optional() });
export const rejectBody = z.strictObject({ reason: z.string().max(ZONING_LIMITS.reason) });
export const stepBody = z.strictObject({
  override: z.boolean().optional(),
  reason: z.string().max(ZONING_LIMITS.reason).optional(),
});
export const extensionParams = z.object({ id, extensionId: id });
export const decideExtensionBody = z.strictObject({
  /** true: the countdown restarts from the near case; false: it runs on. */
  accept: z.boolean(),
  /** Why (journaled). */
  reason: z.string().max(ZONING_LIMITS.reason),
});
export const justifyBody = z.strictObject({ justification: z.string().max(ZONING_LIMITS.justification) });
export const settingsBody = z.strictObject({ ratioThreshold: z.number().min(1).max(1000) });

// Public answers: explicit schemas, so nothing but these fields ever leaves (no persons, no counts of persons).
const publicArea = z.object({
  id: z.string(),
  name: z.string(),
  level,
  measures: z.array(z.enum(MEASURE_KINDS)),
  street: z.string().describe("The street (街道/乡镇) of the area's places; several joined by 、"),
  community: z.string().describe("The community (社区/村) of the area's places; several joined by 、"),
  places: z.array(z.string()).describe('Each place written in full below its community: 小区 · 楼栋 · 单元 (滨江苑 · 1栋 · 1单元), never a bare 1单元'),
  publishedAt: z.number().int(),
  levelSince: z.number().int(),
});
export const publicList = z.object({
  version: z.number().int(),
  generatedAt: z.number().int(),
  districts: z.array(z.object({ districtName: z.string(), districtCode: z.string(), areas: z.array(publicArea) })),
  history: z.array(z.object({ areaId: z.string(), name: z.string(), kind: z.enum(['published', 'stepped', 'lifted']), level, at: z.number().int() })),
});
export const publicGeojson = z.object({
  type: z.literal('FeatureCollection'),
  version: z.number().int(),
  features: z.array(
    z.object({ type: z.literal('Feature'), geometry: z.unknown(), properties: z.object({ areaId: z.string(), name: z.string(), level, place: z.string() }) }),
  ),
});
export const errorResponse = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }) });

// ---- staff responses (issue 15: the one definition; the services build them with `satisfies`)
const ms = z.number().int().describe('epoch ms');
const day = z.string().describe('YYYY-MM-DD in BULWARK_TZ');
const status = z.enum(AREA_STATUSES);
const granularity = z.enum(GRANULARITIES);
const actorStamp = z.object({ id: z.string().nullable(), name: z.string(), at: ms });
const actorStampWithReason = actorStamp.extend({ reason: z.string() });
const areaNode = z.object({
  jurisdictionId: z.string(),
  code: z.string(),
  name: z.string(),
  place: z.string().describe('written in full from its community down (江南社区 · 滨江苑 · 1栋 · 1单元), never a bare 1单元'),
  level: z.enum(JURISDICTION_LEVELS),
  path: z.string(),
  population: z.number().int(),
  centroid: z.tuple([z.number(), z.number()]).nullable(),
});
const liftingRound = z.object({
  dayNumber: z.number().int().describe('the countdown day of the round (7 under the 9th edition, 5 under November 2022)'),
  day,
  campaignId: z.string().nullable().describe('the campaign, once the schedule has created it (on the round day)'),
  campaignName: z.string().nullable(),
  target: z.number().int().describe('persons in the area to sample (everyone; nobody is exempt for being sealed)'),
  sampled: z.number().int(),
  negative: z.number().int(),
  positive: z.number().int().describe('positive or suspicious tubes, pending and positive rechecks'),
  passed: z.boolean().describe('everyone sampled and every result negative: the step may go ahead'),
});
const liftingSchedule = z.object({
  next: z
    .object({
      from: level,
      to: z.enum([...RISK_LEVELS, 'lifted']),
      daysWithoutNewCase: z.number().int(),
      negativeRoundDay: z.number().int().nullable(),
      whenCountyClear: z.boolean(),
      source: z.string(),
    })
    .nullable()
    .describe('the step that comes next, or null when the preset has none from this level'),
  anchorAt: ms.nullable().describe('the countdown starts from the later of the level start and the last case inside/near'),
  dueAt: ms.nullable().describe('start of the calendar day after the days have passed'),
  daysLeft: z.number().int().nullable().describe('whole days left (0 = due)'),
  due: z.boolean(),
  overdue: z.boolean().describe('past the due date and still not stepped (an alert to HQ)'),
  negativeRound: liftingRound.nullable().describe('when the step needs a negative round of everyone in the area'),
  countyClear: z
    .object({ clear: z.boolean(), blocking: z.array(z.object({ id: z.string(), name: z.string(), level })) })
    .nullable()
    .describe('when the step waits for the county to be clear: the high and medium areas still standing there'),
  lastCase: z
    .object({ caseId: z.string(), confirmedAt: ms, where: z.enum(['inside', 'near']), distanceM: z.number().nullable(), reason: z.string() })
    .nullable()
    .describe('the latest case that (re)started the countdown'),
  activeCasesInside: z.number().int().describe('cases in treatment living inside: lifting is refused unless overridden'),
});
const extension = z.object({
  id: z.string(),
  caseId: z.string(),
  caseConfirmedAt: ms,
  distanceM: z.number(),
  status: z.enum(EXTENSION_STATUSES),
  evidence: z.string().describe('the evidence, Chinese first'),
  decidedBy: actorStampWithReason.nullable(),
  createdAt: ms,
});
/** A parameter of a message key (src/common/message-text.ts): text, number, instant, calendar day, nested message or list. */
const messageParam: z.ZodType<MessageParam> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.object({ at: z.number() }),
    z.object({ day: z.string() }),
    z.object({ list: z.array(z.union([z.string(), z.number()])) }),
    z.object({ key: z.string(), params: z.record(z.string(), messageParam).optional() }),
  ]),
) as z.ZodType<MessageParam>;
const detectorFlag = z.object({
  kind: z.enum(FLAG_KINDS),
  message: z.string().describe('the reason with its numbers, in Chinese (the report export and the record)'),
  messageKey: z.string().describe("message key of the reason: render it in the reader's language"),
  messageParams: z.record(z.string(), messageParam).nullable().describe('parameters of messageKey'),
});
const detectorRow = z.object({
  areaId: z.string(),
  name: z.string(),
  status,
  level,
  granularity,
  presetGranularity: granularity.nullable(),
  districtPath: z.string(),
  districtName: z.string(),
  population: z.number().int().describe('residents of the covered nodes'),
  evidenceFootprint: z.number().int().describe('residents of the entrances/buildings that hold cases or close contacts of the basis'),
  ratio: z.number().nullable().describe('population / evidenceFootprint (null when the footprint is 0)'),
  pastLifting: z.boolean(),
  personsUnderMeasure: z.number().int(),
  activeCases: z.number().int(),
  personsPerActiveCase: z.number().nullable(),
  flags: z.array(detectorFlag),
  flagged: z.boolean(),
  justification: z.string().nullable(),
  needsJustification: z.boolean().describe('flagged, published and no justification on record'),
});
const districtRollup = z.object({
  districtPath: z.string(),
  districtName: z.string(),
  areas: z.number().int(),
  flagged: z.number().int(),
  population: z.number().int(),
  evidenceFootprint: z.number().int(),
  ratio: z.number().nullable(),
  personsUnderMeasure: z.number().int(),
  activeCases: z.number().int(),
  personsPerActiveCase: z.number().nullable(),
  pastLifting: z.number().int(),
});
export const detectorReport = z.object({
  ratioThreshold: z.number(),
  generatedAt: ms,
  areas: z.array(detectorRow),
  districts: z.array(districtRollup),
});
export const area = z.object({
  id: z.string(),
  name: z.string(),
  status,
  level,
  granularity: granularity.describe('the coarsest level among its nodes'),
  measures: z.array(z.enum(MEASURE_KINDS)),
  jurisdictionPath: z.string(),
  districtPath: z.string(),
  districtName: z.string(),
  nodeCount: z.number().int(),
  population: z.number().int(),
  basis: z.object({ caseIds: z.array(z.string()), contactIds: z.array(z.string()) }),
  presetVersion: z.string().describe('key@vN of the preset in force when proposed (kept when the active preset changes)'),
  presetName: z.string(),
  proposedBy: actorStamp,
  approvedBy: actorStamp.nullable().describe('publishing by an area.publish holder is the approval: approvedBy = publishedBy'),
  source: z.enum(['proposal', 'manual']).describe('proposal (drawn by the platform from case evidence) or manual (drawn by hand)'),
  needsSecondPerson: z
    .boolean()
    .describe('publishing needs a second person: the area is not a proposal from evidence, or covers more people than the bulk threshold'),
  publishedBy: actorStamp.nullable(),
  liftedBy: actorStamp.nullable(),
  rejectedBy: actorStampWithReason.nullable(),
  levelSince: ms.nullable().describe('when the current level began (publication or the last step)'),
  schedule: liftingSchedule.nullable(),
  flagged: z.boolean(),
  justification: z.string().nullable(),
  updatedAt: ms,
});
export const areaList = z.object({ items: z.array(area), total: z.number().int() });
const areaEvent = z.object({
  id: z.string(),
  kind: z.enum(AREA_EVENT_KINDS),
  status,
  level,
  actor: z.object({ id: z.string().nullable(), name: z.string() }),
  at: ms,
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('extra facts (persons put under/released from measures, nodes added/removed, the case behind a reset…)'),
  journalSeq: z.number().int().nullable(),
});
export const areaDetail = area.extend({
  nodes: z.array(areaNode),
  history: z.array(areaEvent),
  detector: detectorRow.nullable(),
  personsUnderMeasure: z.number().int().describe('persons currently under a measure that rests on this area'),
  liftTaskId: z.string().nullable().describe('the open lift task, when a step is due'),
  extensions: z.array(extension).describe('cases near the area and what was decided about extending its countdown'),
});
export const generateResult = z.object({
  created: z.array(area),
  skipped: z.array(z.object({ placeId: z.string(), caseId: z.string(), reason: z.string() })).describe('places skipped and why'),
  notices: z
    .array(z.object({ placeId: z.string(), caseId: z.string(), unitId: z.string(), unitName: z.string(), taskId: z.string() }))
    .describe('November 2022: places a case only visited become a task to the unit owning the place (once per place)'),
});
export const settings = z.object({ ratioThreshold: z.number() });
const mapFeatureProperties = z.object({
  jurisdictionId: z.string(),
  name: z.string(),
  level: z.enum(JURISDICTION_LEVELS),
  effectiveLevel: level.describe('highest level of the published areas covering it (itself or an ancestor) on that day'),
  areaIds: z.array(z.string()),
  flagged: z.boolean(),
});
export const zoningMap = z.object({
  date: day.describe('the day shown, rebuilt from the area history for past days'),
  asOf: ms,
  areas: z.array(z.object({ id: z.string(), name: z.string(), level, status, flagged: z.boolean(), nodeIds: z.array(z.string()) })),
  features: z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), geometry: z.unknown(), properties: mapFeatureProperties })),
  }),
  truncated: z.boolean().describe('more covered nodes exist than the map serves'),
});

// Request and response shapes, inferred (issue 15: the schemas are the one source; src/common/zoning.ts
// re-exports these types for the web).
export type CreateAreaBody = z.infer<typeof createBody>;
export type AdjustAreaBody = z.infer<typeof adjustBody>;
export type PublishAreaBody = z.infer<typeof publishBody>;
export type StepAreaBody = z.infer<typeof stepBody>;
/** A published area as the public sees it: names of the covered places, no persons, no counts of persons, no projected lifting date. */
export type PublicAreaDto = z.infer<typeof publicArea>;
/** The public list (bumped `version` on every publish, step and lift; recent history newest first). */
export type PublicZoningDto = z.infer<typeof publicList>;
export type PublicFeatureCollection = z.infer<typeof publicGeojson>;
export type ActorStampDto = z.infer<typeof actorStamp>;
export type AreaNodeDto = z.infer<typeof areaNode>;
export type LiftingScheduleDto = z.infer<typeof liftingSchedule>;
/** The lifting round: a testing campaign over the area's nodes, created by the lifting schedule on its day. */
export type LiftingRoundDto = z.infer<typeof liftingRound>;
/** A proposal to extend an area's countdown for a case near it. */
export type ExtensionDto = z.infer<typeof extension>;
export type DetectorFlagDto = z.infer<typeof detectorFlag>;
export type DetectorRowDto = z.infer<typeof detectorRow>;
export type DistrictRollupDto = z.infer<typeof districtRollup>;
export type DetectorReportDto = z.infer<typeof detectorReport>;
export type AreaDto = z.infer<typeof area>;
export type AreaEventDto = z.infer<typeof areaEvent>;
export type AreaDetailDto = z.infer<typeof areaDetail>;
export type GenerateProposalsResultDto = z.infer<typeof generateResult>;
export type ZoningSettingsDto = z.infer<typeof settings>;
/** The properties of a feature of the zoning map (one covered node). */
export type ZoningFeatureProperties = z.infer<typeof mapFeatureProperties>;
export type ZoningMapDto = z.infer<typeof zoningMap>;
