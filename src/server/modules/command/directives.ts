/**
 * Directives (部署要求) in a meeting's minutes or published report: the sentences that instruct
 * (要…, 要求…, 必须…, 坚决防止…, 确保…, 切实…, 加快…), one directive per demand, each with the speaker
 * it is attributed to, a category, a proposed owner unit and a proposed deadline. Pure: no database,
 * no clock of its own (the caller passes `now`), places resolved by a function the caller gives.
 * The text should be restored first (text module: normalizeText), as the CLI does.
 *
 * How a report is read:
 * - Sentences end at 。！？ or a line break. A sentence opening with a reporting clause names its
 *   speaker: `[title]NAME[在…中|上|时](强调|指出|要求|表示|…)`, `他/她要求…` (the last named speaker) or
 *   `会议要求…` (the meeting itself: no speaker). Later sentences, in this paragraph and the next ones, keep
 *   the last speaker until a new reporting clause. A title, once given, is remembered for later mentions.
 * - A sentence is split at ，；： into clauses. A clause opening (within its first few characters,
 *   after connectors such as 一是/同时/并 or a short subject such as 各县市区) with 要 / 必须 / 务必 /
 *   切实 / 加快 / 坚决 / 全力 / 严格 / 要求 starts a new demand; a clause opening with 确保 is the aim
 *   of the demand before it and stays with it (it starts one only when nothing before it instructs).
 * - Not directives: 要 inside a word (主要, 重要, 需要, 只要, 要素, 纪要, 要点 …), and statements of
 *   what is already done (已确保, 已经加快, 正在加快).
 */
import { addDays, calendarDay, DAY, HOUR, startOfDay } from '../../platform/clock.js';

/** Directive categories (the names the CLI's JSON and the task list use). */
export const DIRECTIVE_CATEGORIES = ['testing', 'community', 'command', 'opinion', 'supplies', 'economy', 'safety', 'other'] as const;
export type DirectiveCategory = (typeof DIRECTIVE_CATEGORIES)[number];

/** A place the resolver found in a directive: its name, and its jurisdiction and unit when known. */
export interface PlaceRef {
  name: string;
  /** Division code (GB/T 2260 or local), when known. */
  code?: string;
  jurisdictionId?: string;
  /** The unit that answers for this place; `<name>疫情防控指挥部` when not given. */
  unit?: string;
}

/** Finds the place a directive names (the first one), or undefined. */
export type PlaceResolver = (text: string) => PlaceRef | undefined;

export interface ExtractOptions {
  resolvePlace?: PlaceResolver;
  /** The instant deadlines count from (epoch ms); without it `dueAt` is null. */
  now?: number;
  /** The zone calendar words (今天, 本周) are read in; BULWARK_TZ. */
  tz?: string;
}

export interface ProposedOwner {
  /** The unit proposed, with the category's team: 秭归县疫情防控指挥部综合协调组. */
  unit: string;
  /** The place named in the directive, if any. */
  place: PlaceRef | null;
  /** The team of the category, null for `other`. */
  team: string | null;
  /** `place`: from the place named; `hq`: no place named, proposed to the city HQ. */
  basis: 'place' | 'hq';
}

export interface ProposedDeadline {
  /** The words the deadline was read from (24小时内, 今天, 本周内), or null for the category default. */
  phrase: string | null;
  basis: 'text' | 'default';
  /** ISO-8601 UTC instant, when `now` was given. */
  dueAt: string | null;
}

export interface Directive {
  /** 1-based order in the report. */
  seq: number;
  /** The demand, ending in 。. */
  text: string;
  /** The whole sentence it came from. */
  sentence: string;
  /** 1-based paragraph (line) of the report. */
  paragraph: number;
  /** The person it is attributed to, or null (the meeting itself, or nobody named). */
  speaker: string | null;
  /** The speaker's title when the report gives it (市委书记、市疫情防控指挥部第一指挥长). */
  speakerTitle: string | null;
  category: DirectiveCategory;
  owner: ProposedOwner;
  deadline: ProposedDeadline;
}

