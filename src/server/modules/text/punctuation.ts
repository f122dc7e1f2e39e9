/**
 * Broken punctuation from reposting sites: `，` replaced by `,`, plus a stray `,` inserted before
 * `，、。` (giving `,,` `,、` `,。`); ASCII `, ; : ? !` where Chinese needs the full-width mark; straight
 * or corner quotes where Chinese text uses “ ”. Only marks next to Chinese are touched, so numbers
 * (1,000  10:00) and Latin text keep theirs.
 */
import { isHan } from './charset.js';

/** One punctuation change: where (index into the text as this pass saw it), from and to. */
export interface PunctuationFix {
  index: number;
  from: string;
  to: string;
  reason: 'stray comma' | 'full-width' | 'quotes';
}

const FULL: Record<string, string> = { ',': '，', ';': '；', ':': '：', '?': '？', '!': '！' };
const CLOSING = new Set([...'”’）》】」』%']);
const OPENING = new Set([...'“‘（《【「『']);
const FOLLOWING_MARK = new Set([...'，、。；：？！,']);

function chineseBefore(ch: string | undefined): boolean {
  return ch !== undefined && (isHan(ch) || CLOSING.has(ch) || /[0-9]/.test(ch));
}

function chineseAfter(ch: string | undefined): boolean {
  return ch !== undefined && (isHan(ch) || OPENING.has(ch) || ch === '"');
}

/** Straight and corner quotes → “ ” (and 『』 → ‘ ’), per line, straight ones paired in turn; only on lines with Chinese. */
function fixQuotes(text: string, fixes: PunctuationFix[]): string {
  let base = 0;
  const lines = text.split('\n').map((line) => {
    const at = base;
    base += line.length + 1;
    if (![...line].some(isHan)) return line;
    let open = true;
    const out: string[] = [];
    for (let k = 0; k < line.length; k++) {
      const ch = line[k]!;
      let to = ch;
      if (ch === '"') {
        to = open ? '“' : '”';
        open = !open;
      } else if (ch === '「') to = '“';
      else if (ch === '」') to = '”';
      else if (ch === '『') to = '‘';
      else if (ch === '』') to = '’';
      if (to !== ch) fixes.push({ index: at + k, from: ch, to, reason: 'quotes' });
      out.push(to);
    }
    return out.join('');
  });
  return lines.join('\n');
}

/** The text with its punctuation restored. */
export function fixPunctuation(text: string): { text: string; fixes: PunctuationFix[] } {
  const fixes: PunctuationFix[] = [];
  // Stray commas first: a `,` right after Chinese and before another mark is the inserted one.
  const kept: string[] = [];
  let last: string | undefined;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    if (ch === ',' && chineseBefore(last) && FOLLOWING_MARK.has(text[k + 1] ?? '')) {
      fixes.push({ index: k, from: ',', to: '', reason: 'stray comma' });
      continue;
    }
    kept.push(ch);
    last = ch;
  }
  const s = fixQuotes(kept.join(''), fixes);
  const out: string[] = [];
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    const full = FULL[ch];
    const prev = s[k - 1];
    const next = s[k + 1];
    const endOfLine = next === undefined || next === '\n' || next === '\r';
    // `:` between digits is a time and `,` between digits a thousands separator: neither is touched.
    const digitsBoth = /[0-9]/.test(prev ?? '') && /[0-9]/.test(next ?? '');
    if (
      full &&
      !digitsBoth &&
      ((chineseBefore(prev) && (chineseAfter(next) || /[0-9]/.test(next ?? '') || ((endOfLine || CLOSING.has(next ?? '')) && '?!'.includes(ch)))) ||
        (prev !== undefined && /[0-9%]/.test(prev) && next !== undefined && isHan(next)))
    ) {
      fixes.push({ index: k, from: ch, to: full, reason: 'full-width' });
      out.push(full);
      continue;
    }
    out.push(ch);
  }
  return { text: out.join(''), fixes };
}
