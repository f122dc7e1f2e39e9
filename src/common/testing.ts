/**
 * Testing (核酸检测): values both the server (src/server/modules/testing/) and the web use. The request
 * and response shapes are the zod schemas in testing.schemas.ts (the web imports their types, type-only).
 */

/** Text limits of the testing requests and of the public results lookup (characters). */
export const TESTING_LIMITS = {
  campaignName: 100,
  siteName: 100,
  /** A site's readiness note, a flag review's note. */
  note: 500,
  boxCode: 40,
  labName: 100,
  barcode: 40,
  /** The public results lookup: an ID number of at least 5 characters and the name as registered. */
  idNumberMin: 5,
  idNumber: 40,
  personName: 50,
} as const;
