/**
 * Fixtures for the text module (and the directive extraction that reads its output): a published
 * meeting report written for these tests, and the ways reposting sites mangle such a text.
 */
import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';

/** A city HQ's meeting report (invented for these tests): several speakers, long sentences with several demands. */
export const MEETING_REPORT = [
  '市疫情防控指挥部召开视频调度会议',
  '(记者雷鹏程)12月6日晚，市疫情防控指挥部召开视频调度会议，主会场设在市指挥部，各县市区设分会场。会议通报了全市疫情形势和核酸检测进展，听取了秭归县、夷陵区的工作汇报。',
  '会议指出，当前全市疫情形势依然严峻复杂，防控工作到了最吃劲的关键时刻。截至12月6日24时，全市累计完成核酸检测320万人次，其中混采阳性管的单管复核全部完成。',
  '市委书记、市疫情防控指挥部第一指挥长王立强调，要坚持“动态清零”总方针不动摇，加快核酸检测进度，确保24小时内完成新一轮全员核酸检测；要切实做好社区封控管理，坚决防止疫情外溢。他要求，各县市区必须在今天完成重点人群排查，做到应检尽检、不漏一人。',
  '市委副书记、市长、市疫情防控指挥部指挥长马泽江指出，要统筹做好生活物资保供，确保封控小区群众生活必需品供应不断档。要加快重点企业复工复产，帮助困难市场主体纾困解难。秭归县要在本周内完成隔离点改造，确保“应隔尽隔”。',
  '马泽江要求，要及时回应群众关切，加强舆情监测和信息发布，坚决防止谣言传播！要压实安全生产责任，切实抓好复工企业安全检查。',
  '副市长李红梅通报了《核酸检测点设置规范(试行)》(2022)的执行情况。她表示，全市已确保所有采样点都有遮阳挡雨设施。',
  '会议还研究了其他事项。',
].join('\n');

/** The text in traditional characters, Taiwan or Hong Kong style. */
export function toTraditional(text: string, variant: 'tw' | 'hk'): string {
  return OpenCC.Converter({ from: 'cn', to: variant })(text);
}

/**
 * Inline pinyin after every character of `chars` (the reading in context, from the simplified text
 * `reading`, which has the same characters one for one).
 */
export function insertPinyin(text: string, reading: string, chars: string): string {
  const readings = pinyin(reading, { type: 'array' }) as string[];
  const a = [...text];
  const r = [...reading];
  if (a.length !== r.length || readings.length !== r.length) throw new Error('insertPinyin: the texts must match one for one');
  return a.map((ch, k) => (chars.includes(r[k]!) ? `${ch}(${readings[k]})` : ch)).join('');
}

/** What reposting sites do to punctuation: `，` → `,`, a stray `,` before some `，、。`, ASCII `：；？！`, straight quotes. */
export function breakPunctuation(text: string): string {
  let n = 0;
  return text
    .replace(/[，、。]/g, (m) => (n++ % 3 === 0 ? `,${m}` : m))
    .replace(/，/g, ',')
    .replace(/[：；？！]/g, (m) => ({ '：': ':', '；': ';', '？': '?', '！': '!' })[m]!)
    .replace(/[“”]/g, '"');
}

/** The first occurrence of `word`, its UTF-8 bytes read with another code page (a mixed copy). */
export function mojibake(text: string, word: string, readAs: 'gb18030' | 'windows-1252' = 'gb18030'): string {
  const at = text.indexOf(word);
  if (at < 0) throw new Error(`mojibake: ${word} is not in the text`);
  return text.slice(0, at) + new TextDecoder(readAs).decode(Buffer.from(word, 'utf8')) + text.slice(at + word.length);
}

/** A reposting site's page around the text: navigation, share buttons, a script, a footer. */
export function asHtml(text: string): string {
  const paragraphs = text.split('\n');
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>转载</title><script>var a = "<p>not text</p>";</script></head><body>',
    '<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/gov">政务</a></div>',
    '<div class="breadcrumb">当前位置：首页 &gt; 新闻</div>',
    '<div class="main-content"><div class="article">',
    `<h1>${paragraphs[0]}</h1>`,
    '<div class="info">来源：转载 &nbsp; 浏览次数：1024</div>',
    ...paragraphs.slice(1).map((p) => `<p>&emsp;&emsp;${p.replace(/&/g, '&amp;')}</p>`),
    '<div class="bdshare"><a>分享到微信</a><a>分享到微博</a></div>',
    '</div><div class="related"><ul><li>相关新闻：全市核酸检测点位一览</li></ul></div></div>',
    '<div class="footer">版权所有 &copy; 某某转载网 备案号：鄂ICP备00000000号</div>',
    '</body></html>',
  ].join('\n');
}

let big5: Map<string, number[]> | undefined;

/** The text in Big5 bytes (every character must have a Big5 code). */
export function encodeBig5(text: string): Buffer {
  if (!big5) {
    big5 = new Map();
    const dec = new TextDecoder('big5');
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b > 0x7e && b < 0xa1) continue;
        const ch = dec.decode(Uint8Array.from([a, b]));
        if ([...ch].length === 1 && ch !== '\ufffd' && !big5.has(ch)) big5.set(ch, [a, b]);
      }
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else {
      const b = big5.get(ch);
      if (!b) throw new Error(`No Big5 code for ${ch}`);
      out.push(...b);
    }
  }
  return Buffer.from(out);
}
