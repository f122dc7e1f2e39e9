import { z } from 'zod';
import { ID_TYPES, SEXES, VULNERABLE_FLAGS } from '../../../common/geo.js';

const id = z.string().min(1).max(64);

export const idParams = z.strictObject({ id: id.describe('record id') });

const place = z.object({ jurisdictionId: z.string(), path: z.string(), text: z.string().describe('区 街道 社区 小区 楼栋 单元 names (+ room)') });

export const personSchema = z.object({
  id: z.string(),
  name: z.string(),
  idType: z.enum(ID_TYPES),
  idNumberMasked: z.string().describe('e.g. 420502********1234'),
  phoneMasked: z.string().nullable().describe('e.g. 138****5678'),
  birthDate: z.string().describe('YYYY-MM-DD'),
  sex: z.enum(SEXES),
  resident: z.boolean(),
  householdId: z.string().nullable(),
  address: place.nullable().describe('residents: the building/entrance and room'),
  location: place.describe('where the person is counted and scoped: the address, or the place of stay of a non-resident'),
  regionOfOrigin: z.string().nullable(),
  vulnerable: z.array(z.enum(VULNERABLE_FLAGS)),
  tags: z.array(z.string()),
});

export const personListQuery = z.strictObject({
  jurisdictionId: id.optional().describe('only persons living in this subtree'),
  q: z.string().trim().min(1).max(50).optional().describe('name fragment, or a full ID number, or a full mobile number (exact, via HMAC)'),
  vulnerable: z
    .union([z.enum(['true']).transform(() => true as const), z.enum(VULNERABLE_FLAGS)])
    .optional()
    .describe('true: any vulnerability flag; or one flag name'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export const personListResponse = z.object({ items: z.array(personSchema), total: z.number().int() });

export const createPersonBody = z.strictObject({
  name: z.string().trim().min(1).max(50),
  idType: z.enum(ID_TYPES),
  idNumber: z.string().min(5).max(32).describe('plaintext; stored encrypted, with an HMAC and a masked form'),
  phone: z.string().max(20).nullable().optional(),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('YYYY-MM-DD; must match a resident ID'),
  sex: z.enum(SEXES),
  resident: z.boolean(),
  address: z.strictObject({ jurisdictionId: id.describe('building or entrance'), room: z.string().trim().max(20).nullable().optional() }).nullable().optional(),
  householdId: id.nullable().optional().describe('join this household (residents)'),
  jurisdictionId: id.nullable().optional().describe('non-residents: place of stay'),
  regionOfOrigin: z.string().trim().max(100).nullable().optional().describe('non-residents: where they come from'),
  vulnerable: z.array(z.enum(VULNERABLE_FLAGS)).max(VULNERABLE_FLAGS.length).optional(),
  tags: z.array(z.string().trim().min(1).max(30)).max(20).optional(),
});

export const revealBody = z.strictObject({
  field: z.enum(['idNumber', 'phone']),
  reason: z.string().trim().min(2).max(500).describe('why the full value is needed; journaled'),
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
  payload: z.string().describe('BW1.<personId>.<issuedAt base36>.<signature base64url>: encode as a QR code'),
  personId: z.string(),
  issuedAt: z.number().int().describe('epoch ms'),
});