/** The city HQ, owner of a directive that names no place. */
export const HQ_UNIT = '市疫情防控指挥部';

/**
 * Local parameter (no protocol text names these teams): the HQ team a category's directives go to.
 * They follow the usual 专班 of a city HQ; a deployment renames them here.
 */
const CATEGORY_TEAM: Record<DirectiveCategory, string | null> = {
  testing: '核酸检测组',
  community: '社区防控组',
  command: '综合协调组',
  opinion: '宣传舆情组',
  supplies: '物资保障组',
  economy: '复工复产组',
  safety: '安全生产组',
  other: null,
};

/**
 * Local parameter (no text gives them): the deadline a directive gets when it names none, in hours
 * from the meeting. Outbreak work is a day; economy and safety follow-ups a week and three days.
 */
export const DEFAULT_DEADLINE_HOURS: Record<DirectiveCategory, number> = {
  testing: 24,
  community: 24,
  command: 24,
  opinion: 12,
  supplies: 24,
  economy: 168,
  safety: 72,
  other: 72,
};

/** Local parameter: 立即 / 马上 / 第一时间 read as this many hours. */
const IMMEDIATE_HOURS = 2;

/** Keywords per category with their weights; the highest total wins, ties in DIRECTIVE_CATEGORIES order. */
const CATEGORY_WORDS: Record<Exclude<DirectiveCategory, 'other'>, [string, number][]> = {
  testing: [
    ['核酸', 3],
    ['检测', 2],
    ['采样', 3],
    ['筛查', 2],
    ['抗原', 3],
    ['应检尽检', 3],
    ['混采', 2],
    ['单管', 2],
  ],
  community: [
    ['社区', 2],
    ['小区', 2],
    ['封控', 2],
    ['管控', 1],
    ['网格', 2],
    ['楼栋', 2],
    ['居家', 1],
    ['敲门', 2],
    ['足不出户', 2],
    ['群防群控', 2],
    ['外溢', 1],
  ],
  command: [
    ['指挥', 2],
    ['调度', 2],
    ['流调', 3],
    ['溯源', 2],
    ['排查', 2],
    ['隔离', 2],
    ['转运', 2],
    ['研判', 2],
    ['值班', 2],
    ['信息报送', 2],
    ['责任', 1],
    ['动态清零', 2],
    ['应隔尽隔', 2],
    ['密接', 2],
    ['督办', 2],
  ],
  opinion: [
    ['舆情', 3],
    ['舆论', 3],
    ['谣言', 3],
    ['信息发布', 3],
    ['宣传', 2],
    ['回应', 2],
    ['关切', 2],
    ['新闻', 2],
    ['发布会', 2],
  ],
  supplies: [
    ['物资', 3],
    ['保供', 3],
    ['生活必需品', 3],
    ['药品', 2],
    ['供应', 2],
    ['储备', 2],
    ['蔬菜', 2],
    ['配送', 2],
    ['防护用品', 2],
  ],
  economy: [
    ['企业', 2],
    ['复工', 2],
    ['复产', 2],
    ['经济', 3],
    ['市场主体', 3],
    ['纾困', 3],
    ['项目', 2],
    ['产业链', 2],
    ['稳岗', 2],
  ],
  safety: [
    ['安全生产', 4],
    ['安全检查', 4],
    ['隐患', 3],
    ['消防', 3],
    ['危化', 3],
    ['事故', 3],
    ['燃气', 2],
    ['安全', 1],
  ],
};

/** The category of a directive's text by its keywords; `other` when none is found. */
export function categorize(text: string): DirectiveCategory {
  let best: DirectiveCategory = 'other';
  let bestScore = 0;
  for (const category of DIRECTIVE_CATEGORIES) {
    if (category === 'other') continue;
    let score = 0;
    for (const [word, weight] of CATEGORY_WORDS[category]) if (text.includes(word)) score += weight;
    if (score > bestScore) {
      best = category;
      bestScore = score;
    }
  }
  return best;
}

