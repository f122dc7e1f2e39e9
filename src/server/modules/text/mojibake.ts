/**
 * Mojibake islands: short runs of characters that are UTF-8 bytes read with the wrong code page
 * (GBK, after a mixed GBK/UTF-8 copy: 会议 → 浼氳; or windows-1252: 会议 → ä¼šè®®). A run is repaired
 * only when re-encoding it with that code page and decoding the bytes as UTF-8 succeeds strictly
 * and gives nothing but common hanzi and Chinese punctuation; the longest such window wins. Runs of
 * suspicious characters that no decoding explains (a replacement character, rare hanzi side by
 * side, stray Latin letters with accents) are left as they are and flagged, never guessed.
 */
import { isUtf8 } from 'node:buffer';
import { cp1252ByteOf, gbBytesOf, isCommonHan, isHan } from './charset.js';

/** A repaired island: the characters found, what they stood for, and the code page they were read with. */
export interface MojibakeRepair {
  index: number;
  from: string;
  to: string;
  readAs: 'gbk' | 'windows-1252';
}

/** A suspicious run left as it is: `index` into the input, `outIndex` into the repaired text. */
export interface MojibakeFlag {
  index: number;
  outIndex: number;
  text: string;
  reason: string;
}

/** Local parameter: the longest window (in characters) tried as one island. */
const MAX_WINDOW = 48;
const CJK_PUNCT = new Set([...'，。、；：？！“”‘’（）《》【】—…·']);
/** Chinese punctuation that ends a search segment (a GBK island is never cut by it). */
const SEGMENT_BREAK = new Set([...'，。、；：？！“”（）《》【】']);

function suspicious(ch: string): boolean {
  if (ch === '\ufffd') return true;
  if (isHan(ch)) return !isCommonHan(ch);
  const c = ch.codePointAt(0) ?? 0;
  // Latin-1 supplement and the windows-1252 extras (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ).
  if (c >= 0x80 && c <= 0xff) return true;
  if (CJK_PUNCT.has(ch)) return false;
  return c > 0x2000 && c < 0x3000 && cp1252ByteOf(ch) !== undefined;
}

function plausible(text: string): boolean {
  let han = 0;
  for (const ch of text) {
    if (isHan(ch)) {
      if (!isCommonHan(ch)) return false;
      han++;
    } else if (!CJK_PUNCT.has(ch)) return false;
  }
  return han > 0;
}

/**
 * The bytes `chars` came from under one code page, with the byte offset after each character
 * (undefined past the first character the code page cannot give).
 */
function bytesOf(chars: string[], byteOf: (ch: string) => number[] | undefined): { bytes: Uint8Array; ends: number[] } {
  const bytes: number[] = [];
  const ends: number[] = [];
  for (const ch of chars) {
    const b = byteOf(ch);
    if (!b) break;
    bytes.push(...b);
    ends.push(bytes.length);
  }
  return { bytes: Uint8Array.from(bytes), ends };
}

const READERS = [
  { readAs: 'gbk' as const, byteOf: gbBytesOf },
  { readAs: 'windows-1252' as const, byteOf: (ch: string) => (cp1252ByteOf(ch) === undefined ? undefined : [cp1252ByteOf(ch)!]) },
];

/** The longest window from `k` (at least two characters) one code page's bytes turn into common Chinese as UTF-8. */
function longestRepair(chars: string[], k: number, end: number): { to: number; text: string; readAs: MojibakeRepair['readAs'] } | undefined {
  const window = chars.slice(k, Math.min(end, k + MAX_WINDOW));
  for (const r of READERS) {
    const { bytes, ends } = bytesOf(window, r.byteOf);
    // UTF-8 text of Chinese starts with a lead byte of a multi-byte sequence.
    const first = bytes[0] ?? 0;
    if (first < 0xc2 || first > 0xf4) continue;
    for (let n = ends.length; n >= 2; n--) {
      const prefix = bytes.subarray(0, ends[n - 1]);
      if (!isUtf8(prefix)) continue;
      const text = Buffer.from(prefix).toString('utf8');
      if (plausible(text)) return { to: k + n, text, readAs: r.readAs };
    }
  }
  return undefined;
}

/** Repairs the islands one re-decoding explains and flags the rest (indexes are into the input). */
export function repairMojibake(text: string): { text: string; repairs: MojibakeRepair[]; flags: MojibakeFlag[] } {
  const chars = [...text];
  const repairs: MojibakeRepair[] = [];
  const flags: MojibakeFlag[] = [];
  const out: Sink = { parts: [], length: 0 };
  // Code-unit offsets of each character, for indexes into the string.
  const offset: number[] = [];
  let o = 0;
  for (const ch of chars) {
    offset.push(o);
    o += ch.length;
  }
  offset.push(o);

  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80 || /\s/.test(ch) || SEGMENT_BREAK.has(ch)) {
      put(out, ch);
      i++;
      continue;
    }
    let end = i;
    while (end < chars.length) {
      const d = chars[end]!;
      if ((d.codePointAt(0) ?? 0) < 0x80 || /\s/.test(d) || SEGMENT_BREAK.has(d)) break;
      end++;
    }
    repairSegment(chars, i, end, offset, out, repairs, flags);
    i = end;
  }
  return { text: out.parts.join(''), repairs, flags };
}

/** Finds islands in chars[start, end) (a run with no ASCII, space or Chinese punctuation). */
interface Sink {
  parts: string[];
  /** Code units written so far. */
  length: number;
}

function put(sink: Sink, s: string): void {
  sink.parts.push(s);
  sink.length += s.length;
}

function repairSegment(chars: string[], start: number, end: number, offset: number[], out: Sink, repairs: MojibakeRepair[], flags: MojibakeFlag[]): void {
  let anySuspicious = false;
  for (let k = start; k < end; k++) if (suspicious(chars[k]!)) anySuspicious = true;
  if (!anySuspicious) {
    for (let k = start; k < end; k++) put(out, chars[k]!);
    return;
  }
  let k = start;
  let pendingFrom = -1;
  let pendingOut = -1;
  const flushFlag = (upTo: number) => {
    if (pendingFrom < 0) return;
    flagRun(chars, pendingFrom, upTo, offset, pendingOut, flags);
    pendingFrom = -1;
  };
  while (k < end) {
    const found = suspicious(chars[k]!) || (k + 1 < end && suspicious(chars[k + 1]!)) ? longestRepair(chars, k, end) : undefined;
    if (found) {
      flushFlag(k);
      repairs.push({ index: offset[k]!, from: chars.slice(k, found.to).join(''), to: found.text, readAs: found.readAs });
      put(out, found.text);
      k = found.to;
      continue;
    }
    if (suspicious(chars[k]!) && pendingFrom < 0) {
      pendingFrom = k;
      pendingOut = out.length;
    } else if (!suspicious(chars[k]!)) flushFlag(k);
    put(out, chars[k]!);
    k++;
  }
  flushFlag(end);
}

/** Flags a run of suspicious characters: a replacement character always, other runs from two characters on. */
function flagRun(chars: string[], from: number, to: number, offset: number[], outIndex: number, flags: MojibakeFlag[]): void {
  const run = chars.slice(from, to).join('');
  if (run.includes('\ufffd')) flags.push({ index: offset[from]!, outIndex, text: run, reason: 'replacement character: bytes were lost in a wrong decoding' });
  else if (to - from >= 2)
    flags.push({ index: offset[from]!, outIndex, text: run, reason: 'rare or foreign characters side by side that no re-decoding turns into common Chinese' });
}
