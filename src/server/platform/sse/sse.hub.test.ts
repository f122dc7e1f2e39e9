import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, type UnitRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';
import type { OutboxMessage } from '../outbox/outbox.service.js';
import { actorOf } from '../tasks/tasks.test-helpers.js';
import { audienceMatches, createSseHub, type HubClient, type SseHub } from './sse.hub.js';

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
  let xilingUser: Actor, wjgUser: Actor, streetUser: Actor;
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
    hub = createSseHub(env.deps, { pollMs: 50, safetyPollMs: 60_000, heartbeatMs: 100 });
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
        await outbox.publish(trx, { topic: 'test.rolled-back', jurisdictionPath: city.xiling.path, payload: { n: 1 } });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await hub.catchUp();
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.committed', jurisdictionPath: city.xiling.path, payload: { n: 2 } }));
    await hub.catchUp();
    expect(c.got.map((m) => m.topic)).toEqual(['test.committed']);
    remove();
  });

  it('filters by audience: a 伍家岗 user does not receive a 西陵 alert', async () => {
    const x = collector(xilingUser);
    const w = collector(wjgUser);
    const s = collector(streetUser);
    const removes = await Promise.all([hub.subscribe(x), hub.subscribe(w), hub.subscribe(s)]);
    const alert = await env.deps.services.tasks.notifications.raiseAlert(undefined, xilingUser, { title: '西陵预警', body: '…', severity: 'critical', jurisdictionId: city.xiling.id });
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
    for (let i = 1; i <= 3; i++) await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', unitId: street.id, payload: { i } }));
    await hub.catchUp();
    expect(first.got.map((m) => (m.payload as { i: number }).i)).toEqual([1, 2, 3]);
    const lastSeen = first.got[0].seq; // the client dropped after the first event
    remove();
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', unitId: 'someone-else', payload: { i: 4 } }));
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', unitId: street.id, payload: { i: 5 } }));
    await hub.catchUp();
    const again = collector(streetUser);
    const remove2 = await hub.subscribe(again, lastSeen);
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.seq', unitId: street.id, payload: { i: 6 } }));
    await hub.catchUp();
    expect(again.got.map((m) => (m.payload as { i: number }).i)).toEqual([2, 3, 5, 6]);
    remove2();
  });

  it('wakes up by itself (PostgreSQL LISTEN/NOTIFY, SQLite polling), sends heartbeats, and ends streams on stop', async () => {
    const own = createSseHub(env.deps, { pollMs: 50, safetyPollMs: 600_000, heartbeatMs: 50 });
    const c = collector(xilingUser);
    await own.subscribe(c); // starts the hub
    await inTx(env.deps.db, (trx) => env.deps.services.outbox.publish(trx, { topic: 'test.wake', payload: { ok: true } }));
    await until(() => c.got.some((m) => m.topic === 'test.wake'), 'the event without catchUp()');
    await until(() => c.beats > 0, 'a heartbeat');
    await own.stop();
    expect(c.closed).toBe(true);
    expect(own.size).toBe(0);
  });
});
