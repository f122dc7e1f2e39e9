import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, type UnitRef, type UserRef } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../actor.js';
import { actorOf } from './tasks.test-helpers.js';

describe.each(DIALECTS)('notifications and alerts [%s]', (dialect) => {
  let env: TestEnv;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let street: UnitRef, wjg: UnitRef;
  let cityAdmin: Actor, officer: Actor, workerA: Actor, workerB: Actor, wjgWorker: Actor;

  beforeAll(async () => {
    env = await testEnv(dialect);
    const db = env.deps.db;
    city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '市指挥部', jurisdiction: city.city });
    const district = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    street = await buildUnit(db, { name: '西陵街道办', jurisdiction: city.street });
    wjg = await buildUnit(db, { name: '伍家岗街道办', jurisdiction: city.otherStreet });
    const mk = async (unit: UnitRef, roles: UserRef['roles']) => actorOf(await buildUser(db, { unit, roles }));
    cityAdmin = await mk(hq, ['commander']);
    officer = await mk(district, ['district_officer']);
    workerA = await mk(street, ['community_worker']);
    workerB = await mk(street, ['sampler']);
    wjgWorker = await mk(wjg, ['community_worker']);
  });
  afterAll(() => env.close());

  it('delivers an alert to its unit; one acknowledgement closes it for the unit, is journaled, and a second is 409', async () => {
    const n = env.deps.services.tasks.notifications;
    const alert = await n.raiseAlert(undefined, officer, {
      title: '阳性混管',
      body: '12 栋 10 合 1 阳性，立即单管复核',
      severity: 'critical',
      unitId: street.id,
    });
    expect(alert).toMatchObject({ isAlert: true, severity: 'critical', acknowledgedAt: null, readAt: null });

    const feedA = await n.list(workerA, { alertsOnly: true });
    expect(feedA.items.map((x) => x.id)).toContain(alert.id);
    expect(feedA.unacknowledgedAlerts).toBeGreaterThanOrEqual(1);
    const openBefore = feedA.unacknowledgedAlerts;

    env.clock.advance(60_000);
    const acked = await n.acknowledge(undefined, workerA, alert.id, '已安排复核');
    expect(acked).toMatchObject({ acknowledgedAt: env.clock.now(), ackNote: '已安排复核', readAt: env.clock.now() });
    expect(acked.acknowledgedBy).toMatch(/^测试/);

    // The other member of the unit sees it closed, though still unread by them.
    const feedB = await n.list(workerB);
    const seenByB = feedB.items.find((x) => x.id === alert.id)!;
    expect(seenByB).toMatchObject({ acknowledgedBy: acked.acknowledgedBy, readAt: null });
    expect(feedB.unacknowledgedAlerts).toBe(openBefore - 1);

    await expect(n.acknowledge(undefined, workerB, alert.id)).rejects.toMatchObject({
      code: 'ALERT_ALREADY_ACKNOWLEDGED',
      status: 409,
      details: { acknowledgedBy: acked.acknowledgedBy },
    });
    const entries = await env.deps.services.journal.list(env.deps.db, { entityType: 'notification', entityId: alert.id, limit: 5 });
    expect(entries.map((e) => e.action)).toEqual(['notification.alert.ack', 'notification.alert.raise']);
    expect(entries[0]).toMatchObject({ actorId: workerA.userId, reason: '已安排复核', jurisdictionPath: city.street.path });
  });

  it('keeps read state per person for unit notifications', async () => {
    const n = env.deps.services.tasks.notifications;
    const note = await env.deps.services.tasks.notify(undefined, systemActor('testing'), {
      unitId: street.id,
      title: '物资到达',
      body: '请到街道领取',
      sourceModule: 'resources',
    });
    expect(note.isAlert).toBe(false);
    await n.markRead(undefined, workerA, note.id);
    await n.markRead(undefined, workerA, note.id); // reading twice changes nothing
    expect((await n.list(workerA, { unread: true })).items.map((x) => x.id)).not.toContain(note.id);
    expect((await n.list(workerB, { unread: true })).items.map((x) => x.id)).toContain(note.id);
    await expect(n.acknowledge(undefined, workerA, note.id)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_ALERT', status: 422 });
  });

  it('addresses by jurisdiction: 西陵 users and the city see a 西陵 alert, a 伍家岗 user does not (and cannot read or ack it)', async () => {
    const n = env.deps.services.tasks.notifications;
    const alert = await n.raiseAlert(undefined, officer, { title: '西陵区风险区调整', body: '即日起…', severity: 'warning', jurisdictionId: city.xiling.id });
    for (const a of [officer, workerA, cityAdmin]) expect((await n.list(a)).items.map((x) => x.id)).toContain(alert.id);
    expect((await n.list(wjgWorker)).items.map((x) => x.id)).not.toContain(alert.id);
    await expect(n.markRead(undefined, wjgWorker, alert.id)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND', status: 404 });
    await expect(n.acknowledge(undefined, wjgWorker, alert.id)).rejects.toMatchObject({ status: 404 });
    // A city-wide alert reaches every district.
    const cityWide = await n.raiseAlert(undefined, cityAdmin, { title: '全市全员核酸', body: '明日 8 时开始', severity: 'info' });
    for (const a of [wjgWorker, workerA]) expect((await n.list(a)).items.map((x) => x.id)).toContain(cityWide.id);
    // A user-addressed notification reaches only that user.
    const personal = await env.deps.services.tasks.notify(undefined, systemActor(), {
      userId: workerA.userId,
      title: '密码即将过期',
      body: '请修改',
      sourceModule: 'platform',
    });
    expect((await n.list(workerA)).items.map((x) => x.id)).toContain(personal.id);
    expect((await n.list(workerB)).items.map((x) => x.id)).not.toContain(personal.id);
  });

  it("refuses alert targets outside the caller's scope as if they did not exist", async () => {
    const n = env.deps.services.tasks.notifications;
    await expect(n.raiseAlert(undefined, officer, { title: 't', body: 'b', severity: 'info', unitId: wjg.id })).rejects.toMatchObject({
      code: 'ALERT_TARGET_NOT_FOUND',
      status: 404,
    });
    await expect(n.raiseAlert(undefined, officer, { title: 't', body: 'b', severity: 'info', jurisdictionId: city.wujiagang.id })).rejects.toMatchObject({
      status: 404,
    });
    // Without a target, the alert goes to the caller's own jurisdiction.
    const own = await n.raiseAlert(undefined, officer, { title: '区内通知', body: 'b', severity: 'info' });
    expect((await n.list(workerA)).items.map((x) => x.id)).toContain(own.id);
    expect((await n.list(wjgWorker)).items.map((x) => x.id)).not.toContain(own.id);
  });

  it('publishes alert.raised / notification.created events to the same audience, only when committed', async () => {
    const { outbox, tasks } = env.deps.services;
    const head = await outbox.head();
    await expect(
      env.deps.db.transaction().execute(async (trx) => {
        await tasks.notify(trx, systemActor(), { unitId: street.id, title: 'x', body: 'y', sourceModule: 'test' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await outbox.readAfter(head)).toEqual([]);
    const a = await tasks.notifications.raiseAlert(undefined, officer, { title: '预警', body: '内容', severity: 'warning', unitId: street.id });
    const [m] = await outbox.readAfter(head);
    expect(m).toMatchObject({
      topic: 'alert.raised',
      unitId: street.id,
      userId: null,
      jurisdictionPath: null,
      payload: { id: a.id, severity: 'warning', isAlert: true },
    });
  });
});
