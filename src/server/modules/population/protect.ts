/**
 * Protection of identity and phone numbers at rest:
 * - AES-256-GCM encryption with the data key (`config.dataKey`), a fresh 96-bit IV per value and
 *   associated data that binds the ciphertext to its record and field (a ciphertext copied into
 *   another row or column fails to decrypt);
 * - HMAC-SHA256 with a key derived from the data key for a separate purpose (HKDF), so exact lookup
 *   works without decrypting and the lookup key never doubles as the encryption key;
 * - a stored masked form for display (`4205**********123*`, `138****5678`).
 * Plaintext numbers never leave this module's callers towards logs or the journal.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { normaliseIdInput } from './resident-id.js';

/** Format tag of stored ciphertexts, so the scheme or key can be rotated later. */
const VERSION = 'v1';

/** Keys derived once from the data key. */
export interface ProtectKeys {
  /** AES-256-GCM key. */
  enc: Buffer;
  /** HMAC-SHA256 lookup key. */
  mac: Buffer;
}

/** Derives the encryption and lookup keys from the 32-byte data key. */
export function deriveKeys(dataKey: Buffer): ProtectKeys {
  if (dataKey.length !== 32) throw new Error('The data key must be 32 bytes');
  const mac = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'bulwark/population/lookup-hmac/v1', 32));
  return { enc: dataKey, mac };
}

/**
 * Random IVs drawn from a pooled CSPRNG buffer: one `randomBytes` call per 5,461 IVs instead of one
 * per value (a bulk load encrypts two values per person). 96-bit random IVs stay unique with
 * overwhelming probability far beyond our volumes; each IV is used once.
 */
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt + 12 > ivPool.length) {
    ivPool = randomBytes(65532);
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + 12);
  ivAt += 12;
  return iv;
}

/**
 * Encrypts a value. Output: `v1.<base64url(iv ‖ tag ‖ ciphertext)>`. `aad` names what the value is
 * (e.g. `person:<id>:idNumber`) and must be given again to decrypt.
 */
export function encrypt(keys: ProtectKeys, plaintext: string, aad: string): string {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', keys.enc, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
}

/** Decrypts a value made by `encrypt` with the same `aad`. Throws when it was altered or moved. */
export function decrypt(keys: ProtectKeys, stored: string, aad: string): string {
  const dot = stored.indexOf('.');
  if (dot < 0 || stored.slice(0, dot) !== VERSION) throw new Error('Unknown ciphertext format');
  const raw = Buffer.from(stored.slice(dot + 1), 'base64url');
  if (raw.length < 28) throw new Error('Ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', keys.enc, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** Hex HMAC-SHA256 of a normalised value under a purpose label (`id:resident_id`, `phone`). */
// A key object made once per key: createHmac with a raw Buffer key imports it on every call (about
// 9 µs against 2 µs, measured by the issue-14 profile of the cold result lookup).
const macKeyObjects = new WeakMap<Buffer, KeyObject>();

export function hmac(keys: ProtectKeys, purpose: string, value: string): string {
  let key = macKeyObjects.get(keys.mac);
  if (!key) macKeyObjects.set(keys.mac, (key = createSecretKey(keys.mac)));
  return createHmac('sha256', key).update(`${purpose}\n${value}`, 'utf8').digest('hex');
}

/**
 * Upper-case, no spaces or hyphens, full-width digits and Ｘ as ASCII (what a Chinese input
 * method types): the form ID numbers are stored, compared and hashed in.
 */
export function normalizeIdNumber(v: string): string {
  return normaliseIdInput(v).value.replace(/-/g, '');
}

/** Digits only (a landline keeps its area code; `+86`/`0086` is dropped from mobiles). */
export function normalizePhone(v: string): string {
  const digits = v.replace(/[\s\-()]/g, '').replace(/^(\+86|0086)/, '');
  return digits;
}

/**
 * Masks an identity number so that the mask and everything served beside it (sex, birth year,
 * address) never determine the number. 18-character resident IDs (GB 11643: region 6, birth date 8,
 * sequence 3, check 1) keep the first four (province and city), the three sequence digits, and hide
 * the district, the whole birth date and the check character: `4205**********169*`. With the birth
 * year and the district known, at least 365 numbers (one per day of that year, each with its own
 * valid check character) still fit; the check character is hidden because it would filter them.
 * Other numbers of 15+ characters follow the same pattern; shorter documents keep at most a third.
 */
export function maskIdNumber(v: string): string {
  const s = normalizeIdNumber(v);
  if (s.length >= 15) return s.slice(0, 4) + '*'.repeat(s.length - 8) + s.slice(-4, -1) + '*';
  if (s.length >= 6) return s.slice(0, 1) + '*'.repeat(s.length - 3) + s.slice(-2);
  return '*'.repeat(s.length);
}

/** Masks a phone number: mobiles `138****5678`; other numbers keep the first 3 and last 4 at most. */
export function maskPhone(v: string): string {
  const s = normalizePhone(v);
  if (s.length >= 11) return s.slice(0, 3) + '*'.repeat(s.length - 7) + s.slice(-4);
  if (s.length >= 6) return s.slice(0, 2) + '*'.repeat(s.length - 4) + s.slice(-2);
  return '*'.repeat(s.length);
}
