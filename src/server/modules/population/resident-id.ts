/**
 * Citizen identity numbers per GB 11643-1999 (公民身份号码):
 *   6-digit address code (GB/T 2260 division of first registration)
 *   8-digit birth date YYYYMMDD
 *   3-digit sequence (odd for men, even for women)
 *   1 check character, ISO 7064:1983 MOD 11-2 over the first 17 digits ('X' stands for 10).
 * Pure functions: no database, no clock (the caller passes today's date).
 */

/** Stable error codes, one per rule, so clients can say exactly what is wrong. */
export type ResidentIdErrorCode =
  'RESIDENT_ID_FORMAT' | 'RESIDENT_ID_REGION' | 'RESIDENT_ID_BIRTH_DATE' | 'RESIDENT_ID_CHECKSUM' | 'RESIDENT_ID_BIRTH_MISMATCH' | 'RESIDENT_ID_SEX_MISMATCH';

export const RESIDENT_ID_MESSAGES: Record<ResidentIdErrorCode, string> = {
  RESIDENT_ID_FORMAT: 'A resident ID number is 17 digits followed by a digit or X',
  RESIDENT_ID_REGION: 'The first two digits are not a province-level division code',
  RESIDENT_ID_BIRTH_DATE: 'Digits 7–14 are not a valid birth date (YYYYMMDD, not in the future, from 1900)',
  RESIDENT_ID_CHECKSUM: 'The check character does not match (ISO 7064 MOD 11-2)',
  RESIDENT_ID_BIRTH_MISMATCH: 'The birth date in the ID number differs from the given birth date',
  RESIDENT_ID_SEX_MISMATCH: 'The sex encoded in the ID number (17th digit: odd male, even female) differs from the given sex',
};

export type ResidentIdResult =
  { ok: true; idNumber: string; region: string; birthDate: string; sex: 'male' | 'female' } | { ok: false; code: ResidentIdErrorCode; message: string };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** GB/T 2260 province-level codes (first two digits), including 71/81/82 and 83 (HK/Macao/TW residence permits). */
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
]);

/**
 * What a Chinese input method types into an ID field, mapped to the ASCII form: full-width digits
 * ０-９ (U+FF10–U+FF19), full-width Ｘ/ｘ (U+FF38, U+FF58), lower-case x, and spaces of any kind
 * (ordinary, ideographic U+3000, no-break) removed. Nothing else is touched, so a letter or a
 * circled digit still fails validation instead of being silently turned into a number.
 * `normalised` says whether the input differed from the result in more than case and
 * surrounding spaces (an import reports such a row as a notice).
 */
export function normaliseIdInput(raw: string): { value: string; normalised: boolean } {
  let out = '';
  let normalised = false;
  for (const ch of raw) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xff10 && c <= 0xff19) {
      out += String.fromCharCode(c - 0xff10 + 48);
      normalised = true;
    } else if (c === 0xff38 || c === 0xff58) {
      out += 'X';
      normalised = true;
    } else if (/\s/u.test(ch)) normalised = true;
    else out += ch;
  }
  const value = out.toUpperCase();
  // Spaces a cell or a paste carries around the number are not worth a notice; inner ones are.
  if (normalised && value === raw.trim().toUpperCase()) normalised = false;
  return { value, normalised };
}

/** The MOD 11-2 check character for the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  WEIGHTS.forEach((w, i) => (sum += (first17.charCodeAt(i) - 48) * w));
  return CHECK.charAt(sum % 11);
}

function isValidDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}

/**
 * Validates a resident ID number and derives its region, birth date and sex. When `expect` gives a
 * birth date or sex, they must agree with the number. `today` (YYYY-MM-DD) bounds the birth date.
 */
export function validateResidentId(raw: string, today: string, expect: { birthDate?: string; sex?: 'male' | 'female' } = {}): ResidentIdResult {
  const fail = (code: ResidentIdErrorCode): ResidentIdResult => ({ ok: false, code, message: RESIDENT_ID_MESSAGES[code] });
  const id = normaliseIdInput(raw).value;
  if (!/^\d{17}[\dX]$/.test(id)) return fail('RESIDENT_ID_FORMAT');
  if (!PROVINCES.has(id.slice(0, 2))) return fail('RESIDENT_ID_REGION');
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (y < 1900 || !isValidDay(y, m, d) || birthDate > today) return fail('RESIDENT_ID_BIRTH_DATE');
  if (residentIdCheckChar(id) !== id[17]) return fail('RESIDENT_ID_CHECKSUM');
  const sex = (id.charCodeAt(16) - 48) % 2 === 1 ? 'male' : 'female';
  if (expect.birthDate !== undefined && expect.birthDate !== birthDate) return fail('RESIDENT_ID_BIRTH_MISMATCH');
  if (expect.sex !== undefined && expect.sex !== sex) return fail('RESIDENT_ID_SEX_MISMATCH');
  return { ok: true, idNumber: id, region: id.slice(0, 6), birthDate, sex };
}

/**
 * Builds a valid number from its parts (for the demo and tests): region (6 digits), birth date
 * YYYY-MM-DD, and a sequence 0–999 whose parity is forced to match `sex`.
 */
export function makeResidentId(region: string, birthDate: string, seq: number, sex: 'male' | 'female'): string {
  let s = Math.abs(Math.trunc(seq)) % 1000;
  if ((s % 2 === 1) !== (sex === 'male')) s = s === 999 ? 998 : s + 1;
  const first17 = region + birthDate.replace(/-/g, '') + String(s).padStart(3, '0');
  return first17 + residentIdCheckChar(first17);
}
