/**
 * THE LIVE-STREAM MATRIX (issue 14, "Live events go only to users whose capabilities and scope would
 * let them read the same data through REST"). Every role sits in a unit of 宜昌市 (the city), of
 * 西陵区 (a district), of a community in 西陵街道 and of 伍家岗区 (the other district), each with an
 * open /api/events stream. Real
 * changes are made through the services in 西陵 and in 伍家岗 (a positive pool with its rechecks,
 * control changes and alerts; a case and its contact), then one marker event to everyone. Each
 * stream must then hold exactly the events whose data its user reads through REST, asked of the
 * REST route that serves that data (a tube, a case, a person, a control summary, the notification
 * feed). A second test ends streams by each kind of revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_TABLE, ROLES, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildJurisdiction, buildMiniCity, buildUnit, buildUser, sessionHeaders, type UnitRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { approvedReview, makePersons, makeVisitor } from '../../modules/control/control.test-helpers.js';
import { addNodes, addPersons, barcode, cid, matrixRecords } from '../../modules/testing/testing.test-helpers.js';
import { systemActor } from '../actor.js';
import type { OutboxMessage } from '../outbox/outbox.types.js';
import { connectSse, type SseConnection } from './sse-client.js';

const LEVELS = ['city', 'district', 'community', 'other district'] as const;
type Level = (typeof LEVELS)[number];
const streams = (role: Role) => (CAPABILITY_TABLE['notification.read'] as readonly Role[]).includes(role);

describe.each(DIALECTS)('live-stream matrix [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let base: string;
  const units = {} as Record<Level, UnitRef>;
  const headers = new Map<string, Record<string, string>>();
  const key = (level: Level, role: Role) => `${level} ${role}`;
  const sys = systemActor('stream-matrix');

  beforeAll(async () => {
    t = await testApp(dialect, { sseMaxPerUser: 4 });
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const community = await buildJurisdiction(db, { code: '420502001001', name: '流矩阵社区', level: 'community', parent: city.street });
    units.city = await buildUnit(db, { name: '流矩阵市指挥部', jurisdiction: city.city, kind: 'hq' });
    units.district = await buildUnit(db, { name: '流矩阵西陵区指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    units.community = await buildUnit(db, { name: '流矩阵社区居委会', jurisdiction: community, kind: 'community' });
    units['other district'] = await buildUnit(db, { name: '流矩阵伍家岗区指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
    for (const level of LEVELS) {
      for (const role of ROLES) {
        const u = await buildUser(db, { unit: units[level], roles: [role], username: `stream_${level.replace(' ', '_')}_${role}` });
        headers.set(key(level, role), await sessionHeaders(db, u, t.clock.now(), 365 * 86_400_000));
      }
    }
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t?.close());

  /** The REST reads that serve an event's data: the event is readable when every one answers 200 (and holds it). */
  async function readable(h: Record<string, string>, m: OutboxMessage): Promise<boolean | 'no probe'> {
    const p = (m.payload ?? {}) as Record<string, string>;
    const ok = async (url: string, has?: (body: unknown) => boolean) => {
      const r = await t.app.inject({ method: 'GET', url, headers: h });
      return r.statusCode === 200 && (!has || has(r.json()));
    };
    const all = async (...urls: string[]) => (await Promise.all(urls.map((u) => ok(u)))).every(Boolean);
    switch (m.topic) {
      case 'testing.campaign.changed':
        return all(`/api/testing/campaigns/${p.id}`);
      case 'testing.tube.reactive':
        return all(`/api/testing/tubes/${p.tubeId}`);
      case 'testing.recheck.positive':
        // The recheck's tube and barcode, and the person it names.
        return all(`/api/testing/rechecks/${p.recheckId}`, `/api/persons/${p.personId}`);
      case 'cases.case.created':
        return all(`/api/cases/${p.id}`);
      case 'cases.contact.added':
        return all(`/api/cases/${p.caseId}/contacts`);
      case 'control.status.changed': {
        // Counts of changes under a node: that node's control summary.
        const node = await t.deps.db.selectFrom('jurisdictions').select('id').where('path', '=', m.jurisdictionPath!).executeTakeFirstOrThrow();
        return all(`/api/control/summary?jurisdictionId=${node.id}`);
      }
      case 'cases.place.added':
        return all(`/api/cases/${p.caseId}/places`);
      case 'zoning.changed':
        return all(`/api/zoning/areas/${p.areaId}`);
      case 'quarantine.occupancy':
        return all(`/api/quarantine/facilities/${p.facilityId}`);
      case 'population.changed': {
        // A count under a node: that node's persons, as the person list reads them.
        const node = await t.deps.db.selectFrom('jurisdictions').select('id').where('path', '=', m.jurisdictionPath!).executeTakeFirstOrThrow();
        return ok(`/api/persons?jurisdictionId=${node.id}`, (b) => ((b as { items?: unknown[] }).items?.length ?? 0) > 0);
      }
      case 'task.changed':
        // Addressed to the assignee unit: its inbox, as the task list reads it.
        return ok('/api/tasks?box=unit&pageSize=200', (b) => (b as { items: { id: string }[] }).items.some((x) => x.id === p.taskId));
      case 'alert.raised':
      case 'notification.created':
        // Alerts about one event are grouped (issue 16): the feed shows the group once and lists every
        // member the reader can see among its recipients.
        return ok('/api/notifications?pageSize=200', (b) =>
          (b as { items: { id: string; group: { recipients: { id: string }[] } | null }[] }).items.some(
            (x) => x.id === p.id || !!x.group?.recipients.some((r) => r.id === p.id),
          ),
        );
      default:
        return 'no probe';
    }
  }

  it('sends each role, at city, district, community and other-district level, exactly the events whose data it reads through REST', async () => {
    const open = new Map<string, SseConnection>();
    const wrong: string[] = [];
    for (const level of LEVELS) {
      for (const role of ROLES) {
        const c = await connectSse(`${base}/api/events`, headers.get(key(level, role))!);
        if (c.status === 200) open.set(key(level, role), c);
        else c.close();
        // The stream needs notification.read; everyone else is refused.
        if (c.status !== (streams(role) ? 200 : 403)) wrong.push(`${key(level, role)}: stream answered ${c.status}`);
      }
    }
    try {
      const head = await t.deps.services.outbox.head();
      // 伍家岗 (outside the district and the community) and 西陵街道 (inside the district, outside the
      // community): a positive pool (its recheck, the persons' pending recheck, alerts), a case with a
      // close contact (central quarantine), and a manual control change.
      for (const street of [city.otherStreet, city.street]) {
        await matrixRecords(t, street);
        const [a, b, c] = await makePersons(t, street, 3);
        const kase = await t.deps.services.cases.cases.create(undefined, sys, { personId: a!, kind: 'confirmed', reason: '流矩阵测试病例' });
        await t.deps.services.cases.tracing.addContact(undefined, sys, kase.id, { category: 'close', exposureDate: kase.reportDate, personId: b });
        const review = await approvedReview(t, { jurisdictionId: street.id });
        await t.deps.services.control.requestChange(undefined, sys, {
          personIds: [c!],
          to: 'home_monitored',
          basis: { type: 'manual_review', id: review },
          reason: '流矩阵测试居家健康监测',
        });
        // A registration, a place the case went, a proposed risk area, a quarantine facility's occupancy.
        await makeVisitor(t, street);
        const building = await t.deps.db
          .selectFrom('jurisdictions')
          .select('id')
          .where('level', '=', 'building')
          .where('path', 'like', `${street.path}%`)
          .executeTakeFirstOrThrow();
        await t.deps.services.cases.tracing.addPlace(undefined, sys, kase.id, {
          jurisdictionId: building.id,
          description: '农贸市场',
          fromAt: t.clock.now() - 7_200_000,
          toAt: t.clock.now() - 3_600_000,
        });
        await t.deps.services.zoning.create(undefined, sys, { level: 'high', jurisdictionIds: [street.id], basis: { caseIds: [kase.id] } });
        const facility = await t.deps.services.quarantine.createFacility(undefined, sys, {
          name: `流矩阵隔离点${street.code}`,
          jurisdictionId: street.id,
          address: '一号',
        });
        await t.deps.services.quarantine.createRooms(undefined, sys, facility.id, [{ number: '101', floor: 1 }]);
      }
      // A city-wide campaign sampled in 伍家岗, whose pool there is positive: the case the issue names
      // (a district received another district's positive tube barcodes of a city-wide campaign).
      const testing = t.deps.services.testing;
      const [community, , building] = await addNodes(t, city.otherStreet, [
        { code: '420503001801', name: '流矩阵伍家社区', level: 'community' },
        { code: '420503001801001', name: '流矩阵伍家小区', level: 'compound', centre: [111.35, 30.66] },
        { code: '420503001801001001', name: '1栋', level: 'building' },
      ]);
      const people = await addPersons(t, building!, 2);
      const cityWide = await testing.campaigns.create(undefined, sys, { name: '流矩阵全市核酸', scopeJurisdictionIds: [city.city.id], poolSize: 5 });
      await testing.campaigns.activate(undefined, sys, cityWide.id);
      const site = await testing.sites.create(undefined, sys, {
        name: '流矩阵伍家采样点',
        kind: 'tent',
        jurisdictionId: community!.id,
        location: [111.35, 30.66],
        lanes: 1,
      });
      const code = barcode('SM');
      await testing.sampling.applyBatch(
        undefined,
        await testing.sampling.prepareBatch(sys, [
          { op: 'open', clientId: cid(), campaignId: cityWide.id, siteId: site.id, barcode: code },
          ...people.map((x) => ({ op: 'scan' as const, clientId: cid(), campaignId: cityWide.id, barcode: code, idNumber: x.idNumber })),
          { op: 'close', clientId: cid(), campaignId: cityWide.id, barcode: code },
        ]),
      );
      await testing.lab.receive(undefined, sys, { boxCode: 'BOX-SM', barcodes: [code] });
      await testing.lab.recordOne(undefined, sys, { barcode: code, result: 'positive', ctOrf1ab: 26, ctN: 29, lab: '流矩阵实验室' });
      // One person's single-tube recheck, positive too: handed over to the cases module.
      const {
        items: [recheck],
      } = await testing.rechecks.list(sys, { campaignId: cityWide.id });
      const single = barcode('SR');
      await testing.rechecks.sample(undefined, sys, recheck!.id, { clientId: cid(), barcode: single });
      await testing.lab.receive(undefined, sys, { boxCode: 'BOX-SR', barcodes: [single] });
      await testing.lab.recordOne(undefined, sys, { barcode: single, result: 'positive', ctOrf1ab: 24, ctN: 26, lab: '流矩阵实验室' });
      await inTx(t.deps.db, (trx) => t.deps.services.outbox.publish(trx, { topic: 'test.marker', capability: 'authenticated', payload: {} }));
      for (const c of open.values()) await c.waitFor((e) => e.event === 'test.marker');

      const published = (await t.deps.services.outbox.readAfter(head, 1000)).filter((m) => m.topic !== 'test.marker');
      const topics = new Set(published.map((m) => m.topic));
      // The changes above reach the stream as these kinds of events (so the comparison below is not empty).
      for (const topic of [
        'testing.tube.reactive',
        'testing.recheck.positive',
        'cases.case.created',
        'cases.place.added',
        'control.status.changed',
        'zoning.changed',
        'population.changed',
        'alert.raised',
      ]) {
        expect(topics, topic).toContain(topic);
      }
      for (const [who, c] of open) {
        const got = new Set(c.events.filter((e) => e.event !== 'test.marker').map((e) => Number(e.id)));
        for (const m of published) {
          const may = await readable(headers.get(who)!, m);
          if (may === 'no probe') {
            wrong.push(`${m.topic}: no REST read to compare with (add one to readable())`);
            continue;
          }
          if (got.has(m.seq) !== may)
            wrong.push(
              `${who}: ${m.topic} at ${m.jurisdictionPath ?? '-'} ${got.has(m.seq) ? 'streamed, but REST refuses it' : 'readable through REST, but not streamed'}`,
            );
        }
        // Nothing streamed that was not published in this window.
        for (const seq of got) if (!published.some((m) => m.seq === seq)) wrong.push(`${who}: streamed an unknown event ${seq}`);
      }
      // And the comparison is not vacuous: the district officer reads (and receives) 西陵's events, not 伍家岗's.
      const officer = open.get(key('district', 'district_officer'))!;
      const byTopic = (path: string) => officer.events.filter((e) => published.find((m) => m.seq === Number(e.id))?.jurisdictionPath?.startsWith(path)).length;
      expect(byTopic(city.street.path)).toBeGreaterThan(0);
      expect(byTopic(city.otherStreet.path)).toBe(0);
    } finally {
      for (const c of open.values()) {
        c.close();
        await c.closed;
      }
    }
    expect([...new Set(wrong)]).toEqual([]);
  });

  it('ends a stream when its session ends, the account is disabled, the password is reset, or the role or unit changes', async () => {
    const db = t.deps.db;
    const admin = await sessionHeaders(db, await buildUser(db, { unit: units.city, roles: ['admin'], username: 'stream_revoker' }), t.clock.now());
    const other = await buildUnit(db, { name: '流矩阵另一单位', jurisdiction: city.street, kind: 'street_office' });
    const post = (url: string, h: Record<string, string>, payload: object) => t.app.inject({ method: 'POST', url, headers: h, payload });
    const patch = (url: string, payload: object) => t.app.inject({ method: 'PATCH', url, headers: admin, payload });
    const revocations: [string, (userId: string, own: Record<string, string>) => Promise<{ statusCode: number; body: string }>][] = [
      ['logout', (_u, own) => post('/api/auth/logout', own, {})],
      ['disable', (u) => post(`/api/users/${u}/disable`, admin, { reason: '离岗' })],
      ['password reset', (u) => post(`/api/users/${u}/reset-password`, admin, { password: 'Stream-Matrix-2026-ok', reason: '本人遗忘密码' })],
      ['role change', (u) => patch(`/api/users/${u}`, { roles: ['tracer'], reason: '调岗' })],
      ['unit change', (u) => patch(`/api/users/${u}`, { unitId: other.id, reason: '调往街道办' })],
    ];
    for (const level of LEVELS) {
      for (const [what, revoke] of revocations) {
        const u = await buildUser(db, {
          unit: units[level],
          roles: ['district_officer'],
          username: `stream_revoked_${level.replace(' ', '_')}_${what.replace(' ', '_')}`,
        });
        const own = await sessionHeaders(db, u, t.clock.now());
        const c = await connectSse(`${base}/api/events`, own);
        expect(c.status, `${level} ${what}`).toBe(200);
        const r = await revoke(u.id, own);
        expect(r.statusCode, `${level} ${what}: ${r.body}`).toBeLessThan(300);
        // Would time out (the test fails) if the stream stayed open.
        await c.closed;
        // And it cannot be reopened with the old session where the session itself was revoked.
        if (what !== 'role change' && what !== 'unit change') {
          const again = await connectSse(`${base}/api/events`, own);
          expect(again.status, `${level} ${what}: reopened`).toBe(401);
          again.close();
        }
      }
    }
  });

  it("re-reads the audience when a stream reopens after a unit change: the new district's events, not the old one's", async () => {
    const db = t.deps.db;
    const admin = await sessionHeaders(db, await buildUser(db, { unit: units.city, roles: ['admin'], username: 'stream_mover' }), t.clock.now());
    const u = await buildUser(db, { unit: units['other district'], roles: ['district_officer'], username: 'stream_moved_officer' });
    const own = await sessionHeaders(db, u, t.clock.now());
    const first = await connectSse(`${base}/api/events`, own);
    expect(first.status).toBe(200);
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/api/users/${u.id}`,
      headers: admin,
      payload: { unitId: units.district.id, reason: '调往西陵区' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    await first.closed;
    const again = await connectSse(`${base}/api/events`, own);
    // (Where a unit change ends the session too, signing in again gives the same audience.)
    const c = again.status === 200 ? again : await connectSse(`${base}/api/events`, await sessionHeaders(db, u, t.clock.now()));
    expect(c.status).toBe(200);
    try {
      const caseIn = async (street: typeof city.street) => {
        const [personId] = await makePersons(t, street, 1);
        return (await t.deps.services.cases.cases.create(undefined, sys, { personId: personId!, kind: 'confirmed', reason: '流矩阵调岗测试' })).id;
      };
      const old = await caseIn(city.otherStreet);
      const mine = await caseIn(city.street);
      await inTx(t.deps.db, (trx) => t.deps.services.outbox.publish(trx, { topic: 'test.marker', capability: 'authenticated', payload: {} }));
      await c.waitFor((e) => e.event === 'test.marker');
      const cases = c.events.filter((e) => e.event === 'cases.case.created').map((e) => (JSON.parse(e.data) as { id: string }).id);
      expect(cases).toContain(mine);
      expect(cases).not.toContain(old);
    } finally {
      c.close();
      await c.closed;
      if (c !== again) again.close();
    }
  });
});
