import { describe, expect, it } from 'vitest';
import { encodeGbk } from '../population/population.test-helpers.js';
import { normalizeText, TextErrors } from './index.js';
import { asHtml, breakPunctuation, encodeBig5, insertPinyin, MEETING_REPORT, mojibake, toTraditional } from './text.test-helpers.js';

const REPORT = MEETING_REPORT;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Characters after which the fixtures insert pinyin (会 and 强 are polyphonic: 会 huì/kuài, 强 qiáng/qiǎng/jiàng). */
const ANNOTATED = '会议疫强';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** The report mangled in every way at once, as a reposting site in traditional characters would serve it. */
function mangledAllAtOnce(opts: { latinIsland: boolean }): string {
  const tw = toTraditional(REPORT, 'tw');
  let s = breakPunctuation(insertPinyin(tw, REPORT, ANNOTATED));
  s = mojibake(s, toTraditional('核酸检测', 'tw'));
  s = mojibake(s, toTraditional('群众', 'tw'));
  if (opts.latinIsland) s = mojibake(s, toTraditional('社区', 'tw'), 'windows-1252');
  return asHtml(s);
}

describe('text restoration: each mangled form back to the report exactly', () => {
  const cases: [string, Buffer | string][] = [
    ['UTF-8 without BOM', Buffer.from(REPORT, 'utf8')],
    ['UTF-8 with BOM', Buffer.concat([BOM, Buffer.from(REPORT, 'utf8')])],
    ['GB18030/GBK bytes', encodeGbk(REPORT)],
    ['Big5 bytes of the Taiwan traditional text', encodeBig5(toTraditional(REPORT, 'tw'))],
    ['Taiwan traditional characters', toTraditional(REPORT, 'tw')],
    ['Hong Kong traditional characters', toTraditional(REPORT, 'hk')],
    ['inline pinyin with tone marks', insertPinyin(REPORT, REPORT, ANNOTATED)],
    ['inline pinyin on traditional characters', insertPinyin(toTraditional(REPORT, 'tw'), REPORT, '会议络')],
    ['broken punctuation and straight quotes', breakPunctuation(REPORT)],
    ['mojibake islands (GBK and windows-1252 readings of UTF-8)', mojibake(mojibake(mojibake(REPORT, '舆情监测'), '群众'), '社区', 'windows-1252')],
    ['an HTML page with navigation, share buttons and a footer', asHtml(REPORT)],
    ['CRLF line ends', REPORT.replace(/\n/g, '\r\n')],
  ];
  it.each(cases)('%s', (_name, input) => {
    const r = normalizeText(input);
    expect(r.text).toBe(REPORT);
    expect(r.flags).toEqual([]);
  });

  it('a file pasted together from UTF-8 and GBK lines, read line by line', () => {
    const lines = REPORT.split('\n');
    const bytes = Buffer.concat(lines.flatMap((l, k) => [k % 2 ? encodeGbk(l) : Buffer.from(l, 'utf8'), Buffer.from(k < lines.length - 1 ? '\n' : '')]));
    const r = normalizeText(bytes);
    expect(r.text).toBe(REPORT);
    expect(r.encoding).toBe('mixed');
    expect(r.changes.map((c) => c.note)).toEqual(['line 2 read as gb18030', 'line 4 read as gb18030', 'line 6 read as gb18030', 'line 8 read as gb18030']);
  });

  it('all of them at once: a traditional HTML page with pinyin, broken punctuation and islands, as UTF-8 and as GB18030', () => {
    const utf8 = normalizeText(Buffer.concat([BOM, Buffer.from(mangledAllAtOnce({ latinIsland: true }), 'utf8')]));
    expect(utf8.text).toBe(REPORT);
    expect(utf8.encoding).toBe('utf8-bom');
    const gbk = normalizeText(encodeGbk(mangledAllAtOnce({ latinIsland: false })));
    expect(gbk.text).toBe(REPORT);
    expect(gbk.encoding).toBe('gb18030');
  });

  it('keeps the original next to the restored text and lists every kind of change', () => {
    const input = mangledAllAtOnce({ latinIsland: true });
    const r = normalizeText(input);
    expect(r.original).toBe(input);
    const kinds = new Set(r.changes.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['html', 'mojibake', 'pinyin', 'punctuation', 'traditional']);
    const islands = r.changes.filter((c) => c.kind === 'mojibake').map((c) => [c.to, c.note]);
    expect(islands).toEqual([
      ['核酸檢測', 'UTF-8 bytes read as gbk'],
      ['社區', 'UTF-8 bytes read as windows-1252'],
      ['群眾', 'UTF-8 bytes read as gbk'],
    ]);
    expect(r.changes.filter((c) => c.kind === 'pinyin').map((c) => c.from)).toContain('会(huì)');
  });
});

