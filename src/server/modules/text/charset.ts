/**
 * Which characters are common Chinese, and the byte tables the restorer needs to undo a wrong
 * decoding. Built once from the WHATWG decoders Node ships (no word list to maintain):
 *
 * - COMMON: the 3,755 level-1 hanzi of GB 2312 (区 16–55, "常用汉字", ordered by frequency of use when
 *   the standard was drawn up) plus every traditional or variant form that opencc turns into one of
 *   them, so a traditional text counts as common too.
 * - GB18030 two-byte and windows-1252 reverse tables: the bytes a character came from when it was
 *   decoded with that code page, to re-decode those bytes as UTF-8.
 */
import { toSimplified } from './convert.js';

let common: Set<string> | undefined;
/** Han characters outside level 1, by whether their simplified form is in it (filled as met). */
const viaSimplified = new Map<string, boolean>();
let gbBytes: Map<string, number> | undefined;
let cp1252Bytes: Map<string, number> | undefined;

/** Every GB 2312 level-1 hanzi (0xB0A1–0xD7F9). */
function level1(): Set<string> {
  const dec = new TextDecoder('gb18030');
  const out = new Set<string>();
  for (let a = 0xb0; a <= 0xd7; a++) {
    for (let b = 0xa1; b <= 0xfe; b++) {
      const ch = dec.decode(Uint8Array.from([a, b]));
      if (ch.length === 1 && ch !== '\ufffd') out.add(ch);
    }
  }
  return out;
}

/** A Han character of the CJK Unified Ideographs block (basic and extension A). */
export function isHan(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);
}

/** A common hanzi: GB 2312 level 1, directly or once converted from traditional to simplified. */
export function isCommonHan(ch: string): boolean {
  if (!common) common = level1();
  if (common.has(ch)) return true;
  if (!isHan(ch)) return false;
  let known = viaSimplified.get(ch);
  if (known === undefined) {
    const s = toSimplified(ch);
    known = s !== ch && common.has(s);
    viaSimplified.set(ch, known);
  }
  return known;
}

/** The GB18030 bytes of a character decoded from a one- or two-byte sequence; undefined for others. */
export function gbBytesOf(ch: string): number[] | undefined {
  const c = ch.codePointAt(0) ?? 0;
  if (c < 0x80) return [c];
  if (!gbBytes) {
    gbBytes = new Map();
    const dec = new TextDecoder('gb18030');
    gbBytes.set(dec.decode(Uint8Array.from([0x80])), 0x80);
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue;
        const s = dec.decode(Uint8Array.from([a, b]));
        if (s.length === 1 && s !== '\ufffd' && !gbBytes.has(s)) gbBytes.set(s, (a << 8) | b);
      }
    }
  }
  const v = gbBytes.get(ch);
  if (v === undefined) return undefined;
  return v < 0x100 ? [v] : [v >> 8, v & 0xff];
}

/** The windows-1252 byte of a character (what a Latin-1 reading of UTF-8 bytes shows); undefined for others. */
export function cp1252ByteOf(ch: string): number | undefined {
  const c = ch.codePointAt(0) ?? 0;
  if (c < 0x80) return c;
  if (!cp1252Bytes) {
    cp1252Bytes = new Map();
    const dec = new TextDecoder('windows-1252');
    for (let b = 0x80; b <= 0xff; b++) cp1252Bytes.set(dec.decode(Uint8Array.from([b])), b);
  }
  return cp1252Bytes.get(ch);
}

/** Share of the Han characters of a text that are common (1 when it has none). */
export function commonShare(text: string): { han: number; share: number } {
  let han = 0;
  let ok = 0;
  for (const ch of text) {
    if (!isHan(ch)) continue;
    han++;
    if (isCommonHan(ch)) ok++;
  }
  return { han, share: han ? ok / han : 1 };
}
