/**
 * Resident codes (居民码): a signed QR payload per person that samplers scan instead of typing an
 * ID number, verifiable offline with the public key alone.
 *
 *   BW2.<token>.<expiresAt base36>.<signature base64url>
 *
 * `token` is 16 random bytes (base64url, 22 characters): an opaque handle that names the person
 * only through the `resident_codes` table, so a code tells a reader nothing (not even the person's
 * database id) and can be revoked. A person has one active code at a time; reissuing revokes the
 * previous one, and every code expires (`expiresAt`, epoch ms). The signature is Ed25519 over the
 * first three dot-separated parts. The key pair is derived deterministically from the session key
 * with HKDF-SHA256 (info `bulwark/resident-code/v1`), so every process of one deployment signs with
 * the same key and printed codes stay valid across restarts.
 *
 * Offline, a scanner holding the public key (GET /api/public/resident-code-key) tells a genuine,
 * unexpired code from a forged or stale one; online, the token is resolved to the person and
 * checked against revocation. Pure functions: no database, no clock (the caller passes `now`).
 */
import { createPrivateKey, createPublicKey, hkdfSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

/** Format tag, first part of every payload. */
export const RESIDENT_CODE_PREFIX = 'BW2';

/** The shape of a token: 16 random bytes, base64url. */
export const RESIDENT_CODE_TOKEN = /^[A-Za-z0-9_-]{22}$/;

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

/** A fresh opaque token (16 random bytes, base64url). */
export function newResidentCodeToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Signs a code for a token that expires at `expiresAt` (epoch ms). */
export function signResidentCode(keys: ResidentCodeKeys, token: string, expiresAt: number): string {
  if (!RESIDENT_CODE_TOKEN.test(token)) throw new Error('A token is 22 base64url characters');
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new Error('expiresAt is a non-negative integer (epoch ms)');
  const body = `${RESIDENT_CODE_PREFIX}.${token}.${expiresAt.toString(36)}`;
  const sig = sign(null, Buffer.from(body, 'utf8'), keys.privateKey).toString('base64url');
  return `${body}.${sig}`;
}

export type ResidentCodeProblem = 'malformed' | 'signature' | 'expired';

export type ResidentCodeCheck = { ok: true; token: string; expiresAt: number } | { ok: false; problem: ResidentCodeProblem };

/** The parts of a well-formed payload (shape only, no signature check), or null. */
export function parseResidentCodeShape(payload: string): { body: string; sig: string; token: string; expiresAt: number } | null {
  const text = typeof payload === 'string' ? payload.trim() : '';
  const m = /^BW2\.([A-Za-z0-9_-]{22})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{86})$/.exec(text);
  if (!m) return null;
  // The three groups are not optional: a match carries them all.
  const [, token = '', expiry = '', sigText = ''] = m;
  const expiresAt = parseInt(expiry, 36);
  // Canonical base36 only: a different spelling of the same time would be a different signed text.
  if (!Number.isSafeInteger(expiresAt) || expiresAt.toString(36) !== expiry) return null;
  const sig = Buffer.from(sigText, 'base64url');
  if (sig.length !== 64 || sig.toString('base64url') !== sigText) return null;
  return { body: text.slice(0, text.length - sigText.length - 1), sig: sigText, token, expiresAt };
}

/**
 * Checks a scanned payload: shape first (`malformed`), then the Ed25519 signature (`signature`),
 * then, when `now` is given, the expiry (`expired`). Surrounding whitespace (scanners often append
 * a newline) is ignored; nothing else is.
 */
export function checkResidentCode(publicKey: KeyObject, payload: string, now?: number): ResidentCodeCheck {
  const p = parseResidentCodeShape(payload);
  if (!p) return { ok: false, problem: 'malformed' };
  if (!verify(null, Buffer.from(p.body, 'utf8'), publicKey, Buffer.from(p.sig, 'base64url'))) return { ok: false, problem: 'signature' };
  if (now !== undefined && p.expiresAt <= now) return { ok: false, problem: 'expired' };
  return { ok: true, token: p.token, expiresAt: p.expiresAt };
}
