/**
 * The field rules of a person, shared by registration, bulk registration and the import. Pure
 * functions: no database, no clock (the caller passes today's date).
 */
import { exactIdentifierKind } from '../../../common/person-search.js';
import { ID_TYPES, VULNERABLE_FLAGS, type IdType, type Sex, type VulnerableFlag } from '../../../common/geo.js';
import { normalizeIdNumber, normalizePhone } from './protect.js';
import { isRealDay } from '../../platform/clock.js';
import { residentIdCheckChar, validateResidentId, type ResidentIdErrorCode } from './resident-id.js';

/** Error codes of the field rules (a subset of the module's catalogue). */
export type FieldProblemCode =
  | ResidentIdErrorCode
  | 'PERSON_NAME_INVALID'
  | 'PERSON_BIRTH_DATE_INVALID'
  | 'ID_NUMBER_FORMAT'
  | 'PHONE_FORMAT'
  | 'PERSON_TAGS_INVALID'
  | 'PERSON_ADDRESS_REQUIRED'
  | 'PERSON_HOUSEHOLD_MISMATCH'
  | 'PERSON_NON_RESIDENT_FIELDS';

export interface FieldProblem {
  code: FieldProblemCode;
  field: string;
}

/** The fields the rules look at (a subset of PersonInput). */
export interface PersonFields {
  name: string;
  idType: IdType;
  idNumber: string;
  phone?: string | null;
  birthDate: string;
  sex: Sex;
  resident: boolean;
  address?: { jurisdictionId: string; room?: string | null } | null;
  householdId?: string | null;
  jurisdictionId?: string | null;
  regionOfOrigin?: string | null;
  tags?: readonly string[];
}

export function flagsToMask(flags: readonly string[]): number {
  let m = 0;
  for (const f of flags) {
    const i = (VULNERABLE_FLAGS as readonly string[]).indexOf(f);
    if (i >= 0) m |= 1 << i;
  }
  return m;
}

export function maskToFlags(m: number): VulnerableFlag[] {
  return VULNERABLE_FLAGS.filter((_, i) => (m & (1 << i)) !== 0);
}

/** A real calendar day written YYYY-MM-DD (no 2023-02-30); kept in the clock module. */
export { isRealDay };

export const PASSPORT = /^[A-Z0-9]{5,17}$/;
/** 回乡证 H/M + 8–10 digits, 台胞证 8 digits, or an 18-digit 港澳台居民居住证 (checked like a resident ID). */
export const HMT_PERMIT = /^([HM]\d{8,10}|\d{8}|8[123]0000\d{11}[\dX])$/;
export const MOBILE = /^1[3-9]\d{9}$/;
export const LANDLINE = /^0\d{9,11}$/;

/** The HMAC purpose for an ID of a type (the type is part of the key, so numbers of two types never collide). */
export const idPurpose = (t: string) => `id:${t}`;

/**
 * A first-generation 15-digit resident ID (6 region + YYMMDD + 3 sequence, all born 19xx) in its
 * 18-character form (GB 11643-1999 §: insert `19`, append the check character); other input as is.
 */
export function upgradeOldResidentId(v: string): string {
  const s = normalizeIdNumber(v);
  if (!/^\d{15}$/.test(s)) return s;
  const first17 = `${s.slice(0, 6)}19${s.slice(6)}`;
  return first17 + residentIdCheckChar(first17);
}

/** Validates the fields of one person that need no database; returns the normalised numbers. */
export function checkPersonFields(p: PersonFields, day: string): FieldProblem | { idNumber: string; phone: string | null } {
  const name = p.name?.trim() ?? '';
  if (name.length < 1 || name.length > 50) return { code: 'PERSON_NAME_INVALID', field: 'name' };
  if (!isRealDay(p.birthDate) || p.birthDate > day || p.birthDate < '1900-01-01') return { code: 'PERSON_BIRTH_DATE_INVALID', field: 'birthDate' };
  if (!(ID_TYPES as readonly string[]).includes(p.idType)) return { code: 'ID_NUMBER_FORMAT', field: 'idType' };
  const idNumber = p.idType === 'resident_id' ? upgradeOldResidentId(p.idNumber ?? '') : normalizeIdNumber(p.idNumber ?? '');
  const asResidentId = p.idType === 'resident_id' || (p.idType === 'hk_macao_tw' && idNumber.length === 18);
  if (p.idType === 'passport' && !PASSPORT.test(idNumber)) return { code: 'ID_NUMBER_FORMAT', field: 'idNumber' };
  if (p.idType === 'hk_macao_tw' && !HMT_PERMIT.test(idNumber)) return { code: 'ID_NUMBER_FORMAT', field: 'idNumber' };
  if (asResidentId) {
    const v = validateResidentId(idNumber, day, { birthDate: p.birthDate, sex: p.sex });
    if (!v.ok) return { code: v.code, field: 'idNumber' };
  }
  let phone: string | null = null;
  if (p.phone !== undefined && p.phone !== null && p.phone !== '') {
    phone = normalizePhone(p.phone);
    if (!MOBILE.test(phone) && !LANDLINE.test(phone)) return { code: 'PHONE_FORMAT', field: 'phone' };
  }
  const tags = p.tags ?? [];
  if (tags.length > 20 || tags.some((t) => t.trim().length < 1 || t.trim().length > 30)) return { code: 'PERSON_TAGS_INVALID', field: 'tags' };
  if (p.resident) {
    if (!p.address && !p.householdId) return { code: 'PERSON_ADDRESS_REQUIRED', field: 'address' };
    if (p.jurisdictionId && p.address && p.jurisdictionId !== p.address.jurisdictionId) return { code: 'PERSON_HOUSEHOLD_MISMATCH', field: 'jurisdictionId' };
  } else if (p.address || p.householdId || !p.jurisdictionId || !p.regionOfOrigin?.trim()) {
    return {
      code: 'PERSON_NON_RESIDENT_FIELDS',
      field: p.address ? 'address' : p.householdId ? 'householdId' : !p.jurisdictionId ? 'jurisdictionId' : 'regionOfOrigin',
    };
  }
  return { idNumber, phone };
}

/**
 * What a search text is: a document number or a mobile (matched exactly through the HMAC), ASCII
 * letters (pinyin initials or full pinyin), or text (name fragment and address).
 */
export type SearchKind = { kind: 'id'; number: string } | { kind: 'phone'; number: string } | { kind: 'pinyin'; text: string } | { kind: 'text'; text: string };

export function classifySearch(q: string): SearchKind {
  // Full-width digits, Ｘ and ideographic spaces (a Chinese input method) read as ASCII.
  const compact = normalizeIdNumber(q);
  const exact = exactIdentifierKind(compact);
  if (exact === 'id') return { kind: 'id', number: upgradeOldResidentId(compact) };
  if (exact === 'phone') return { kind: 'phone', number: normalizePhone(compact) };
  const letters = q.trim().toLowerCase();
  if (/^[a-z][a-z\s]*$/.test(letters)) return { kind: 'pinyin', text: letters.replace(/\s+/g, '').slice(0, 60) };
  return { kind: 'text', text: q.trim() };
}
