import { z } from 'zod';
import { ID_TYPES, SEXES, VULNERABLE_FLAGS } from '../../../common/geo.js';
import { IMPORT_FIELDS } from '../../../common/population.js';

const id = z.string().min(1).max(64);

export const idParams = z.strictObject({ id: id.describe('record id') });

const place = z.object({ jurisdictionId: z.string(), path: z.string(), text: z.string().describe('区 街道 社区 小区 楼栋 单元 names (+ room)') });

export const personSchema = z.object({
  id: z.string(),
  name: z.string(),
  idType: z.enum(ID_TYPES),
  idNumberMasked: z.string().describe('e.g. 4205**********123* (birth date and check character hidden)'),
  phoneMasked: z.string().nullable().describe('e.g. 138****5678'),
  birthYear: z.number().int().describe('the birth year only; the full date is a journaled reveal (field birthDate)'),
  sex: z.enum(SEXES),
  resident: z.boolean(),
  householdId: z.string().nullable(),
  address: place.nullable().describe('residents: the building/entrance and room'),
  location: place.describe('where the person is counted and scoped: the address, or the place of stay of a non-resident'),
  regionOfOrigin: z.string().nullable(),
  vulnerable: z.array(z.enum(VULNERABLE_FLAGS)),
  tags: z.array(z.string()),
  mergedInto: z.string().nullable().describe('set when this record was merged into another person (the current record)'),
});

export const mergeSchema = z.object({
  id: z.string(),
  fromPersonId: z.string().describe('the record merged (kept, marked mergedInto)'),
  intoPersonId: z.string().describe('the record kept as current'),
  method: z.enum(['manual', 'document']).describe('manual: chosen by a user; document: the same identity document registered as a resident'),
  reason: z.string(),
  at: z.number().int().describe('epoch ms'),
  actor: z.object({ id: z.string().nullable(), name: z.string() }),
  details: z.record(z.string(), z.unknown()).describe('what was combined, e.g. control: { from, into, kept }'),
  journalSeq: z.number().int(),
});

export const personDetailSchema = personSchema.extend({
  merges: z.array(mergeSchema).describe('every merge this person took part in, oldest first'),
});

export const mergeBody = z.strictObject({
  intoPersonId: id.describe('the person to keep (usually the resident)'),
  reason: z.string().max(2000).describe('why these two records are the same person; journaled (a real reason: see src/common/reason.ts)'),
});

