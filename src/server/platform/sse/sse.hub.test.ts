import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, type UnitRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';
import type { OutboxMessage } from '../outbox/outbox.types.js';
import { actorOf } from '../tasks/tasks.test-helpers.js';
import { audienceMatches, createSseHub, StreamLimitError, type HubClient, type SseHub } from './sse.hub.js';

function collector(actor: Actor): HubClient & { got: OutboxMessage[]; beats: number; closed: boolean } {
  const c = {
    actor,
    got: [] as OutboxMessage[],
    beats: 0,
    closed: false,
    send: (m: OutboxMessage) => void c.got.push(m),
    heartbeat: () => void c.beats++,
    close: () => void (c.closed = true),
  };
  return c;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('audienceMatches', () => {
  const me = { userId: 'u1', unitId: 'unit1', scopePath: '/420500/420502/' };
  it('matches by user, unit, overlapping jurisdiction, or no address at all', () => {
    expect(audienceMatches(me, {})).toBe(true);
    expect(audienceMatches(me, { userId: 'u1' })).toBe(true);
    expect(audienceMatches(me, { userId: 'u2' })).toBe(false);
    expect(audienceMatches(me, { unitId: 'unit1' })).toBe(true);
    expect(audienceMatches(me, { unitId: 'unit2' })).toBe(false);
    expect(audienceMatches(me, { jurisdictionPath: '/420500/420502/420502001000/' })).toBe(true);
    expect(audienceMatches(me, { jurisdictionPath: '/420500/' })).toBe(true);
    expect(audienceMatches(me, { jurisdictionPath: '/420500/420503/' })).toBe(false);
    expect(audienceMatches({ ...me, scopePath: '/' }, { jurisdictionPath: '/420500/420503/' })).toBe(true);
  });
});

describe.each(DIALECTS)('SSE hub [%s]', (dialect) => {
  let env: TestEnv;
  let hub: SseHub;
  let xilingUser: Actor, wjgUser: Actor, streetUser: Actor, cityCommander: Actor, xilingAnalyst: Actor, xilingSampler: Actor;
  let street: UnitRef;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;

  beforeAll(async () => {
    env = await testEnv(dialect);
    const db = env.deps.db;
    city = await buildMiniCity(db);
    const xiling = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    street = await buildUnit(db, { name: '西陵街道办', jurisdiction: city.street });
    const wjg = await buildUnit(db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang });
    xilingUser = actorOf(await buildUser(db, { unit: xiling, roles: ['district_officer'] }));
    streetUser = actorOf(await buildUser(db, { unit: street, roles: ['community_worker'] }));
    wjgUser = actorOf(await buildUser(db, { unit: wjg, roles: ['district_officer'] }));
    const hq = await buildUnit(db, { name: '市指挥部', jurisdiction: city.city });
    cityCommander = actorOf(await buildUser(db, { unit: hq, roles: ['commander'] }));
    xilingAnalyst = actorOf(await buildUser(db, { unit: xiling, roles: ['analyst'] }));
    xilingSampler = actorOf(await buildUser(db, { unit: xiling, roles: ['sampler'] }));
    hub = createSseHub(env.deps, { pollMs: 50, safetyPollMs: 60_000, heartbeatMs: 100, revalidateMs: 600_000 });
    await hub.start();
  });
  afterAll(async () => {
    await hub.stop();
    await env.close();
  });

  it('delivers only committed events: a rolled-back change emits nothing', async () => {
    const { outbox } = env.deps.services;
    const c = collector(xilingUser);
    const remove = await hub.subscribe(c);
    await expect(
      inTx(env.deps.db, async (trx) => {
        await outbox.publish(trx, { topic: 'test.rolled-back', capability: 'authenticated', jurisdictionPath: city.xiling.path, payload: { n: 1 } });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await hub.catchUp();
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'test.committed', capability: 'authenticated', jurisdictionPath: city.xiling.path, payload: { n: 2 } }),
    );
    await hub.catchUp();
    expect(c.got.map((m) => m.topic)).toEqual(['test.committed']);
    remove();
  });

  it('filters by audience: a 伍家岗 user does not receive a 西陵 alert', async () => {
    const x = collector(xilingUser);
    const w = collector(wjgUser);
    const s = collector(streetUser);
    const removes = await Promise.all([hub.subscribe(x), hub.subscribe(w), hub.subscribe(s)]);
    const alert = await env.deps.services.tasks.notifications.raiseAlert(undefined, xilingUser, {
      title: '西陵预警',
      body: '…',
      severity: 'critical',
      jurisdictionId: city.xiling.id,
    });
    await env.deps.services.tasks.notify(undefined, xilingUser, { unitId: street.id, title: '街道通知', body: '…', sourceModule: 'test' });
    await hub.catchUp();
    expect(x.got.map((m) => m.topic)).toEqual(['alert.raised']);
    expect(x.got[0].payload).toMatchObject({ id: alert.id, severity: 'critical' });
    expect(s.got.map((m) => m.topic)).toEqual(['alert.raised', 'notification.created']);
    expect(w.got).toEqual([]);
    removes.forEach((r) => r());
  });

  it('replays what a client missed after its Last-Event-ID, then continues live without gaps or repeats', async () => {
    const { outbox } = env.deps.services;
    const first = collector(streetUser);
    const remove = await hub.subscribe(first);
    for (let i = 1; i <= 3; i++)
      await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', capability: 'authenticated', unitId: street.id, payload: { i } }));
    await hub.catchUp();
    expect(first.got.map((m) => (m.payload as { i: number }).i)).toEqual([1, 2, 3]);
    const lastSeen = first.got[0].seq; // the client dropped after the first event
    remove();
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', capability: 'authenticated', unitId: 'someone-else', payload: { i: 4 } }));
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', capability: 'authenticated', unitId: street.id, payload: { i: 5 } }));
    await hub.catchUp();
    const again = collector(streetUser);
    const remove2 = await hub.subscribe(again, lastSeen);
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', capability: 'authenticated', unitId: street.id, payload: { i: 6 } }));
    await hub.catchUp();
    expect(again.got.map((m) => (m.payload as { i: number }).i)).toEqual([2, 3, 5, 6]);
    remove2();
  });

  it('wakes up by itself (PostgreSQL LISTEN/NOTIFY, SQLite polling), sends heartbeats, and ends streams on stop', async () => {
    const own = createSseHub(env.deps, { pollMs: 50, safetyPollMs: 600_000, heartbeatMs: 50, revalidateMs: 600_000 });
    const c = collector(xilingUser);
    await own.subscribe(c); // starts the hub
    await inTx(env.deps.db, (trx) => env.deps.services.outbox.publish(trx, { topic: 'test.wake', capability: 'authenticated', payload: { ok: true } }));
    await until(() => c.got.some((m) => m.topic === 'test.wake'), 'the event without catchUp()');
    await until(() => c.beats > 0, 'a heartbeat');
    await own.stop();
    expect(c.closed).toBe(true);
    expect(own.size).toBe(0);
  });
  it('sends data events only to users who could read the same data through REST (capability and scope, per role)', async () => {
    const { outbox } = env.deps.services;
    const roles = { cityCommander, xilingUser, wjgUser, xilingAnalyst, xilingSampler, streetUser };
    const cs = Object.fromEntries(Object.entries(roles).map(([k, a]) => [k, collector(a)]));
    const removes = await Promise.all(Object.values(cs).map((c) => hub.subscribe(c)));
    // A city-wide campaign's positive tube (barcode) and its per-compound counts: the city only.
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'testing.tube.reactive', capability: 'testing.read', jurisdictionPath: city.city.path, payload: { barcode: 'T0001' } }),
    );
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'testing.coverage', capability: 'testing.read', jurisdictionPath: city.city.path, payload: { compounds: 3 } }),
    );
    // A 西陵 case: case.read holders whose scope contains 西陵 (not the analyst, the sampler, 伍家岗 or a street below).
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'cases.case.created', capability: 'case.read', jurisdictionPath: city.xiling.path, payload: { id: 'c1' } }),
    );
    // A 西陵 control change: control.read inside scope (the street worker too, for a street record).
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'control.status.changed', capability: 'control.read', jurisdictionPath: city.street.path, payload: { count: 1 } }),
    );
    // A city-wide campaign's status: every testing.read holder whose scope overlaps.
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, {
        topic: 'testing.campaign.changed',
        capability: 'testing.read',
        reach: 'overlap',
        jurisdictionPath: city.city.path,
        payload: { status: 'active' },
      }),
    );
    await hub.catchUp();
    const got = Object.fromEntries(Object.entries(cs).map(([k, c]) => [k, c.got.map((m) => m.topic).sort()]));
    expect(got).toEqual({
      cityCommander: ['cases.case.created', 'control.status.changed', 'testing.campaign.changed', 'testing.coverage', 'testing.tube.reactive'],
      xilingUser: ['cases.case.created', 'control.status.changed', 'testing.campaign.changed'],
      wjgUser: ['testing.campaign.changed'],
      xilingAnalyst: ['testing.campaign.changed'],
      xilingSampler: ['testing.campaign.changed'],
      streetUser: ['control.status.changed', 'testing.campaign.changed'],
    });
    removes.forEach((r) => r());
  });

  it("ends a user's streams on a revocation or a profile change, a logout only its own session's, and re-checks sessions", async () => {
    const { outbox } = env.deps.services;
    const a = collector({ ...xilingUser, sessionId: 's-a' });
    const b = collector({ ...xilingUser, sessionId: 's-b' });
    const other = collector({ ...wjgUser, sessionId: 's-w' });
    await Promise.all([hub.subscribe(a), hub.subscribe(b), hub.subscribe(other)]);
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'auth.session.ended', capability: 'authenticated', userId: xilingUser.userId, payload: { sessionId: 's-a' } }),
    );
    await hub.catchUp();
    expect([a.closed, b.closed, other.closed]).toEqual([true, false, false]);
    await inTx(env.deps.db, (trx) =>
      outbox.publish(trx, { topic: 'auth.me.changed', capability: 'authenticated', userId: xilingUser.userId, payload: { fields: ['roles'] } }),
    );
    await hub.catchUp();
    expect([b.closed, other.closed]).toEqual([true, false]);
    expect(b.got.map((m) => m.topic)).toEqual(['auth.me.changed']);
    // A session that ended without an event (expiry) is found by the periodic re-check.
    const checked = createSseHub(env.deps, {
      pollMs: 50,
      safetyPollMs: 600_000,
      heartbeatMs: 600_000,
      revalidateMs: 600_000,
      validate: async (actors) => actors.map((x) => x.sessionId !== 's-x'),
    });
    const x = collector({ ...wjgUser, sessionId: 's-x' });
    const y = collector({ ...wjgUser, sessionId: 's-y' });
    await checked.subscribe(x);
    await checked.subscribe(y);
    await checked.revalidate();
    expect([x.closed, y.closed]).toEqual([true, false]);
    expect(checked.size).toBe(1);
    await checked.stop();
    await hub.stop();
    await hub.start();
  });

  it('caps streams per session and per user', async () => {
    const capped = createSseHub(env.deps, { maxPerUser: 3, maxPerSession: 2 });
    const releases = [await capped.admit({ userId: 'u', sessionId: 's1' }), await capped.admit({ userId: 'u', sessionId: 's1' })];
    await expect(capped.admit({ userId: 'u', sessionId: 's1' })).rejects.toThrow(StreamLimitError);
    releases.push(await capped.admit({ userId: 'u', sessionId: 's2' }));
    await expect(capped.admit({ userId: 'u', sessionId: 's3' })).rejects.toThrow(/per user/);
    await releases[0]();
    await releases[0](); // releasing twice frees one allowance only
    releases.push(await capped.admit({ userId: 'u', sessionId: 's3' }));
    await expect(capped.admit({ userId: 'u', sessionId: 's4' })).rejects.toThrow(/per user/);
    for (const r of releases) await r();
  });
});
