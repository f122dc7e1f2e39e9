import { describe, expect, it } from 'vitest';
import { pickHalf, showText } from './bilingual.js';

describe("the server's bilingual texts, shown in the interface language", () => {
  it('splits `中文 · English` at the last separator', () => {
    const flag = '按compound划定，方案要求按building · Drawn by compound; the preset requires building';
    expect(pickHalf(flag, 'zh-CN')).toBe('按compound划定，方案要求按building');
    expect(pickHalf(flag, 'en')).toBe('Drawn by compound; the preset requires building');
    const ratio = '人口比 6（区域 36 人 / 病例与密接所在单元楼栋 6 人）超过阈值 3 · Population ratio 6 (36 / 6) above 3';
    expect(pickHalf(ratio, 'zh-CN')).toBe('人口比 6（区域 36 人 / 病例与密接所在单元楼栋 6 人）超过阈值 3');
    expect(pickHalf(ratio, 'en')).toBe('Population ratio 6 (36 / 6) above 3');
  });

  it('splits Chinese followed directly by an English sentence', () => {
    const reset = '区域内新增病例（2026-11-29），倒计时自该日重新计算 A new case inside the area (2026-11-29) restarts the countdown';
    expect(pickHalf(reset, 'zh-CN')).toBe('区域内新增病例（2026-11-29），倒计时自该日重新计算');
    expect(pickHalf(reset, 'en')).toBe('A new case inside the area (2026-11-29) restarts the countdown');
  });

  it("leaves one-language texts (a person's own words) as they are", () => {
    expect(pickHalf('病例已转运至定点医院，住所已终末消毒', 'en')).toBe('病例已转运至定点医院，住所已终末消毒');
    expect(pickHalf('同楼栋 ABC 共用', 'en')).toBe('同楼栋 ABC 共用');
    expect(pickHalf('Kept for the market', 'zh-CN')).toBe('Kept for the market');
  });

  it("splits alerts only at the separator: a person's own title is never cut", () => {
    const pool = '混管阳性：YC0001 · Positive pool: YC0001';
    expect(pickHalf(pool, 'zh-CN', { separatorOnly: true })).toBe('混管阳性：YC0001');
    expect(pickHalf(pool, 'en', { separatorOnly: true })).toBe('Positive pool: YC0001');
    const recheck = '单管复核阳性：张* · Positive single-tube recheck: 张*';
    expect(pickHalf(recheck, 'zh-CN', { separatorOnly: true })).toBe('单管复核阳性：张*');
    expect(pickHalf(recheck, 'en', { separatorOnly: true })).toBe('Positive single-tube recheck: 张*');
    expect(pickHalf('请联系 Zhang Wei', 'zh-CN', { separatorOnly: true })).toBe('请联系 Zhang Wei');
    expect(pickHalf('西陵区 · 伍家岗区联防', 'en', { separatorOnly: true })).toBe('西陵区 · 伍家岗区联防');
    expect(pickHalf('请联系 Zhang Wei', 'zh-CN')).toBe('请联系');
  });

  it('splits the tasks and status reasons that modules write, whose English half may quote Chinese names', () => {
    const home = '西陵区第1轮：该居民行动不便或需照护，请上门采样。 · This resident needs sampling at home (西陵区第1轮).';
    expect(pickHalf(home, 'zh-CN', { separatorOnly: true })).toBe('西陵区第1轮：该居民行动不便或需照护，请上门采样。');
    expect(pickHalf(home, 'en', { separatorOnly: true })).toBe('This resident needs sampling at home (西陵区第1轮).');
    const recheck =
      '混管 YC0001 结果阳性。请在 2026-11-30T12:00:00.000Z 前为该居民单管采样复核，期间请其居家等待。 · Pool YC0001 is positive. Re-sample this person in a single tube before 2026-11-30T12:00:00.000Z; they stay home meanwhile.';
    expect(pickHalf(recheck, 'en', { separatorOnly: true })).toMatch(/^Pool YC0001 is positive\. Re-sample/);
    const released = '隔离解除：期满 · Quarantine released: 期满';
    expect(pickHalf(released, 'zh-CN', { separatorOnly: true })).toBe('隔离解除：期满');
    expect(pickHalf(released, 'en', { separatorOnly: true })).toBe('Quarantine released: 期满');
  });

  it('renders a stored message key in the interface language, and falls back to the stored text without one', () => {
    const params = { name: '张*', barcode: 'YC001', result: { key: 'testing.result.positive' as const } };
    expect(showText('zh-CN', '单管复核：张*', 'testing.auto.recheckTask.title', params)).toBe('单管复核：张*');
    expect(showText('en', '单管复核：张*', 'testing.auto.recheckTask.title', params)).toBe('Single-tube recheck: 张*');
    // A calendar day is written one way in both languages (issue 16: one date format everywhere).
    const quarantine = { day: { day: '2026-12-01' } };
    expect(showText('zh-CN', '', 'quarantine.auto.overdue.title', quarantine)).toBe('隔离逾期未解除（2026-12-01）');
    expect(showText('en', '', 'quarantine.auto.overdue.title', quarantine)).toBe('Quarantine past its end date (2026-12-01)');
    // A key this build does not know (a newer server) shows the stored text; rows without a key keep their text as before.
    expect(showText('en', '新的文本', 'nope.unknown', null)).toBe('新的文本');
    expect(showText('en', '混管阳性：YC001 · Positive pool: YC001', null, null)).toBe('Positive pool: YC001');
    expect(showText('en', '暴雨预警', null, null)).toBe('暴雨预警');
  });
});
