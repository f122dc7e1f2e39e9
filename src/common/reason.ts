/**
 * What counts as a reason for a disclosure or a change that needs one (a reveal, an exact-identifier
 * search, a control change, an early release): the one shared rule, for the server and the web forms.
 *
 * A reason is real text: after removing invisible characters (format and control characters, e.g.
 * U+200B, U+FEFF, U+00AD) and collapsing white space, at least REASON_MIN_CHARS characters of which
 * at least REASON_MIN_WORD_CHARS are letters or digits (CJK counts as letters). Punctuation-only,
 * repeated-single-character and invisible-only texts are refused. REASON_MIN_CHARS and
 * REASON_MIN_WORD_CHARS are local parameters (no protocol text gives them).
 */

/** Local parameter: the shortest reason, in characters after cleaning. */
export const REASON_MIN_CHARS = 4;
/** Local parameter: how many of them must be letters or digits. */
export const REASON_MIN_WORD_CHARS = 3;
/** The longest reason, in characters. */
export const REASON_MAX_CHARS = 500;

/** Why a reason was refused (stable codes for messages). */
export type ReasonProblem = 'missing' | 'too_short' | 'no_words' | 'repeated' | 'too_long' | 'invisible';

// Format (Cf), control (Cc), unassigned/surrogate (Cn, Cs) and private-use (Co) characters.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/gu;
const WORD = /[\p{L}\p{N}]/gu;

/**
 * Checks a reason. Returns the cleaned text (invisible characters removed, white space collapsed,
 * trimmed) or the problem. Text containing a lone surrogate or a control character other than
 * white space is refused as `invisible` (it cannot be journaled faithfully).
 */
export function checkReason(input: unknown): { ok: true; reason: string } | { ok: false; problem: ReasonProblem } {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, problem: 'missing' };
  if (hasLoneSurrogate(input) || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(input)) return { ok: false, problem: 'invisible' };
  const cleaned = input.replace(/\s+/gu, ' ').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  if (cleaned.length > REASON_MAX_CHARS) return { ok: false, problem: 'too_long' };
  if ([...cleaned].length < REASON_MIN_CHARS) return { ok: false, problem: 'too_short' };
  const words = cleaned.match(WORD) ?? [];
  if (words.length < REASON_MIN_WORD_CHARS) return { ok: false, problem: 'no_words' };
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
