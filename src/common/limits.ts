/**
 * Limits of request fields that the web's forms must know too (characters unless noted). The server's
 * zod schemas are built from these constants and the web derives its form rules and `maxLength` props
 * from them (src/web/app/form-rules.ts), so a limit is written once. A module's own vocabulary and
 * limits live beside it (src/common/tasks.ts, …); these are the identity module's and the shared ones.
 */

/** Staff accounts and units (src/server/platform/auth/auth.schemas.ts). */
export const IDENTITY_LIMITS = {
  /** Passwords: at least 10 characters (a passphrase is encouraged), at most 128 (bounds hashing work). */
  passwordMin: 10,
  passwordMax: 128,
  displayName: 64,
  unitName: 64,
  /** The username filter and the login name field. */
  search: 64,
  /** A one-time code field (6 digits, spaces tolerated). */
  totp: 12,
  /** Why an account or unit was changed (kept in the journal). */
  reason: 500,
} as const;
