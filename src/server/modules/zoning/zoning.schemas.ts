import { z } from 'zod';
import { AREA_STATUSES, GRANULARITIES, MEASURE_KINDS, RISK_LEVELS, ZONING_LIMITS } from '../../../common/zoning.js';

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

// Request and public response shapes, inferred (issue 15: the schemas are the one source; the web imports
// these types with `import type`). The staff response shapes are still hand-written in src/common/zoning.ts.
export type GenerateProposalsBody = z.infer<typeof generateBody>;
export type CreateAreaBody = z.infer<typeof createBody>;
export type AdjustAreaBody = z.infer<typeof adjustBody>;
export type PublishAreaBody = z.infer<typeof publishBody>;
export type StepAreaBody = z.infer<typeof stepBody>;
export type DecideExtensionBody = z.infer<typeof decideExtensionBody>;
/** A published area as the public sees it: names of the covered places, no persons, no counts of persons, no projected lifting date. */
export type PublicAreaDto = z.infer<typeof publicArea>;
/** The public list (bumped `version` on every publish, step and lift; recent history newest first). */
export type PublicZoningDto = z.infer<typeof publicList>;
export type PublicFeatureCollection = z.infer<typeof publicGeojson>;