export const personListQuery = z.strictObject({
  jurisdictionId: id.optional().describe('only persons living in this subtree'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .optional()
    .describe(
      'name fragment or compound/building name (`滨江苑 1栋`), pinyin initials or full pinyin (`zs`, `zhangsan`), or a full document or mobile number (exact, via HMAC)',
    ),
  vulnerable: z
    .union([z.enum(['true']).transform(() => true as const), z.enum(VULNERABLE_FLAGS)])
    .optional()
    .describe('true: any vulnerability flag; or one flag name'),
  purpose: z
    .string()
    .max(2000)
    .optional()
    .describe('required when q is a full document or mobile number: why (journaled like a reveal; rate-limited per user)'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export const personListResponse = z.object({ items: z.array(personSchema), total: z.number().int() });

export const createPersonBody = z.strictObject({
  name: z.string().trim().min(1).max(50),
  idType: z.enum(ID_TYPES),
  idNumber: z.string().min(5).max(32).describe('plaintext; stored encrypted, with an HMAC and a masked form'),
  phone: z.string().max(20).nullable().optional(),
  birthDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .describe('YYYY-MM-DD; must match a resident ID'),
  sex: z.enum(SEXES),
  resident: z.boolean(),
  address: z
    .strictObject({ jurisdictionId: id.describe('building or entrance'), room: z.string().trim().max(20).nullable().optional() })
    .nullable()
    .optional(),
  householdId: id.nullable().optional().describe('join this household (residents)'),
  jurisdictionId: id.nullable().optional().describe('non-residents: place of stay'),
  regionOfOrigin: z.string().trim().max(100).nullable().optional().describe('non-residents: where they come from'),
  vulnerable: z.array(z.enum(VULNERABLE_FLAGS)).max(VULNERABLE_FLAGS.length).optional(),
  tags: z.array(z.string().trim().min(1).max(30)).max(20).optional(),
});

export const revealBody = z.strictObject({
  field: z.enum(['idNumber', 'phone', 'birthDate']),
  reason: z.string().max(2000).describe('why the full value is needed; journaled (a real reason: see src/common/reason.ts); rate-limited per user'),
});

export const revealResponse = z.object({ value: z.string() });

export const householdSchema = z.object({
  id: z.string(),
  address: place,
  room: z.string().nullable(),
  members: z.array(personSchema),
});

export const residentCodeKeyResponse = z.object({
  algorithm: z.literal('Ed25519'),
  publicKey: z.string().describe('raw 32-byte Ed25519 public key, base64url'),
  publicKeyPem: z.string().describe('the same key, SPKI PEM'),
  format: z.string().describe('how a payload is built'),
});

export const residentCodeResponse = z.object({
  payload: z.string().describe('BW2.<token>.<expiresAt base36>.<signature base64url>: encode as a QR code (the token is opaque)'),
  personId: z.string(),
  issuedAt: z.number().int().describe('epoch ms'),
  expiresAt: z.number().int().describe('epoch ms; the code is refused after it'),
});

export const reissueCodeBody = z.strictObject({
  reason: z.string().max(2000).describe('why the code is replaced (lost, leaked…); journaled (a real reason: see src/common/reason.ts)'),
});

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const importQuery = z.strictObject({
  dryRun: bool.optional().describe('validate and report without writing'),
  mode: z
    .enum(['all', 'partial'])
    .default('all')
    .describe('all: nothing is written if any row is bad (422 IMPORT_INVALID with the report); partial: the valid rows are written'),
  encoding: z.enum(['utf8', 'gb18030']).optional().describe('CSV encoding; detected when omitted (UTF-16 by its byte-order mark, UTF-8, else GB18030/GBK)'),
});

export const previewQuery = z.strictObject({
  encoding: z.enum(['utf8', 'gb18030']).optional(),
  rows: z.coerce.number().int().min(1).max(50).default(10),
});

const columnMapping = z.object({
  column: z.number().int().describe('0-based'),
  header: z.string(),
  field: z.enum(IMPORT_FIELDS).nullable().describe('the field this column maps to, or null when not recognised'),
});

export const importReportSchema = z.object({
  fileName: z.string().nullable(),
  format: z.enum(['csv', 'xlsx']),
  encoding: z.enum(['utf8', 'gb18030', 'utf16le', 'utf16be']).nullable(),
  mode: z.enum(['all', 'partial']),
  dryRun: z.boolean(),
  written: z.boolean(),
  rows: z.number().int().describe('data rows read'),
  valid: z.number().int(),
  created: z.number().int(),
  updated: z.number().int().describe('stored persons corrected (changed fields)'),
  unchanged: z.number().int(),
  merged: z.number().int().describe('non-residents absorbed by a new resident with the same document'),
  households: z.number().int(),
  failed: z.number().int().describe('rows rejected'),
  errors: z.array(
    z.object({
      row: z.number().int().describe('row number as the spreadsheet shows it (header = 1)'),
      field: z.string(),
      code: z.string(),
      reason: z.string(),
    }),
  ),
  errorsTruncated: z.boolean(),
  notices: z
    .array(
      z.object({
        row: z.number().int().describe('row number as the spreadsheet shows it (header = 1)'),
        field: z.string(),
        code: z.string(),
        reason: z.string(),
      }),
    )
    .describe('accepted rows whose values were normalised (e.g. an ID number typed with full-width digits): notices, not errors'),
  columns: z.array(columnMapping),
});

export const importPreviewSchema = z.object({
  fileName: z.string().nullable(),
  format: z.enum(['csv', 'xlsx']),
  encoding: z.enum(['utf8', 'gb18030', 'utf16le', 'utf16be']).nullable(),
  headerRow: z.number().int(),
  columns: z.array(columnMapping),
  missing: z.array(z.string()).describe('required fields no column maps to'),
  rows: z.array(z.object({ row: z.number().int(), values: z.record(z.string(), z.string()) })).describe('the first rows as mapped, numbers masked'),
});

export const exportQuery = z.strictObject({
  format: z.enum(['csv', 'xlsx']).default('csv'),
  jurisdictionId: id.optional().describe('only this subtree (inside your jurisdiction)'),
});

export const residentCodesQuery = z.strictObject({
  buildingId: id.describe("the building (楼栋) whose residents' codes to print"),
});

// ── the inferred types the web uses (type-only imports) ─────────────────────
/** GET /api/persons/:id */
export type PersonDetailDto = z.infer<typeof personDetailSchema>;
/** GET /api/persons/:id/resident-code */
export type ResidentCodeDto = z.infer<typeof residentCodeResponse>;
/** POST /api/persons/import/preview */
export type ImportPreviewDto = z.infer<typeof importPreviewSchema>;
/** POST /api/persons/import (and the `details` of its 422 IMPORT_INVALID). */
export type ImportReportDto = z.infer<typeof importReportSchema>;
/** A search of the person list as a client sends it (`vulnerable` as the query string carries it). */
export type PersonListQuery = Partial<Omit<z.infer<typeof personListQuery>, 'vulnerable'>> & { vulnerable?: z.input<typeof personListQuery>['vulnerable'] };
export type RevealField = z.infer<typeof revealBody>['field'];
/** A person as lists and details return it: identity and phone only in masked form, the birth year only. */
export type PersonDto = z.infer<typeof personSchema>;
/** A household: an address (building/entrance + room) and its members. */
export type HouseholdDto = z.infer<typeof householdSchema>;
