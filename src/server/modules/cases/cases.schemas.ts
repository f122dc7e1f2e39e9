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