// Common surnames (single-character; words like 明 和 时 成 全 应 that open ordinary clauses are left out).
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹欧耿兰焦俞左柳祝包尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓缪褚娄窦戚岑宫费卜冷晏卫柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘迟邝';
const VERBS = '强调|指出|要求|表示|提出|指示|部署|认为|希望|说|通报了?|介绍了?|汇报了?|主持';
const TITLES = '书记|市长|县长|区长|州长|省长|镇长|乡长|指挥长|主任|局长|部长|秘书长|主席|组长|院长|处长|厅长|委员|常委|负责人|专家';
/** Characters a name never contains (they make 会议, 各部门, 市委 look like names). */
const NOT_IN_NAME = /[会议部委组局办市县区镇们各全等]/;

/** Words that may stand before a reporting clause: 会上，王立强调 / 12月8日，王立强调. */
const LEAD = '(?:(?:会上|会议上|会议最后|最后|随后|同时|此外|\\d{1,2}月\\d{1,2}日(?:[上下]午|晚)?)，?)?';
const INTRO_NAMED = new RegExp(
  `^${LEAD}(?:([^，。；！？]*?(?:${TITLES})))?([${SURNAMES}][\\u4e00-\\u9fff]{1,2}?)(?:在[^，。]{0,12}?[中上时])?(?:还|又|同时|进一步)?(${VERBS})`,
);
const INTRO_PRONOUN = new RegExp(`^${LEAD}(他|她)(?:还|又|同时|进一步|在[^，。]{0,12}?[中上时])?(${VERBS})`);
const INTRO_MEETING = new RegExp(`^${LEAD}(?:会议|会上|大会)(?:还|又|同时|进一步)?(${VERBS})`);

/** Clause openings that start a new demand (确保 handled apart: it is the aim of the demand before it). */
const HEAD = /(要求|必须|务必|切实|加快|坚决|全力|严格|要)/;
/** 要 inside a word, or a statement of what is done, is not an instruction. */
const NOT_HEAD_BEFORE = /(主|重|需|只|纪|摘|概|首|提|简|扼|紧|已|已经|正在|均已|都已)$/;
const NOT_HEAD_AFTER = /^(素|点|闻|害|件|么|是|不然|冲|塞|职|地)/;
const CONNECTORS = /^(?:一是|二是|三是|四是|五是|六是|七是|八是|九是|十是|同时|并且|并|还|也|更|又|此外|另外|其次|最后|首先)?/;
/** 一是 / （二） / 3. numbering a demand, dropped from its text. */
const ENUMERATOR = /^(?:[一二三四五六七八九十]+是|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．])/;
/** How far into a clause (after connectors) its instructing word may stand: a short subject such as 各县市区 before it. */
const HEAD_REACH = 8;

type Trigger = 'head' | 'aim' | null;

/** Whether a clause opens a demand (`head`), states its aim (`aim`, 确保…) or neither. */
function triggerOf(clause: string): Trigger {
  const body = clause.replace(CONNECTORS, '');
  const window = body.slice(0, HEAD_REACH + 4);
  const ensure = window.indexOf('确保');
  let headAt = -1;
  for (let from = 0; from < window.length;) {
    const m = HEAD.exec(window.slice(from));
    if (!m) break;
    const at = from + m.index;
    const word = m[1]!;
    const before = body.slice(0, at);
    const after = body.slice(at + word.length);
    const inWord = NOT_HEAD_BEFORE.test(before) || (word === '要' && NOT_HEAD_AFTER.test(after));
    if (!inWord && at <= HEAD_REACH && !(word === '要求' && at > 0)) {
      headAt = at;
      break;
    }
    from = at + word.length;
  }
  if (headAt >= 0 && (ensure < 0 || headAt < ensure)) return 'head';
  if (ensure >= 0 && ensure <= HEAD_REACH && !NOT_HEAD_BEFORE.test(body.slice(0, ensure))) return 'aim';
  return headAt >= 0 ? 'head' : null;
}

interface Speaker {
  name: string | null;
  title: string | null;
}

