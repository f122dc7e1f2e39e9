/**
 * JSON Canonicalization Scheme (RFC 8785, "JCS"): what a signed journal head covers.
 *
 * - object members sorted by their names' UTF-16 code units (JavaScript's default string order);
 * - no whitespace; strings and numbers serialised as ECMAScript's JSON.stringify does, which is
 *   what RFC 8785 §3.2.2 prescribes for both;
 * - refused instead of guessed: non-finite numbers, lone UTF-16 surrogates (RFC 8785 §3.2.2.2
 *   requires well-formed Unicode), and values JSON has no form for (functions, bigint, undefined
 *   array items).
 *
 * An outside auditor reproduces the signed bytes with any RFC 8785 library (e.g. the `canonicalize`
 * npm package or Python's `jcs`) from the fields of a published head.
 */
export function jcs(value: unknown): string {
  return ser(value, '$');
}

export class JcsError extends Error {
  constructor(
    public readonly path: string,
    why: string,
  ) {
    super(`${path}: ${why}`);
    this.name = 'JcsError';
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function ser(v: unknown, at: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new JcsError(at, 'a number must be finite');
      return JSON.stringify(v);
    case 'string':
      if (LONE_SURROGATE.test(v)) throw new JcsError(at, 'a string must be well-formed Unicode (lone UTF-16 surrogate)');
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => ser(x, `${at}[${i}]`)).join(',')}]`;
      const keys = Object.keys(v as object)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${ser(k, `${at} key`)}:${ser((v as Record<string, unknown>)[k], `${at}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new JcsError(at, `${typeof v} has no JSON form`);
  }
}
