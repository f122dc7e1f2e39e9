/**
 * normalizeText(): restores scraped Chinese text and says what it changed. The steps, in order:
 *
 *   1. decode the bytes (decode.ts: UTF-8 with or without BOM, GB18030/GBK, Big5; UTF-16 by BOM;
 *      a file of UTF-8 and GBK lines line by line)
 *   2. line ends → LF
 *   3. HTML → its main text (html.ts)
 *   4. mojibake islands repaired where one re-decoding explains them, else flagged (mojibake.ts);
 *      before step 5, because converting a mis-decoded character would lose its bytes
 *   5. traditional → simplified (convert.ts, opencc-js: Taiwan and Hong Kong variants), flagged
 *      islands excepted
 *   6. inline pinyin removed where it is a reading of the character before (pinyin.ts)
 *   7. punctuation: stray commas, full-width marks, quotes (punctuation.ts)
 *
 * The decoded input is kept as `original`; nothing is changed without an entry in `changes`, and
 * what could not be restored is listed in `flags`.
 */
import { toSimplified } from './convert.js';
import { decodeText, type TextEncoding } from './decode.js';
import { extractMainText, looksLikeHtml } from './html.js';
import { repairMojibake } from './mojibake.js';
import { removeInlinePinyin } from './pinyin.js';
import { fixPunctuation } from './punctuation.js';
import { TextErrors } from './text.errors.js';

export type TextChangeKind = 'encoding' | 'line-ends' | 'html' | 'mojibake' | 'traditional' | 'pinyin' | 'punctuation';

/** One change the restorer made. `index` is a code-unit offset into the text as that step received it. */
export interface TextChange {
  kind: TextChangeKind;
  index: number | null;
  from: string;
  to: string;
  /** Why, in a few words (the code page a mojibake island was read with, the punctuation rule). */
  note: string;
}

/** Something suspicious left as it was (a mojibake island no decoding explains). */
export interface TextFlag {
  kind: 'mojibake';
  index: number;
  text: string;
  reason: string;
}

export interface NormalizedText {
  /** The restored text. */
  text: string;
  /** The input as decoded, before any change (the HTML itself for a page). */
  original: string;
  /** The encoding the bytes were read with ('string' when a string was given). */
  encoding: TextEncoding | 'string';
  changes: TextChange[];
  flags: TextFlag[];
}

/** Runs of differing characters between two texts of the same length (traditional → simplified is 1:1). */
function diffRuns(before: string, after: string): { index: number; from: string; to: string }[] {
  const a = [...before];
  const b = [...after];
  if (a.length !== b.length) return [{ index: 0, from: before, to: after }];
  const runs: { index: number; from: string; to: string }[] = [];
  let offset = 0;
  let cur: { index: number; from: string; to: string } | undefined;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x !== y) {
      if (cur) {
        cur.from += x;
        cur.to += y;
      } else cur = { index: offset, from: x, to: y };
    } else if (cur) {
      runs.push(cur);
      cur = undefined;
    }
    offset += x.length;
  }
  if (cur) runs.push(cur);
  return runs;
}

/**
 * Restores scraped Chinese text (bytes of a file, or a string already decoded). Throws TextErrors
 * TEXT_EMPTY, TEXT_BINARY, TEXT_ENCODING_UNKNOWN or TEXT_NO_MAIN_TEXT.
 */
export function normalizeText(input: Buffer | string): NormalizedText {
  const changes: TextChange[] = [];
  const flags: TextFlag[] = [];
  let original: string;
  let encoding: NormalizedText['encoding'];
  if (typeof input === 'string') {
    original = input.startsWith('\ufeff') ? input.slice(1) : input;
    encoding = 'string';
  } else {
    const decoded = decodeText(input);
    ({ text: original, encoding } = decoded);
    if (decoded.lines) {
      for (const l of decoded.lines)
        changes.push({ kind: 'encoding', index: null, from: l.encoding, to: 'utf8', note: `line ${l.line} read as ${l.encoding}` });
    } else if (encoding !== 'utf8') changes.push({ kind: 'encoding', index: null, from: encoding, to: 'utf8', note: `read as ${encoding}` });
  }
  if (original.trim() === '') throw TextErrors.TEXT_EMPTY();

  let text = original;
  if (text.includes('\r')) {
    const lf = text.replace(/\r\n?/g, '\n');
    changes.push({ kind: 'line-ends', index: null, from: 'CRLF', to: 'LF', note: 'line ends' });
    text = lf;
  }
  if (looksLikeHtml(text)) {
    const main = extractMainText(text);
    if (main.trim() === '') throw TextErrors.TEXT_NO_MAIN_TEXT();
    changes.push({
      kind: 'html',
      index: null,
      from: `HTML, ${text.length} characters`,
      to: `main text, ${main.length} characters`,
      note: 'navigation, share buttons and footers dropped',
    });
    text = main;
  }

  const moji = repairMojibake(text);
  for (const r of moji.repairs) changes.push({ kind: 'mojibake', index: r.index, from: r.from, to: r.to, note: `UTF-8 bytes read as ${r.readAs}` });
  for (const f of moji.flags) flags.push({ kind: 'mojibake', index: f.index, text: f.text, reason: f.reason });
  text = moji.text;

  // Flagged islands are left exactly as they were: converting them would hide what was found.
  let simplified = '';
  let from = 0;
  for (const f of moji.flags) {
    simplified += toSimplified(text.slice(from, f.outIndex)) + f.text;
    from = f.outIndex + f.text.length;
  }
  simplified += toSimplified(text.slice(from));
  for (const r of diffRuns(text, simplified)) changes.push({ kind: 'traditional', ...r, note: 'traditional → simplified' });
  text = simplified;

  const pin = removeInlinePinyin(text);
  for (const r of pin.removed) changes.push({ kind: 'pinyin', index: r.index, from: `${r.chars}${r.annotation}`, to: r.chars, note: 'inline pinyin' });
  text = pin.text;

  const punct = fixPunctuation(text);
  for (const f of punct.fixes) changes.push({ kind: 'punctuation', index: f.index, from: f.from, to: f.to, note: f.reason });
  text = punct.text;

  return { text, original, encoding, changes, flags };
}
