/** The one error type services throw. Mapped to `{ error: { code, message, details } }` by the error handler. */
export class AppError extends Error {
  constructor(
    /** Stable SCREAMING_SNAKE code clients can branch on. */
    public readonly code: string,
    /** HTTP status. */
    public readonly status: number,
    message: string,
    /** Structured details, e.g. the list of bad rows or fields. */
    public readonly details?: unknown,
    /** Extra response headers (Retry-After when shedding load). */
    public readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

type ErrorSpec = readonly [status: number, message: string];

/**
 * Declares a module's error catalogue once. Each entry becomes a factory:
 * `const E = defineErrors({ POOL_FULL: [409, 'The pool is full'] }); throw E.POOL_FULL({ tube })`.
 */
export function defineErrors<T extends Record<string, ErrorSpec>>(
  specs: T,
): { [K in keyof T]: (details?: unknown, message?: string) => AppError } & { codes: (keyof T)[] } {
  const out: Record<string, unknown> = { codes: Object.keys(specs) };
  for (const [code, [status, message]] of Object.entries(specs)) {
    out[code] = (details?: unknown, msg?: string) => new AppError(code, status, msg ?? message, details);
  }
  return out as never;
}

/** Platform-wide errors. Modules declare their own catalogues next to their service. */
export const Errors = defineErrors({
  NOT_FOUND: [404, 'Not found'],
  VALIDATION_FAILED: [400, 'The request is not valid'],
  BODY_TOO_LARGE: [413, 'The request body is larger than allowed'],
  UNAUTHENTICATED: [401, 'Sign in first'],
  SESSION_EXPIRED: [401, 'Your session has expired; sign in again'],
  FORBIDDEN: [403, 'You do not have the capability for this action'],
  CROSS_SITE_REQUEST: [403, 'Cross-site requests are refused'],
  CONFLICT: [409, 'The record changed or is in a state that does not allow this'],
  IDEMPOTENCY_KEY_REUSED: [422, 'This Idempotency-Key was already used with a different request'],
  IDEMPOTENCY_IN_PROGRESS: [409, 'A request with this Idempotency-Key is still being processed'],
  RULE_VIOLATION: [422, 'The request breaks a rule'],
  OVERLOADED: [503, 'The server is busy; retry shortly'],
  RATE_LIMITED: [429, 'Too many requests; retry shortly'],
  REASON_REQUIRED: [422, 'A reason is required for this change'],
  INTERNAL: [500, 'Internal error'],
});
