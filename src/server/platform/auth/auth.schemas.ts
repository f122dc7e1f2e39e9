import { z } from 'zod';
import { CAPABILITIES, ROLES, UNIT_KINDS, type Capability } from '../../../common/roles.js';
import { IDENTITY_LIMITS as L } from '../../../common/limits.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.js';

/** Request and response schemas of the identity routes. Types below are what the web receives. */

export const jurisdictionBrief = z.object({
  id: z.string(),
  code: z.string().describe('GB/T 2260 division code (extended below district level)'),
  name: z.string(),
  level: z.string().describe('city · district · street · community · compound · building · entrance'),
  path: z.string().describe('materialised path of codes, e.g. /420500/420502/'),
});
export type JurisdictionBrief = z.infer<typeof jurisdictionBrief>;

export const unitBrief = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().describe(UNIT_KINDS.join(' · ')),
});

/** The signed-in user, as `GET /api/auth/me` and sign-in return it. */
export const meSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  capabilities: z.array(z.enum(CAPABILITIES as [Capability, ...Capability[]])).describe('capabilities of the roles (src/common/roles.ts)'),
  unit: unitBrief,
  jurisdiction: jurisdictionBrief.describe("the unit's jurisdiction: the user's scope"),
  totpEnabled: z.boolean().describe('whether sign-in needs an authenticator code'),
});
export type Me = z.infer<typeof meSchema>;

/** A staff account in the directory. */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  active: z.boolean(),
  unit: unitBrief,
  jurisdiction: jurisdictionBrief,
  totpEnabled: z.boolean(),
  lockedUntil: z.number().int().nullable().describe('epoch ms; sign-in refused until then'),
  lastLoginAt: z.number().int().nullable().describe('epoch ms'),
  passwordChangedAt: z.number().int().nullable().describe('epoch ms of the last change or reset'),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type User = z.infer<typeof userSchema>;

/** An organisation or task force (单位 / 专班). */
export const unitSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().describe(UNIT_KINDS.join(' · ')),
  jurisdiction: jurisdictionBrief,
  parentUnit: z.object({ id: z.string(), name: z.string() }).nullable(),
  active: z.boolean(),
  activeUsers: z.number().int().describe('active users in this unit'),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Unit = z.infer<typeof unitSchema>;

export const importErrorSchema = z.object({
  row: z.number().int().describe('spreadsheet row number (the header is row 1)'),
  field: z.string().describe('username · displayName · unit · roles · password · file'),
  reason: z.string(),
});
export type ImportError = z.infer<typeof importErrorSchema>;

export const importResultSchema = z.object({
  mode: z.enum(['all', 'partial']),
  rows: z.number().int().describe('data rows read'),
  created: z.number().int(),
  users: z.array(z.object({ row: z.number().int(), id: z.string(), username: z.string() })),
  failed: z.array(importErrorSchema).describe('rows not imported and why (partial mode)'),
});
export type ImportResult = z.infer<typeof importResultSchema>;

/** A page of a directory list (users, units). */
export const page = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

// ── requests ────────────────────────────────────────────────────────────────

const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_.-]{2,31}$/, '3–32 characters: a letter, then letters, digits, _ . -')
  .describe('login name, stored lower-case');
const password = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX).describe(`at least ${PASSWORD_MIN} characters`);
const displayName = z.string().trim().min(1).max(L.displayName);
const reason = z.string().trim().min(1, 'a reason is required').max(L.reason).describe('why (kept in the journal)');
const id = z.string().min(1).max(64);
const boolQuery = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(L.search),
  password: z.string().min(1).max(PASSWORD_MAX),
  totp: z.string().trim().max(L.totp).optional().describe('6-digit authenticator code, when enabled'),
});
/** Enrolling a second factor asks for the current password again (a stolen session is not enough). */
export const totpEnrolBody = z.strictObject({ currentPassword: z.string().min(1).max(PASSWORD_MAX).describe('the current password, asked again') });
export const totpConfirmBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, '6 digits'),
});
export const changePasswordBody = z.strictObject({ currentPassword: z.string().min(1).max(PASSWORD_MAX), newPassword: password });

export const idParams = z.strictObject({ id });

export const userListQuery = z.strictObject({
  q: z.string().trim().max(L.search).optional().describe('part of a username or display name'),
  unitId: id.optional(),
  role: z.enum(ROLES).optional(),
  active: boolQuery.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const createUserBody = z.strictObject({
  username,
  displayName,
  password,
  unitId: id,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
});
export const updateUserBody = z.strictObject({
  displayName: displayName.optional(),
  unitId: id.optional(),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).optional(),
  reason: reason.optional(),
});
export const reasonBody = z.strictObject({ reason });
export const resetPasswordBody = z.strictObject({ password, reason });
export const importQuery = z.strictObject({
  mode: z.enum(['all', 'partial']).default('all').describe('all: nothing is written if any row is bad; partial: write the good rows'),
});

export const unitListQuery = z.strictObject({
  q: z.string().trim().max(L.search).optional(),
  kind: z.enum(UNIT_KINDS).optional(),
  jurisdictionId: id.optional(),
  parentUnitId: id.optional(),
  active: boolQuery.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export const createUnitBody = z.strictObject({
  name: z.string().trim().min(1).max(L.unitName),
  kind: z.enum(UNIT_KINDS),
  jurisdictionId: id,
  parentUnitId: id.nullable().optional(),
});
export const updateUnitBody = z.strictObject({
  name: z.string().trim().min(1).max(L.unitName).optional(),
  kind: z.enum(UNIT_KINDS).optional(),
  jurisdictionId: id.optional(),
  parentUnitId: id.nullable().optional(),
  reason: reason.optional(),
});

// ── what a client sends (the web's request types) ───────────────────────────
export type LoginBody = z.input<typeof loginBody>;
/** Directory filters as a client sends them (`active` as a boolean; every field optional). */
export type UserListQuery = Partial<Omit<z.infer<typeof userListQuery>, 'active'>> & { active?: boolean };
export type UnitListQuery = Partial<Omit<z.infer<typeof unitListQuery>, 'active'>> & { active?: boolean };
export type CreateUserBody = z.input<typeof createUserBody>;
export type UpdateUserBody = z.input<typeof updateUserBody>;
export type CreateUnitBody = z.input<typeof createUnitBody>;
export type UpdateUnitBody = z.input<typeof updateUnitBody>;
export type Page<T> = { items: T[]; total: number };
