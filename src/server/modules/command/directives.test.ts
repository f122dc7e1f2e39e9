import { describe, expect, it } from 'vitest';
import { normalizeText } from '../text/index.js';
import { asHtml, breakPunctuation, insertPinyin, MEETING_REPORT, mojibake, toTraditional } from '../text/text.test-helpers.js';
import { DIRECTIVE_CATEGORIES, extractDirectives, HQ_UNIT, placeResolverFromNames, proposeDeadline } from './index.js';

const PLACES = placeResolverFromNames([
  { name: '秭归县', jurisdictionId: 'j-zigui' },
  { name: '夷陵区', jurisdictionId: 'j-yiling' },
]);
/** 2022-12-06 22:00 in Asia/Shanghai, a Tuesday evening. */
const NOW = Date.parse('2022-12-06T14:00:00Z');
const TZ = 'Asia/Shanghai';

/** A second report: lookalike sentences, numbered demands, 会议要求, a pronoun in a later paragraph, no-owner demands. */
const SECOND_REPORT = [
  '全市疫情防控工作调度会召开',
  '12月8日上午，全市疫情防控工作调度会以视频形式召开。会议听取了要素保障组和流调溯源组的汇报，传达了省指挥部的重要指示精神。',
  '市委书记王立在讲话中强调，当前疫情防控正处于最吃劲的阶段，各级各部门要把思想和行动统一到市委的部署上来。一是要加快流调溯源，密接人员12小时内全部转运到位；二是要严格落实小区封控措施，确保足不出户；三是夷陵区要立即开展全员核酸检测。',
  '他指出，主要领导要靠前指挥，需要协调的问题要第一时间报告。',
  '会议要求，各县市区要在3天内完成重点企业安全隐患排查，务必守住不发生重大事故的底线。',
  '副市长张晓燕表示，全市已经加快了物资调配，目前生活物资储备可以满足15天需要。她同时强调，要做好药品保供，确保群众买药不难。',
  '会议还讨论了其他事项，会议纪要另行印发。',
].join('\n');

const brief = (r: ReturnType<typeof extractDirectives>) => r.map((d) => [d.speaker, d.category, d.text]);

