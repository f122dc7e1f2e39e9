/**
 * What counts as a reason for a disclosure or a change that needs one (a reveal, an exact-identifier
 * search, a control change, an early release): the one shared rule, for the server and the web forms.
 *
 * A reason is real text: after removing invisible characters (format and control characters, e.g.
 * U+200B, U+FEFF, U+00AD) and collapsing white space, its letters and digits weigh at least
 * REASON_MIN_WEIGHT, a Chinese character counting 2 and any other letter or digit 1 (so `同一人`
 * or `call back` pass, `核对` or `ok` do not), and are not one character repeated. Punctuation-only,
 * repeated-single-character and invisible-only texts are refused. REASON_MIN_WEIGHT is a local
 * parameter (no protocol text gives it).
 */

/** Local parameter: the least weight of a reason's letters and digits (Chinese characters count 2). */
export const REASON_MIN_WEIGHT = 6;
/** The longest reason, in characters. */
export const REASON_MAX_CHARS = 500;

/** Why a reason was refused (stable codes for messages). */
export type ReasonProblem = 'missing' | 'too_short' | 'no_words' | 'repeated' | 'too_long' | 'invisible';

// Format (Cf), control (Cc), unassigned/surrogate (Cn, Cs) and private-use (Co) characters.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/gu;
const WORD = /[\p{L}\p{N}]/gu;
const HAN = /\p{Script=Han}/u;

/**
 * Checks a reason. Returns the cleaned text (invisible characters removed, white space collapsed,
 * trimmed) or the problem. Text containing a lone surrogate or a control character other than
 * white space is refused as `invisible` (it cannot be journaled faithfully).
 */
export function checkReason(input: unknown): { ok: true; reason: string } | { ok: false; problem: ReasonProblem } {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, problem: 'missing' };
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (hasLoneSurrogate(input) || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(input)) return { ok: false, problem: 'invisible' };
  const cleaned = input.replace(/\s+/gu, ' ').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  if (cleaned.length > REASON_MAX_CHARS) return { ok: false, problem: 'too_long' };
  const words = cleaned.match(WORD) ?? [];
  if (words.length === 0) return { ok: false, problem: cleaned ? 'no_words' : 'invisible' };
  const weight = words.reduce((w, c) => w + (HAN.test(c) ? 2 : 1), 0);
  if (weight < REASON_MIN_WEIGHT) return { ok: false, problem: 'too_short' };
  if (new Set(words.map((w) => w.toLowerCase())).size < 2) return { ok: false, problem: 'repeated' };
  return { ok: true, reason: cleaned };
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
