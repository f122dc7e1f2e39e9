import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Small authenticated-encryption helpers for secrets and personal data at rest (AES-256-GCM with
 * `config.dataKey`). A sealed value is text: `v1.<iv>.<tag>.<ciphertext>` (base64url parts), so it
 * fits a text column on both dialects. `context` is bound as additional authenticated data: a value
 * sealed for one record (`totp:<userId>`) does not open for another, so rows cannot be swapped.
 */

const VERSION = 'v1';
const IV_BYTES = 12;

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
}

/** Encrypts bytes or UTF-8 text; returns the sealed text form. */
export function encrypt(key: Buffer, plaintext: string | Buffer, context = ''): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** Opens a sealed value to bytes. Throws when the key, the context or the value is wrong (tampering included). */
export function decryptBytes(key: Buffer, sealed: string, context = ''): Buffer {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('not a sealed value');
  const [, iv = '', tag = '', body = ''] = parts;
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
}

/** Opens a sealed value to UTF-8 text. */
export function decrypt(key: Buffer, sealed: string, context = ''): string {
  return decryptBytes(key, sealed, context).toString('utf8');
}

/** Hex HMAC-SHA-256, for exact-match lookups of encrypted values (an ID number's blind index). */
export function hmacHex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** Hex SHA-256 of a string or bytes. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random URL-safe token with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
