/**
 * Bytes → text with the encoding detected: UTF-8 (with or without BOM), GB18030/GBK, Big5 (and
 * UTF-16 when a byte-order mark says so). The rule follows the CSV import's detection
 * (population/spreadsheet.ts: valid UTF-8 is UTF-8, otherwise GB18030), widened for Big5: when the
 * bytes are not UTF-8, each double-byte code page that decodes them strictly is scored by the share
 * of common hanzi it gives (charset.ts), and the best one wins. A wrong code page gives rare
 * characters, so its share is low. A file pasted together from UTF-8 and GBK lines is read line by
 * line ('mixed'). When no decoding reaches MIN_COMMON_SHARE the encoding is unknown.
 */
import { isUtf8 } from 'node:buffer';
import { commonShare } from './charset.js';
import { TextErrors } from './text.errors.js';

export type TextEncoding = 'utf8' | 'utf8-bom' | 'gb18030' | 'big5' | 'utf16le' | 'utf16be' | 'mixed';

/**
 * Local parameter (no text gives it): the least share of common hanzi (GB 2312 level 1 or its
 * traditional form) a decoding must give to be believed. Real Chinese prose is above 0.95; a
 * double-byte text read with the wrong code page is far below 0.5.
 */
const MIN_COMMON_SHARE = 0.6;

/** Refuses what is not text: NUL bytes, or more than 1 % control characters (the CSV import's rule). */
function assertText(buf: Buffer): void {
  let control = 0;
  for (const b of buf) {
    if (b === 0) throw TextErrors.TEXT_BINARY({ problem: 'NUL byte' });
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (control > buf.length / 100) throw TextErrors.TEXT_BINARY({ problem: `${control} control characters` });
}

function strict(label: string, buf: Uint8Array): string | undefined {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return undefined;
  }
}

/** The text of `buf` and the encoding it was read with; throws TEXT_EMPTY, TEXT_BINARY or TEXT_ENCODING_UNKNOWN. */
export function decodeText(buf: Buffer): { text: string; encoding: TextEncoding; lines?: { line: number; encoding: TextEncoding }[] } {
  if (buf.length === 0) throw TextErrors.TEXT_EMPTY();
  if (buf[0] === 0xff && buf[1] === 0xfe) {
    const text = strict('utf-16le', buf.subarray(2));
    if (text !== undefined) return { text, encoding: 'utf16le' };
  }
  if (buf[0] === 0xfe && buf[1] === 0xff) {
    const text = strict('utf-16be', buf.subarray(2));
    if (text !== undefined) return { text, encoding: 'utf16be' };
  }
  assertText(buf);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && isUtf8(buf.subarray(3))) {
    return { text: buf.subarray(3).toString('utf8'), encoding: 'utf8-bom' };
  }
  if (isUtf8(buf)) return { text: buf.toString('utf8'), encoding: 'utf8' };
  const whole = bestDoubleByte(buf);
  if (whole.best && whole.best.share >= MIN_COMMON_SHARE) return { text: whole.best.text, encoding: whole.best.encoding };
  const mixed = decodeByLine(buf);
  if (mixed) return { text: mixed.text, encoding: 'mixed', lines: mixed.lines };
  throw TextErrors.TEXT_ENCODING_UNKNOWN({ tried: whole.tried, minCommonShare: MIN_COMMON_SHARE });
}

/** GB18030 and Big5, each decoded strictly, scored by their share of common hanzi; the better one. */
function bestDoubleByte(buf: Uint8Array): {
  best?: { text: string; encoding: 'gb18030' | 'big5'; share: number };
  tried: { encoding: TextEncoding; share: number }[];
} {
  const tried: { encoding: TextEncoding; share: number }[] = [];
  let best: { text: string; encoding: 'gb18030' | 'big5'; share: number } | undefined;
  for (const encoding of ['gb18030', 'big5'] as const) {
    const text = strict(encoding, buf);
    if (text === undefined) continue;
    const { han, share } = commonShare(text);
    const score = han ? share : 0;
    tried.push({ encoding, share: Math.round(score * 100) / 100 });
    if (!best || score > best.share) best = { text, encoding, share: score };
  }
  return { best, tried };
}

/**
 * A file pasted together from UTF-8 and GBK (or Big5) pieces, line by line: a valid UTF-8 line is
 * UTF-8, another is read with the double-byte code page that gives it common Chinese. 0x0A never
 * occurs inside a GB18030 or Big5 character, so lines split safely (the CSV import relies on the
 * same). Undefined when a line reads as nothing believable, or when no line is UTF-8 Chinese.
 */
function decodeByLine(buf: Buffer): { text: string; lines: { line: number; encoding: TextEncoding }[] } | undefined {
  const out: string[] = [];
  const lines: { line: number; encoding: TextEncoding }[] = [];
  let utf8Chinese = false;
  let start = 0;
  for (let n = 1; start <= buf.length; n++) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl;
    const part = buf.subarray(start, end);
    if (isUtf8(part)) {
      const text = part.toString('utf8');
      if (commonShare(text).han) utf8Chinese = true;
      out.push(text);
    } else {
      const { best } = bestDoubleByte(part);
      if (!best || best.share < MIN_COMMON_SHARE) return undefined;
      out.push(best.text);
      lines.push({ line: n, encoding: best.encoding });
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return utf8Chinese ? { text: out.join('\n'), lines } : undefined;
}
