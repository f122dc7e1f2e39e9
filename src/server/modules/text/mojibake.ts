/**
 * Mojibake islands: short runs of characters that are UTF-8 bytes read with the wrong code page
 * (GBK, after a mixed GBK/UTF-8 copy: 会议 → 浼氳; or windows-1252: 会议 → ä¼šè®®). A run is repaired
 * only when re-encoding it with that code page and decoding the bytes as UTF-8 succeeds strictly
 * and gives nothing but common hanzi and Chinese punctuation; the longest such window wins. Runs of
 * suspicious characters that no decoding explains (a replacement character, rare hanzi side by
 * side, stray Latin letters with accents) are left as they are and flagged, never guessed.
 */
import { cp1252ByteOf, gbBytesOf, isCommonHan, isHan } from './charset.js';

/** A repaired island: the characters found, what they stood for, and the code page they were read with. */
export interface MojibakeRepair {
  index: number;
  from: string;
  to: string;
  readAs: 'gbk' | 'windows-1252';
}

/** A suspicious run left as it is. */
export interface MojibakeFlag {
  index: number;
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

const utf8 = new TextDecoder('utf-8', { fatal: true });

function redecode(chars: string[], byteOf: (ch: string) => number[] | undefined): string | undefined {
  const bytes: number[] = [];
  let high = false;
  for (const ch of chars) {
    const b = byteOf(ch);
    if (!b) return undefined;
    for (const x of b) {
      if (x >= 0x80) high = true;
      bytes.push(x);
    }
  }
  if (!high) return undefined;
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

const READERS = [
  { readAs: 'gbk' as const, byteOf: gbBytesOf },
  { readAs: 'windows-1252' as const, byteOf: (ch: string) => (cp1252ByteOf(ch) === undefined ? undefined : [cp1252ByteOf(ch)!]) },
];

/** Repairs the islands one re-decoding explains and flags the rest (indexes are into the input). */
export function repairMojibake(text: string): { text: string; repairs: MojibakeRepair[]; flags: MojibakeFlag[] } {
  const chars = [...text];
  const repairs: MojibakeRepair[] = [];
  const flags: MojibakeFlag[] = [];
  const out: string[] = [];
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
      out.push(ch);
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
  return { text: out.join(''), repairs, flags };
}

/** Finds islands in chars[start, end) (a run with no ASCII, space or Chinese punctuation). */
function repairSegment(chars: string[], start: number, end: number, offset: number[], out: string[], repairs: MojibakeRepair[], flags: MojibakeFlag[]): void {
  let anySuspicious = false;
  for (let k = start; k < end; k++) if (suspicious(chars[k]!)) anySuspicious = true;
  if (!anySuspicious) {
    for (let k = start; k < end; k++) out.push(chars[k]!);
    return;
  }
  let k = start;
  let pendingFrom = -1;
  const flushFlag = (upTo: number) => {
    if (pendingFrom < 0) return;
    flagRun(chars, pendingFrom, upTo, offset, flags);
    pendingFrom = -1;
  };
  while (k < end) {
    let found: { to: number; text: string; readAs: MojibakeRepair['readAs'] } | undefined;
    if (suspicious(chars[k]!) || (k + 1 < end && suspicious(chars[k + 1]!))) {
      for (let to = Math.min(end, k + MAX_WINDOW); to > k + 1 && !found; to--) {
        for (const r of READERS) {
          const t = redecode(chars.slice(k, to), r.byteOf);
          if (t !== undefined && plausible(t)) {
            found = { to, text: t, readAs: r.readAs };
            break;
          }
        }
      }
    }
    if (found) {
      flushFlag(k);
      repairs.push({ index: offset[k]!, from: chars.slice(k, found.to).join(''), to: found.text, readAs: found.readAs });
      out.push(found.text);
      k = found.to;
      continue;
    }
    if (suspicious(chars[k]!) && pendingFrom < 0) pendingFrom = k;
    else if (!suspicious(chars[k]!)) flushFlag(k);
    out.push(chars[k]!);
    k++;
  }
  flushFlag(end);
}

/** Flags a run of suspicious characters: a replacement character always, other runs from two characters on. */
function flagRun(chars: string[], from: number, to: number, offset: number[], flags: MojibakeFlag[]): void {
  const run = chars.slice(from, to).join('');
  if (run.includes('\ufffd')) flags.push({ index: offset[from]!, text: run, reason: 'replacement character: bytes were lost in a wrong decoding' });
  else if (to - from >= 2)
    flags.push({ index: offset[from]!, text: run, reason: 'rare or foreign characters side by side that no re-decoding turns into common Chinese' });
}