describe('text restoration: what must survive', () => {
  it('reads a saved page that starts with a comment, with its entities', () => {
    const page =
      '<!-- saved from url=(0042)https://example.org/ -->\n<div class="content"><p>&#35201;加快&ldquo;应检尽检&rdquo;。</p><div class="share">分享</div></div>';
    expect(normalizeText(page).text).toBe('要加快“应检尽检”。');
  });

  it('keeps genuine parenthesised text and annotations that are not a reading of the character before', () => {
    const text = '(记者雷鹏程)《规范(试行)》(2022)发布，核酸(PCR)检测，会(xíng)议照开。';
    expect(normalizeText(text).text).toBe(text);
  });

  it('removes a word-level annotation only when every syllable reads its character', () => {
    expect(normalizeText('加强网络(wǎng luò)管理').text).toBe('加强网络管理');
    expect(normalizeText('加强网络(wǎng lù)管理').text).toBe('加强网络(wǎng lù)管理');
  });

  it('leaves numbers, times and Latin text alone while fixing marks between Chinese', () => {
    expect(normalizeText('检测1,000人,10:00开始;全市同步. Hello, world!').text).toBe('检测1,000人，10:00开始；全市同步. Hello, world!');
    expect(normalizeText('他问:"能按时完成吗?"').text).toBe('他问：“能按时完成吗？”');
  });

  it('leaves an island no decoding explains as it is and flags it, never guessing', () => {
    const text = `要加快核酸${'\ufffd\ufffd'}进度，确保鱻龘完成。`;
    const r = normalizeText(text);
    expect(r.text).toBe(text);
    expect(r.flags.map((f) => f.text)).toEqual(['\ufffd\ufffd', '鱻龘']);
    expect(r.changes).toEqual([]);
  });

  it('converts traditional characters around a flagged island but not inside it', () => {
    // 浼氳 is 会 and half of 议 read as GBK: no decoding completes it, so it stays, 氳 unconverted.
    const r = normalizeText('會議浼氳鱻要加快');
    expect(r.text).toBe('会议浼氳鱻要加快');
    expect(r.flags).toMatchObject([{ text: '浼氳鱻', index: 2 }]);
  });

  it('does not flag one rare character in a name', () => {
    expect(normalizeText('副市长李堃通报了情况。').flags).toEqual([]);
  });
});

describe('text restoration: bad input', () => {
  it('refuses empty input and white space only', () => {
    expect(codeOf(() => normalizeText(Buffer.alloc(0)))).toBe('TEXT_EMPTY');
    expect(codeOf(() => normalizeText(' \n\u3000\n'))).toBe('TEXT_EMPTY');
    expect(codeOf(() => normalizeText(Buffer.from('\r\n \t', 'utf8')))).toBe('TEXT_EMPTY');
  });

  it('refuses binary data', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(codeOf(() => normalizeText(png))).toBe('TEXT_BINARY');
    expect(codeOf(() => normalizeText(Buffer.from([0x01, 0x02, 0x03, 0x41, 0x42, 0x43])))).toBe('TEXT_BINARY');
  });

  it('refuses text in an unknown encoding, naming the encodings tried', () => {
    // windows-1252 French: not UTF-8, not a valid double-byte sequence.
    expect(codeOf(() => normalizeText(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9])))).toBe('TEXT_ENCODING_UNKNOWN');
    // Random double-byte pairs: GB18030 decodes them strictly, but to rare characters.
    let seed = 7;
    const bytes: number[] = [];
    for (let k = 0; k < 400; k++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      bytes.push(0xd8 + (seed % 0x1f), 0xa1 + ((seed >> 8) % 0x5e));
    }
    let details: unknown;
    try {
      normalizeText(Buffer.from(bytes));
    } catch (err) {
      expect((err as { code: string }).code).toBe('TEXT_ENCODING_UNKNOWN');
      details = (err as { details: unknown }).details;
    }
    expect(details).toMatchObject({ tried: [{ encoding: 'gb18030' }, { encoding: 'big5' }] });
  });

  it('refuses an HTML page with nothing but navigation and a footer', () => {
    const page = '<html><body><div class="nav"><a>首页</a></div><div class="footer">版权所有</div></body></html>';
    expect(codeOf(() => normalizeText(page))).toBe('TEXT_NO_MAIN_TEXT');
    expect(TextErrors.codes).toContain('TEXT_NO_MAIN_TEXT');
  });
});