describe('directive extraction', () => {
  it('finds one directive per demand in the published report, with speaker, title, category, owner and deadline', () => {
    const r = extractDirectives(MEETING_REPORT, { resolvePlace: PLACES, now: NOW, tz: TZ });
    expect(brief(r)).toEqual([
      ['王立', 'command', '要坚持“动态清零”总方针不动摇。'],
      ['王立', 'testing', '加快核酸检测进度，确保24小时内完成新一轮全员核酸检测。'],
      ['王立', 'community', '要切实做好社区封控管理。'],
      ['王立', 'community', '坚决防止疫情外溢。'],
      ['王立', 'testing', '各县市区必须在今天完成重点人群排查，做到应检尽检、不漏一人。'],
      ['马泽江', 'supplies', '要统筹做好生活物资保供，确保封控小区群众生活必需品供应不断档。'],
      ['马泽江', 'economy', '要加快重点企业复工复产，帮助困难市场主体纾困解难。'],
      ['马泽江', 'command', '秭归县要在本周内完成隔离点改造，确保“应隔尽隔”。'],
      ['马泽江', 'opinion', '要及时回应群众关切，加强舆情监测和信息发布。'],
      ['马泽江', 'opinion', '坚决防止谣言传播。'],
      ['马泽江', 'safety', '要压实安全生产责任。'],
      ['马泽江', 'safety', '切实抓好复工企业安全检查。'],
    ]);
    expect(r[0]!.speakerTitle).toBe('市委书记、市疫情防控指挥部第一指挥长');
    // 他要求 → the last named speaker, with the title the report gave before.
    expect(r[4]!.speakerTitle).toBe('市委书记、市疫情防控指挥部第一指挥长');
    // 马泽江要求 names no title: the one given in the paragraph before is kept.
    expect(r[8]!.speakerTitle).toBe('市委副书记、市长、市疫情防控指挥部指挥长');
    expect(r.map((d) => d.seq)).toEqual(r.map((_, k) => k + 1));

    // Deadlines from the words: 24小时内, 今天 (end of 6 December in Shanghai), 本周内 (end of Sunday 11 December).
    expect(r[1]!.deadline).toEqual({ phrase: '24小时内', basis: 'text', dueAt: '2022-12-07T14:00:00.000Z' });
    expect(r[4]!.deadline).toEqual({ phrase: '今天', basis: 'text', dueAt: '2022-12-06T16:00:00.000Z' });
    expect(r[7]!.deadline).toEqual({ phrase: '本周内', basis: 'text', dueAt: '2022-12-11T16:00:00.000Z' });
    // No words: the category's default (local parameters: economy a week, opinion 12 hours).
    expect(r[6]!.deadline).toEqual({ phrase: null, basis: 'default', dueAt: '2022-12-13T14:00:00.000Z' });
    expect(r[8]!.deadline.dueAt).toBe('2022-12-07T02:00:00.000Z');

    // 秭归县 → that county's unit, with the category's team; no place → the city HQ's team.
    expect(r[7]!.owner).toEqual({
      unit: '秭归县疫情防控指挥部综合协调组',
      place: { name: '秭归县', jurisdictionId: 'j-zigui' },
      team: '综合协调组',
      basis: 'place',
    });
    expect(r[1]!.owner).toMatchObject({ unit: '市疫情防控指挥部核酸检测组', place: null, basis: 'hq' });
  });

  it('skips sentences that only look like directives and keeps the right speaker across paragraphs', () => {
    const r = extractDirectives(SECOND_REPORT, { resolvePlace: PLACES, now: NOW, tz: TZ });
    expect(brief(r)).toEqual([
      ['王立', 'other', '各级各部门要把思想和行动统一到市委的部署上来。'],
      ['王立', 'command', '要加快流调溯源，密接人员12小时内全部转运到位。'],
      ['王立', 'community', '要严格落实小区封控措施，确保足不出户。'],
      ['王立', 'testing', '夷陵区要立即开展全员核酸检测。'],
      ['王立', 'command', '主要领导要靠前指挥。'],
      ['王立', 'other', '需要协调的问题要第一时间报告。'],
      [null, 'safety', '各县市区要在3天内完成重点企业安全隐患排查。'],
      [null, 'safety', '务必守住不发生重大事故的底线。'],
      ['张晓燕', 'supplies', '要做好药品保供，确保群众买药不难。'],
    ]);
    expect(r[0]!.speakerTitle).toBe('市委书记');
    expect(r[8]!.speakerTitle).toBe('副市长');
    // No category and no place: proposed to HQ itself.
    expect(r[0]!.owner).toEqual({ unit: HQ_UNIT, place: null, team: null, basis: 'hq' });
    expect(r[3]!.owner).toMatchObject({ unit: '夷陵区疫情防控指挥部核酸检测组', basis: 'place' });
    expect(r[3]!.deadline).toEqual({ phrase: '立即', basis: 'text', dueAt: '2022-12-06T16:00:00.000Z' });
    expect(r[6]!.deadline).toEqual({ phrase: '3天内', basis: 'text', dueAt: '2022-12-09T14:00:00.000Z' });
    expect(r[1]!.deadline.phrase).toBe('12小时内');
  });

  it('gives the same directives from the report mangled in every way once it is restored', () => {
    const tw = toTraditional(MEETING_REPORT, 'tw');
    let mangled = breakPunctuation(insertPinyin(tw, MEETING_REPORT, '会议疫强'));
    mangled = mojibake(mojibake(mangled, toTraditional('核酸检测', 'tw')), toTraditional('群众', 'tw'));
    const restored = normalizeText(Buffer.from(asHtml(mangled), 'utf8')).text;
    expect(extractDirectives(restored, { resolvePlace: PLACES })).toEqual(extractDirectives(MEETING_REPORT, { resolvePlace: PLACES }));
  });

  it('returns an empty list for a report with no directives, and for empty minutes', () => {
    const report = '会议通报了全市疫情形势。截至12月6日24时，全市已确保所有隔离点物资充足，重要物资储备正在加快补充。副市长李红梅介绍了要素保障情况。';
    expect(extractDirectives(report)).toEqual([]);
    expect(extractDirectives('')).toEqual([]);
  });

  it('attributes 会议强调 to the meeting and a pronoun with no speaker named before to nobody', () => {
    const r = extractDirectives('他强调，要加快采样进度。王立指出，要确保物资供应。会议强调，必须严格落实封控措施。');
    expect(r.map((d) => [d.speaker, d.category])).toEqual([
      [null, 'testing'],
      ['王立', 'supplies'],
      [null, 'community'],
    ]);
    expect(r.every((d) => DIRECTIVE_CATEGORIES.includes(d.category))).toBe(true);
  });

  it('finds the speaker after 会上 and takes the demands out of a quotation', () => {
    expect(extractDirectives('12月8日，市委书记王立强调，要加快采样。')[0]).toMatchObject({ speaker: '王立', speakerTitle: '市委书记' });
    // A demand before a reporting clause in the same sentence is kept, not swallowed into a title.
    const before = extractDirectives('各县市区要在今天完成排查，市委书记王立强调，要加快采样。');
    expect(before.map((d) => d.text.slice(0, 12))).toEqual(['各县市区要在今天完成排查', '要加快采样。']);
    expect(before[0]!.speakerTitle).toBeNull();
    const r = extractDirectives('会上，市长马泽江强调：“要加快抗原筛查，必须守住底线。”群众要求尽快解封。');
    expect(r.map((d) => [d.speaker, d.speakerTitle, d.text])).toEqual([
      ['马泽江', '市长', '要加快抗原筛查。'],
      ['马泽江', '市长', '必须守住底线。'],
    ]);
  });

  it('reads deadlines in Chinese numerals and 明天, and gives no instant without a clock', () => {
    expect(proposeDeadline('两小时内完成', 'testing', NOW, TZ).dueAt).toBe('2022-12-06T16:00:00.000Z');
    expect(proposeDeadline('明天完成', 'testing', NOW, TZ).dueAt).toBe('2022-12-07T16:00:00.000Z');
    expect(proposeDeadline('十二小时内完成', 'testing', NOW, TZ).phrase).toBe('十二小时内');
    expect(proposeDeadline('十二小时内完成', 'testing', NOW, TZ).dueAt).toBe('2022-12-07T02:00:00.000Z');
    expect(proposeDeadline('明天完成', 'testing')).toEqual({ phrase: '明天', basis: 'text', dueAt: null });
  });
});