/** The reporting clause a sentence opens with, and the rest of the sentence. */
function readIntro(sentence: string, last: Speaker, titles: Map<string, string>): { speaker: Speaker; rest: string } | undefined {
  const named = INTRO_NAMED.exec(sentence);
  if (named && !NOT_IN_NAME.test(named[2]!)) {
    const name = named[2]!;
    const title = named[1]?.replace(/^[、\s]+/, '') || titles.get(name) || null;
    if (title) titles.set(name, title);
    return { speaker: { name, title }, rest: sentence.slice(named[0].length) };
  }
  const pronoun = INTRO_PRONOUN.exec(sentence);
  if (pronoun) return { speaker: last, rest: sentence.slice(pronoun[0].length) };
  const meeting = INTRO_MEETING.exec(sentence);
  if (meeting) return { speaker: { name: null, title: null }, rest: sentence.slice(meeting[0].length) };
  return undefined;
}

/** A demand without the quotation marks of a quote it opens or closes (他强调：“要…，要…”). */
function unquote(text: string): string {
  const count = (ch: string) => text.split(ch).length - 1;
  let t = text;
  if (t.startsWith('“') && count('“') > count('”')) t = t.slice(1);
  if (t.endsWith('”') && count('”') > count('“')) t = t.slice(0, -1);
  if (t.startsWith('“') && t.endsWith('”') && count('“') === 1 && count('”') === 1) t = t.slice(1, -1);
  return t;
}

/** The demands of one sentence (its reporting clause removed), each ending in 。. */
function splitDemands(body: string): string[] {
  const parts = body.split(/([，；：,;:])/);
  const clauses: { text: string; delim: string }[] = [];
  for (let k = 0; k < parts.length; k += 2) {
    const text = parts[k] ?? '';
    const delim = parts[k + 1] ?? '';
    if (text.trim() === '') continue;
    clauses.push({ text, delim });
  }
  const demands: { clauses: typeof clauses; instructs: boolean }[] = [];
  let cur: { clauses: typeof clauses; instructs: boolean } = { clauses: [], instructs: false };
  for (const c of clauses) {
    const t = triggerOf(c.text);
    if (t === 'head' && cur.instructs) {
      demands.push(cur);
      cur = { clauses: [], instructs: false };
    }
    // Clauses before the first instructing one are the situation, not the demand.
    if (t && !cur.instructs) cur.clauses = [];
    cur.clauses.push(c);
    if (t) cur.instructs = true;
  }
  demands.push(cur);
  return demands
    .filter((d) => d.instructs)
    .map((d) => {
      const text = d.clauses.map((c, k) => (k === d.clauses.length - 1 ? c.text : c.text + c.delim)).join('');
      return `${unquote(text.replace(/^[，；：\s]+/, '').replace(ENUMERATOR, ''))}。`;
    });
}

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

function cnNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === '十') return 10;
  if (s.startsWith('十')) return 10 + (CN_DIGITS[s[1]!] ?? 0);
  if (s.length === 2 && s[1] === '十') return (CN_DIGITS[s[0]!] ?? 0) * 10;
  if (s.length === 3 && s[1] === '十') return (CN_DIGITS[s[0]!] ?? 0) * 10 + (CN_DIGITS[s[2]!] ?? 0);
  return CN_DIGITS[s] ?? 0;
}

const NUM = '(\\d+|[一二两三四五六七八九十]{1,3})';

