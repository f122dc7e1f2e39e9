import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, type UnitRef } from '../../../../test/helpers/factories.js';
import { msg, renderMessage } from '../../../common/message-text.js';
import type { Actor } from '../actor.js';
import { HOUR, MINUTE } from '../clock.js';
import { actorOf } from './tasks.test-helpers.js';

// Issue 15, "Text for people, in one language at a time": what a module writes into a task or an
// alert is a key with parameters, shown in the reader's language; the record keeps the Chinese.
describeDialects('task and alert texts as message keys', (dialect) => {
  let env: TestEnv;
  let street: UnitRef;
  let commander: Actor, streetWorker: Actor;
  let streetPath: string;

  beforeAll(async () => {
    env = await testEnv(dialect);
    const db = env.deps.db;
    const city = await buildMiniCity(db);
    streetPath = city.street.path;
    const hq = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    street = await buildUnit(db, { name: '西陵街道办', jurisdiction: city.street });
    commander = actorOf(await buildUser(db, { unit: hq, roles: ['district_officer'] }));
    streetWorker = actorOf(await buildUser(db, { unit: street, roles: ['community_worker'] }));
  });
  afterAll(() => env.close());

  it('a task a module writes reads in Chinese under zh and in English under en, dates formatted by the reader; the journal keeps the Chinese', async () => {
    const { tasks, journal } = env.deps.services;
    const dueAt = Date.UTC(2026, 11, 7, 8, 30);
    const t = await tasks.create(undefined, commander, {
      title: msg('testing.auto.recheckTask.title', { name: '张*' }),
      description: msg('testing.auto.recheckTask.body', { barcode: 'YC001', result: msg('testing.result.positive'), due: { at: dueAt } }),
      sourceModule: 'testing',
      assigneeUnitId: street.id,
      jurisdictionPath: streetPath,
      priority: 'urgent',
      dueAt,
    });
    const got = await tasks.get(streetWorker, t.id);
    expect(got).toMatchObject({ title: '单管复核：张*', titleKey: 'testing.auto.recheckTask.title', titleParams: { name: '张*' } });
    expect(renderMessage('zh-CN', got.titleKey, got.titleParams, got.title)).toBe('单管复核：张*');
    expect(renderMessage('en', got.titleKey, got.titleParams, got.title)).toBe('Single-tube recheck: 张*');
    // The instant travels as epoch ms; each reader's language (and time zone) formats it.
    expect(got.descriptionParams).toMatchObject({ due: { at: dueAt } });
    expect(renderMessage('zh-CN', got.descriptionKey, got.descriptionParams, '', { timeZone: 'UTC' })).toBe(
      '混管 YC001 结果阳性。请在 2026-12-07 08:30 前为该居民单管采样复核，期间请其居家等待。',
    );
    expect(renderMessage('en', got.descriptionKey, got.descriptionParams, '', { timeZone: 'UTC' })).toBe(
      'Pool YC001: Positive. Re-sample this person in a single tube before 2026-12-07 08:30; they stay home meanwhile.',
    );
    // The stored record is the Chinese, with the instant in BULWARK_TZ (Asia/Shanghai: 16:30).
    expect(got.description).toBe('混管 YC001 结果阳性。请在 2026-12-07 16:30 前为该居民单管采样复核，期间请其居家等待。');
    const [entry] = await journal.list(env.deps.db, { entityType: 'task', entityId: t.id, action: 'task.create', limit: 1 });
    expect(entry?.payload).toMatchObject({ title: '单管复核：张*' });
  });

  it("an alert a module raises reads in the reader's language, and the overdue alert quotes the task's own title in that language", async () => {
    const { tasks, jobs, journal } = env.deps.services;
    const a = await tasks.notify(undefined, commander, {
      jurisdictionPath: streetPath,
      title: msg('zoning.auto.overdue.title', { area: '夷陵小区' }),
      body: msg('zoning.auto.overdue.body', { area: '夷陵小区', day: { day: '2026-12-01' }, step: msg('zoning.auto.step.lifted') }),
      sourceModule: 'zoning',
      severity: 'warning',
    });
    const [n] = (await tasks.notifications.list(streetWorker, { alertsOnly: true })).items.filter((x) => x.id === a.id);
    expect(n).toBeDefined();
    expect(renderMessage('zh-CN', n!.titleKey, n!.titleParams, n!.title)).toBe('风险区超期未解封：夷陵小区');
    expect(renderMessage('en', n!.titleKey, n!.titleParams, n!.title)).toBe('Area past its lifting date: 夷陵小区');
    expect(renderMessage('zh-CN', n!.bodyKey, n!.bodyParams, n!.body)).toBe('夷陵小区 应于 2026-12-01 解除，至今未执行。');
    expect(renderMessage('en', n!.bodyKey, n!.bodyParams, n!.body)).toBe('夷陵小区: the step (lift) was due 2026-12-01 and has not been taken.');
    expect(n!.title).toBe('风险区超期未解封：夷陵小区');
    const [raised] = await journal.list(env.deps.db, { entityType: 'notification', entityId: a.id, action: 'notification.alert.raise', limit: 1 });
    expect(raised?.payload).toMatchObject({ title: '风险区超期未解封：夷陵小区' });

    const t = await tasks.create(undefined, commander, {
      title: msg('quarantine.auto.upgrade.title'),
      sourceModule: 'quarantine',
      assigneeUnitId: street.id,
      jurisdictionPath: streetPath,
      priority: 'high',
      dueAt: env.clock.now() + HOUR,
    });
    env.clock.advance(2 * HOUR + MINUTE);
    await jobs.runDueNow();
    const [overdue] = (await tasks.notifications.list(streetWorker, { alertsOnly: true })).items.filter((x) => x.sourceEntityId === t.id);
    expect(overdue).toBeDefined();
    expect(renderMessage('zh-CN', overdue!.titleKey, overdue!.titleParams, overdue!.title)).toBe('任务逾期：次密接升级为密接：其密接核酸阳性');
    expect(renderMessage('en', overdue!.titleKey, overdue!.titleParams, overdue!.title)).toBe(
      'Task overdue: Secondary contact upgraded to close contact (their close contact tested positive)',
    );
  });

  it("a person's own words, and rows written before the keys, have no key and keep their text", async () => {
    const { tasks } = env.deps.services;
    const t = await tasks.create(undefined, commander, {
      title: '  上门采样 12 栋 ',
      description: '独居老人 3 人',
      sourceModule: 'platform',
      assigneeUnitId: street.id,
      jurisdictionPath: streetPath,
      priority: 'normal',
    });
    expect(t).toMatchObject({ title: '上门采样 12 栋', titleKey: null, titleParams: null, description: '独居老人 3 人', descriptionKey: null });
    const a = await tasks.notifications.raiseAlert(undefined, commander, { title: '暴雨预警', body: '请检查临时采样点', severity: 'info' });
    expect(a).toMatchObject({ title: '暴雨预警', titleKey: null, body: '请检查临时采样点', bodyKey: null });
    expect(renderMessage('en', a.titleKey, a.titleParams, a.title)).toBe('暴雨预警');
  });
});
