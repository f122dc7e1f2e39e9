import { z } from 'zod';

const ms = z.number().int().describe('epoch ms');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('YYYY-MM-DD (calendar day in the configured zone)');
export const idParams = z.object({ id: z.string().min(1) });

// ---- presets
export const preset = z.object({
  id: z.string(),
  key: z.string(),
  version: z.number().int(),
  label: z.string().describe('key@vN, what records store'),
  name: z.string(),
  nameEn: z.string().nullable(),
  params: z.record(z.string(), z.unknown()).describe('PresetParams (see presets.schema.ts)'),
  shipped: z.boolean(),
  active: z.boolean(),
  activatedAt: ms.nullable(),
  createdBy: z.object({ id: z.string().nullable(), name: z.string() }),
  createdAt: ms,
});
export const presetBody = z.strictObject({
  key: z.string().trim().min(1).max(80).regex(/^[a-z0-9][a-z0-9-]*$/).describe('family key; an existing key gets its next version'),
  name: z.string().trim().min(1).max(200),
  nameEn: z.string().trim().max(200).nullable().optional(),
  params: z.unknown().describe('every parameter (422 PRESET_INVALID lists what is missing or wrong)'),
});
export const activateBody = z.strictObject({ reason: z.string().trim().min(1).max(1000).describe('why the city switches protocol') });

// ---- cases
const speedMeasure = z.object({ hours: z.number().nullable(), targetHours: z.number(), met: z.boolean().nullable() });
export const caseDto = z.object({
  id: z.string(),
  personId: z.string(),
  nameMasked: z.string(),
  kind: z.enum(['confirmed', 'asymptomatic']),
  jurisdictionPath: z.string(),
  onsetDate: day.nullable(),
  reportDate: day,
  confirmedAt: ms,
  clinicalStatus: z.enum(['treatment', 'recovered', 'discharged']),
  detectionChannel: z.enum(['in_control', 'community']).describe('管控内 / 社会面'),
  sourceCaseId: z.string().nullable(),
  clusterId: z.string().nullable(),
  presetId: z.string(),
  presetVersion: z.string().describe('the preset version the case was handled under (kept)'),
  links: z.object({ positiveTubeId: z.string().nullable(), recheckId: z.string().nullable(), recheckTubeId: z.string().nullable() }),
  positiveAt: ms.nullable(),
  coreInvestigationAt: ms.nullable(),
  closeContactsAt: ms.nullable(),
  createdAt: ms,
});
export const caseDetail = caseDto.extend({
  speed: z.object({ positiveToConfirmed: speedMeasure, coreInvestigation: speedMeasure, closeContactsIdentified: speedMeasure, contactToQuarantine: speedMeasure }),
});
export const caseBody = z.strictObject({
  personId: z.string().min(1),
  kind: z.enum(['confirmed', 'asymptomatic']),
  onsetDate: day.nullable().optional(),
  reportDate: day.nullable().optional().describe('default today'),
  sourceCaseId: z.string().nullable().optional(),
  clusterId: z.string().nullable().optional().describe('default: the source case\'s cluster, else a new cluster'),
  reason: z.string().trim().min(1).max(1000),
});
export const confirmBody = z.strictObject({
  recheckTubeId: z.string().min(1).optional().describe('the positive recheck tube'),
  handoverId: z.string().min(1).optional().describe('or the recheck (hand-over record) id'),
  kind: z.enum(['confirmed', 'asymptomatic']),
  onsetDate: day.nullable().optional(),
  reason: z.string().trim().min(1).max(1000),
}).refine((b) => !!b.recheckTubeId !== !!b.handoverId, { message: 'give exactly one of recheckTubeId and handoverId' });
export const sourceBody = z.strictObject({ sourceCaseId: z.string().min(1).nullable(), reason: z.string().trim().min(1).max(1000) });
export const clinicalBody = z.strictObject({ status: z.enum(['treatment', 'recovered', 'discharged']), reason: z.string().trim().max(1000).optional() });
export const caseListQuery = z.object({
  kind: z.enum(['confirmed', 'asymptomatic']).optional(),
  channel: z.enum(['in_control', 'community']).optional(),
  clusterId: z.string().optional(),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export const caseList = z.object({ items: z.array(caseDto), nextCursor: z.string().nullable() });
