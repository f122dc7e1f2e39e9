/**
 * Resident codes (居民码): a signed QR payload per person that samplers scan instead of typing an
 * ID number, verifiable offline with the public key alone.
 *
 *   BW1.<personId>.<issuedAt base36>.<signature base64url>
 *
 * The signature is Ed25519 over the first three dot-separated parts (`BW1.<personId>.<issuedAt>`).
 * The key pair is derived deterministically from the session key with HKDF-SHA256 (info
 * `bulwark/resident-code/v1`), so every process of one deployment signs with the same key, printed
 * codes stay valid across restarts, and no key file needs managing. The payload carries no personal
 * data: a scanner that also holds the public key (GET /api/public/resident-code-key) can tell a
 * genuine code from a forged one without a network connection, and then looks the person up by id.
 * Pure functions: no database, no clock.
 */
import { createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

/** Format tag, first part of every payload. */
export const RESIDENT_CODE_PREFIX = 'BW1';

export interface ResidentCodeKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The raw 32-byte Ed25519 public key, base64url. */
  publicKeyRaw: string;
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Derives the Ed25519 key pair from the 32-byte session key (purpose `resident-code`). */
export function deriveResidentCodeKeys(sessionKey: Buffer): ResidentCodeKeys {
  if (sessionKey.length < 32) throw new Error('The session key must be at least 32 bytes');
  const seed = Buffer.from(hkdfSync('sha256', sessionKey, Buffer.alloc(0), 'bulwark/resident-code/v1', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
  return { privateKey, publicKey, publicKeyRaw: jwk.x };
}

/** Signs a code for a person at `issuedAt` (epoch ms). */
export function signResidentCode(keys: ResidentCodeKeys, personId: string, issuedAt: number): string {
  if (!/^[0-9A-Za-z-]{1,64}$/.test(personId)) throw new Error('A person id is 1–64 letters, digits or hyphens');
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new Error('issuedAt is a non-negative integer (epoch ms)');
  const body = `${RESIDENT_CODE_PREFIX}.${personId}.${issuedAt.toString(36)}`;
  const sig = sign(null, Buffer.from(body, 'utf8'), keys.privateKey).toString('base64url');
  return `${body}.${sig}`;
}

export type ResidentCodeCheck =
  | { ok: true; personId: string; issuedAt: number }
  | { ok: false; problem: 'malformed' | 'signature' };

/**
 * Checks a scanned payload: shape first (`malformed`), then the Ed25519 signature (`signature`).
 * Surrounding whitespace (scanners often append a newline) is ignored; nothing else is.
 */
export function checkResidentCode(publicKey: KeyObject, payload: string): ResidentCodeCheck {
  const text = typeof payload === 'string' ? payload.trim() : '';
  const m = /^BW1\.([0-9A-Za-z-]{1,64})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{86})$/.exec(text);
  if (!m) return { ok: false, problem: 'malformed' };
  const issuedAt = parseInt(m[2], 36);
  // Canonical base36 only: a different spelling of the same time would be a different signed text.
  if (!Number.isSafeInteger(issuedAt) || issuedAt.toString(36) !== m[2]) return { ok: false, problem: 'malformed' };
  const sig = Buffer.from(m[3], 'base64url');
  if (sig.length !== 64 || sig.toString('base64url') !== m[3]) return { ok: false, problem: 'malformed' };
  const body = text.slice(0, text.length - m[3].length - 1);
  if (!verify(null, Buffer.from(body, 'utf8'), publicKey, sig)) return { ok: false, problem: 'signature' };
  return { ok: true, personId: m[1], issuedAt };
}
