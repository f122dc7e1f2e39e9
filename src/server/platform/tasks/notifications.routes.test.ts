import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type UnitRef, type UserRef } from '../../../../test/helpers/factories.js';

describe.each(DIALECTS)('notification and alert routes [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let street: UnitRef;
  let officer: Record<string, string>,
    workerA: Record<string, string>,
    workerB: Record<string, string>,
    wjgWorker: Record<string, string>,
    sampler: Record<string, string>;

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    street = await buildUnit(db, { name: '西陵街道办', jurisdiction: city.street });
    const wjg = await buildUnit(db, { name: '伍家岗街道办', jurisdiction: city.otherStreet });
    const login = async (unit: UnitRef, roles: UserRef['roles']) => sessionHeaders(db, await buildUser(db, { unit, roles }), t.clock.now());
    officer = await login(hq, ['district_officer']);
    workerA = await login(street, ['community_worker']);
    workerB = await login(street, ['community_worker']);
    sampler = await login(street, ['sampler']);
    wjgWorker = await login(wjg, ['community_worker']);
  });
  afterAll(() => t.close());

  const post = (headers: Record<string, string>, url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  const feed = (headers: Record<string, string>, qs = '') => t.app.inject({ method: 'GET', url: `/api/notifications${qs}`, headers }).then((r) => r.json());

  it('raises an alert to a unit (201); the feed counts it; one ack closes it; a second ack is 409', async () => {
    const raised = await post(officer, '/api/alerts', { title: '阳性混管', body: '12 栋立即单管复核', severity: 'critical', unitId: street.id });
    expect(raised.statusCode).toBe(201);
    const alert = raised.json();
    expect(alert).toMatchObject({
      isAlert: true,
      severity: 'critical',
      acknowledgedAt: null,
      acknowledgedBy: null,
      readAt: null,
      link: null,
      sourceModule: 'platform',
    });

    const before = await feed(workerA, '?alertsOnly=true');
    expect(before.items.map((x: { id: string }) => x.id)).toContain(alert.id);
    expect(before.unacknowledgedAlerts).toBe(1);

    const ack = await post(workerA, `/api/notifications/${alert.id}/ack`, { note: '已安排' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ acknowledgedAt: t.clock.now(), ackNote: '已安排' });
    expect(ack.json().acknowledgedBy).toMatch(/^测试/);

    const again = await post(workerB, `/api/notifications/${alert.id}/ack`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALERT_ALREADY_ACKNOWLEDGED');
    expect((await feed(workerB)).unacknowledgedAlerts).toBe(0);
    const [entry] = await t.deps.services.journal.list(t.deps.db, {
      entityType: 'notification',
      entityId: alert.id,
      action: 'notification.alert.ack',
      limit: 1,
    });
    expect(entry.reason).toBe('已安排');
  });

  it('acks without a body too, marks read per person, and filters unread', async () => {
    const alert = (await post(officer, '/api/alerts', { title: '区内预警', body: '…', severity: 'info' })).json();
    expect((await post(workerA, `/api/notifications/${alert.id}/read`)).json().readAt).toBe(t.clock.now());
    expect((await feed(workerA, '?unread=true')).items.map((x: { id: string }) => x.id)).not.toContain(alert.id);
    expect((await feed(workerB, '?unread=true')).items.map((x: { id: string }) => x.id)).toContain(alert.id);
    // A street worker sees the district-wide alert but may not close it for the whole district.
    const notTheirs = await post(workerB, `/api/notifications/${alert.id}/ack`);
    expect(notTheirs.statusCode).toBe(403);
    expect(notTheirs.json().error.code).toBe('ALERT_NOT_YOURS_TO_ACK');
    expect((await post(officer, `/api/notifications/${alert.id}/ack`)).statusCode).toBe(200);
  });

  it("a read-only auditor cannot close a district's critical alert; an acknowledgement records for whom", async () => {
    const db = t.deps.db;
    const hq = await buildUnit(db, { name: '审计组', jurisdiction: city.xiling });
    const auditor = await sessionHeaders(db, await buildUser(db, { unit: hq, roles: ['auditor'] }), t.clock.now());
    const alert = (await post(officer, '/api/alerts', { title: '危急预警', body: '…', severity: 'critical', jurisdictionId: city.xiling.id })).json();
    expect((await feed(auditor)).items.map((x: { id: string }) => x.id)).toContain(alert.id); // they read it…
    const denied = await post(auditor, `/api/notifications/${alert.id}/ack`, { note: '已阅' });
    expect(denied.statusCode).toBe(403); // …but cannot close it
    expect((await feed(officer)).unacknowledgedAlerts).toBeGreaterThan(0);
    const toStreet = (await post(officer, '/api/alerts', { title: '街道预警', body: '…', severity: 'warning', jurisdictionId: city.street.id })).json();
    // The district officer acknowledges the street's alert on its behalf; the journal says so.
    expect((await post(officer, `/api/notifications/${toStreet.id}/ack`, { note: '区里处理' })).statusCode).toBe(200);
    const [entry] = await t.deps.services.journal.list(db, { entityType: 'notification', entityId: toStreet.id, action: 'notification.alert.ack', limit: 1 });
    expect(entry.payload).toMatchObject({ for: { jurisdictionPath: city.street.path, unitId: null, userId: null }, byScope: city.xiling.path });
    expect(entry.actorId).not.toBeNull();
  });

  it('takes only internal paths as alert links', async () => {
    for (const link of ['https://evil.example/login', '//evil.example', 'javascript:alert(1)', '/\\evil.example', ' /tasks']) {
      const r = await post(officer, '/api/alerts', { title: 't', body: 'b', severity: 'info', link });
      expect(r.statusCode, link).toBe(400);
      expect(JSON.stringify(r.json().error), link).toMatch(/link/);
    }
    expect((await post(officer, '/api/alerts', { title: 't', body: 'b', severity: 'info', link: '/tasks?status=new' })).statusCode).toBe(201);
    // A module's notify() refuses an outside link too.
    await expect(
      t.deps.services.tasks.notify(undefined, (await import('../actor.js')).systemActor(), {
        title: 't',
        body: 'b',
        link: 'https://x.example',
        sourceModule: 'test',
      }),
    ).rejects.toMatchObject({ code: 'NOTIFICATION_LINK_NOT_INTERNAL' });
  });

  it('keeps other districts out: no 西陵 alert in a 伍家岗 feed, and 404 on read/ack', async () => {
    const alert = (await post(officer, '/api/alerts', { title: '西陵区预警', body: '…', severity: 'warning', jurisdictionId: city.xiling.id })).json();
    expect((await feed(wjgWorker)).items.map((x: { id: string }) => x.id)).not.toContain(alert.id);
    expect((await post(wjgWorker, `/api/notifications/${alert.id}/read`)).statusCode).toBe(404);
    expect((await post(wjgWorker, `/api/notifications/${alert.id}/ack`, {})).statusCode).toBe(404);
    expect((await post(officer, '/api/alerts', { title: 't', body: 'b', severity: 'info', jurisdictionId: city.wujiagang.id })).statusCode).toBe(404);
  });

  it('validates: capability alert.raise, severity required, not both targets, no unknown fields', async () => {
    expect((await post(sampler, '/api/alerts', { title: 't', body: 'b', severity: 'info' })).statusCode).toBe(403);
    expect((await post(officer, '/api/alerts', { title: 't', body: 'b' })).statusCode).toBe(400);
    expect(
      (await post(officer, '/api/alerts', { title: 't', body: 'b', severity: 'info', unitId: street.id, jurisdictionId: city.xiling.id })).statusCode,
    ).toBe(400);
    expect((await post(officer, '/api/alerts', { title: 't', body: 'b', severity: 'info', extra: true })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/notifications' })).statusCode).toBe(401);
  });
});