/** The deadline a directive's words give, or its category's default (a local parameter). */
export function proposeDeadline(text: string, category: DirectiveCategory, now?: number, tz = 'Asia/Shanghai'): ProposedDeadline {
  const endOfDay = (offsetDays: number) => (now === undefined ? null : startOfDay(addDays(calendarDay(now, tz), offsetDays + 1), tz));
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const inHours = (h: number) => (now === undefined ? null : now + h * HOUR);
  let m = new RegExp(`${NUM}(?:个)?(?:小时|钟头)(?:之?内)?`).exec(text);
  if (m) return { phrase: m[0], basis: 'text', dueAt: iso(inHours(cnNumber(m[1]!))) };
  m = new RegExp(`${NUM}(?:天|日)(?:之?内)`).exec(text);
  if (m) return { phrase: m[0], basis: 'text', dueAt: iso(now === undefined ? null : now + cnNumber(m[1]!) * DAY) };
  m = /(今天|今日|当天|当日|今晚)(?:之?内)?/.exec(text);
  if (m) return { phrase: m[0], basis: 'text', dueAt: iso(endOfDay(0)) };
  m = /(明天|明日)(?:之?内)?/.exec(text);
  if (m) return { phrase: m[0], basis: 'text', dueAt: iso(endOfDay(1)) };
  m = /(本周|这周|本星期)(?:之?内)?/.exec(text);
  if (m) {
    if (now === undefined) return { phrase: m[0], basis: 'text', dueAt: null };
    const day = calendarDay(now, tz);
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday; a Chinese week ends on Sunday
    return { phrase: m[0], basis: 'text', dueAt: iso(endOfDay((7 - weekday) % 7)) };
  }
  m = /(立即|立刻|马上|第一时间)/.exec(text);
  if (m) return { phrase: m[0], basis: 'text', dueAt: iso(inHours(IMMEDIATE_HOURS)) };
  return { phrase: null, basis: 'default', dueAt: iso(inHours(DEFAULT_DEADLINE_HOURS[category])) };
}

/** The unit proposed for a directive: the place's unit (or the city HQ) with the category's team. */
export function proposeOwner(text: string, category: DirectiveCategory, resolvePlace?: PlaceResolver): ProposedOwner {
  const place = resolvePlace?.(text) ?? null;
  const team = CATEGORY_TEAM[category];
  const base = place ? (place.unit ?? `${place.name}疫情防控指挥部`) : HQ_UNIT;
  return { unit: `${base}${team ?? ''}`, place, team, basis: place ? 'place' : 'hq' };
}

/** A resolver over known place names (longest first, so 夷陵区 wins over a shorter name inside it). */
export function placeResolverFromNames(places: readonly PlaceRef[]): PlaceResolver {
  const sorted = [...places].sort((a, b) => b.name.length - a.name.length);
  return (text) => {
    let best: { at: number; place: PlaceRef } | undefined;
    for (const p of sorted) {
      const at = text.indexOf(p.name);
      if (at >= 0 && (!best || at < best.at)) best = { at, place: p };
    }
    return best?.place;
  };
}

/** The directives of a report (already restored), in order; an empty list when it has none. */
export function extractDirectives(report: string, opts: ExtractOptions = {}): Directive[] {
  const out: Directive[] = [];
  const titles = new Map<string, string>();
  const paragraphs = report.replace(/\r\n?/g, '\n').split('\n');
  // The speaker carries over paragraphs: a report quotes one speech over several of them.
  let speaker: Speaker = { name: null, title: null };
  paragraphs.forEach((paragraph, p) => {
    // Sentences end at 。！？ (a quotation's closing mark stays with its sentence).
    const sentences = paragraph.match(/[^。！？!?]+(?:[。！？!?]+[”’]?|$)/g) ?? [];
    for (const raw of sentences) {
      const sentence = raw.trim();
      if (!sentence) continue;
      const intro = readIntro(sentence, speaker, titles);
      if (intro) speaker = intro.speaker;
      const body = (intro ? intro.rest : sentence).replace(/[。！？!?]+[”’]?$/, (end) => (end.endsWith('”') || end.endsWith('’') ? end.slice(-1) : ''));
      for (const text of splitDemands(body)) {
        const category = categorize(text);
        out.push({
          seq: out.length + 1,
          text,
          sentence,
          paragraph: p + 1,
          speaker: speaker.name,
          speakerTitle: speaker.title,
          category,
          owner: proposeOwner(text, category, opts.resolvePlace),
          deadline: proposeDeadline(text, category, opts.now, opts.tz),
        });
      }
    }
  });
  return out;
}
