/**
 * The edge check every request passes before anything reads it: no string in the path parameters,
 * the query or a JSON body may hold a lone UTF-16 surrogate (it has no UTF-8 form, so the journal's
 * canonical bytes and its hash could never be reproduced: `journal verify` would fail for ever), a
 * NUL byte (PostgreSQL text refuses it: a 500 on every route that stores or looks up the string) or
 * another C0/DEL control character (meaningless in names, reasons and identifiers). Tab, line feed and
 * carriage return are allowed everywhere: multi-line text (comments, reasons, addresses pasted from
 * a spreadsheet) is legitimate, and they canonicalise like any other character.
 * Keys of objects are checked too (they become journal JSON as well).
 */

/** Why a string is refused, or undefined when it is fine. */
export function badTextReason(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
      return c === 0 ? 'contains a NUL byte (U+0000)' : `contains the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'contains a lone UTF-16 surrogate (text that has no UTF-8 form)';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'contains a lone UTF-16 surrogate (text that has no UTF-8 form)';
  }
  return undefined;
}

/** One refused string: where it is (`body.reason`, `query.q`, `params.id`) and why. */
export interface TextIssue {
  path: string;
  message: string;
}

/** Nesting deeper than this is not walked further (JSON bodies here are a few levels deep). */
const MAX_DEPTH = 64;

/**
 * Every refused string in `value` (walked depth-first; arrays by index), at most `limit` of them.
 * `where` is the first path segment: `body`, `query` or `params`.
 */
export function findBadText(value: unknown, where: string, limit = 20): TextIssue[] {
  const out: TextIssue[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= limit) return;
    if (typeof v === 'string') {
      const why = badTextReason(v);
      if (why) out.push({ path, message: why });
      return;
    }
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}.${i}`, depth + 1));
      return;
    }
    // Buffers and streams (multipart parts) are not text.
    if (Buffer.isBuffer(v) || typeof (v as { pipe?: unknown }).pipe === 'function') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const keyWhy = badTextReason(k);
      if (keyWhy) {
        out.push({ path: `${path}.${JSON.stringify(k).slice(1, -1)}`, message: `its name ${keyWhy}` });
        continue;
      }
      walk(x, `${path}.${k}`, depth + 1);
    }
  };
  walk(value, where, 0);
  return out;
}
