import { checkReason } from '../../common/reason.js';
import { Errors } from './errors.js';

/**
 * The server side of the shared reason rule (src/common/reason.ts): returns the cleaned reason or
 * throws 422 REASON_REQUIRED with `details: { field, problem }` (problem: missing · too_short ·
 * no_words · repeated · too_long · invisible). Call it for every reason a change or disclosure needs:
 * reveals, exact-identifier searches, control changes, early releases.
 */
export function requireReason(input: unknown, field = 'reason'): string {
  const c = checkReason(input);
  if (!c.ok) throw Errors.REASON_REQUIRED({ field, problem: c.problem });
  return c.reason;
}
