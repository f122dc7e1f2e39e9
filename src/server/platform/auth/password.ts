import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { IDENTITY_LIMITS } from '../../../common/limits.js';

/** Passwords: at least 10 characters (a passphrase is encouraged), at most 128 (bounds hashing work). */
export const PASSWORD_MIN = IDENTITY_LIMITS.passwordMin;
export const PASSWORD_MAX = IDENTITY_LIMITS.passwordMax;

/** Argon2id (the algorithm value 2 of @node-rs/argon2) with the library's default cost. */
const ARGON2ID = 2;

/** Hashes a password with argon2id; returns the PHC string stored in `users.password_hash`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** True when the password matches the stored hash. A malformed hash counts as no match. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * Spends the same work as a real check when there is no user to check against, so the answer for
 * an unknown user takes as long as the one for a wrong password.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('bulwark-timing-equaliser');
  await verifyPassword(await dummy, password);
}

/** Why a password is not acceptable (English, for details), or null when it is. */
export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (/^(.)\1*$/.test(password)) return 'must not be one repeated character';
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
  return null;
}

/** Letters and digits that cannot be mistaken for each other when read aloud or copied (no 0/O, 1/l/I). */
const READABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password of four groups of four readable characters (`Xk7p-…`, ~90 bits), for initial accounts. */
export function generatePassword(): string {
  const chars = Array.from({ length: 16 }, () => READABLE[randomInt(READABLE.length)]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}
