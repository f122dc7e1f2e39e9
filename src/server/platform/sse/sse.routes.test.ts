import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { connectSse, type SseConnection } from './sse-client.js';

describe.each(DIALECTS)('GET /api/events [%s]', (dialect) => {
  let t: TestApp;
  let base: string;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let xiling: Record<string, string>, wjg: Record<string, string>, sampler: Record<string, string>;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    t = await testApp(dialect, { maxInFlight: 3, sseMaxPerSession: 2 });
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const xu = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    const wu = await buildUnit(db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang });
    xiling = await sessionHeaders(db, await buildUser(db, { unit: xu, roles: ['district_officer'] }), t.clock.now());
    wjg = await sessionHeaders(db, await buildUser(db, { unit: wu, roles: ['district_officer'] }), t.clock.now());
    sampler = await sessionHeaders(db, await buildUser(db, { unit: xu, roles: ['sampler'] }), t.clock.now());
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  let closed = false;
  afterEach(async () => {
    for (const c of open.splice(0)) {
      c.close();
      await c.closed;
    }
  });
  afterAll(async () => {
    if (!closed) await t.close();
  });

  const connect = async (headers: Record<string, string>) => {
    const c = await connectSse(`${base}/api/events`, headers);
    open.push(c);
    return c;
  };
  const raise = (headers: Record<string, string>, body: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/alerts', headers, payload: { title: '预警', body: '内容', severity: 'warning', ...body } });

  it('streams a committed alert to the users it is addressed to, in the SSE wire format', async () => {
    const mine = await connect(xiling);
    const theirs = await connect(wjg);
    expect(mine.status).toBe(200);
    expect(mine.headers['content-type']).toMatch(/^text\/event-stream/);
    const res = await raise(xiling, { title: '西陵区预警', jurisdictionId: city.xiling.id });
    expect(res.statusCode).toBe(201);
    const e = await mine.waitFor((x) => x.event === 'alert.raised');
    expect(Number(e.id)).toBeGreaterThan(0);
    expect(JSON.parse(e.data)).toMatchObject({ id: res.json().id, title: '西陵区预警', severity: 'warning' });
    // A marker event to everyone, committed after the alert: once 伍家岗 has it, it would have had the alert.
    await inTx(t.deps.db, (trx) => t.deps.services.outbox.publish(trx, { topic: 'test.marker', capability: 'authenticated', payload: {} }));
    await theirs.waitFor((x) => x.event === 'test.marker');
    expect(theirs.events.filter((x) => x.event === 'alert.raised')).toEqual([]);
  });

  it('resumes after Last-Event-ID with what was missed', async () => {
    const first = await connect(xiling);
    await raise(xiling, { title: 'A', jurisdictionId: city.xiling.id });
    const a = await first.waitFor((x) => x.event === 'alert.raised' && JSON.parse(x.data).title === 'A');
    first.close();
    await raise(xiling, { title: 'B', jurisdictionId: city.xiling.id });
    const again = await connect({ ...xiling, 'last-event-id': a.id! });
    const b = await again.waitFor((x) => x.event === 'alert.raised');
    expect(JSON.parse(b.data).title).toBe('B');
    expect(Number(b.id)).toBeGreaterThan(Number(a.id));
  });

  it('needs sign-in and the capability', async () => {
    const anon = await connectSse(`${base}/api/events`);
    expect(anon.status).toBe(401);
    anon.close();
    expect((await raise(sampler, {})).statusCode).toBe(403);
  });

  it('frees the connection slot when a client goes away (no load-shedding leak)', async () => {
    // maxInFlight is 3 in this suite: five streams that were opened and dropped must not hold slots.
    for (let i = 0; i < 5; i++) {
      const c = await connectSse(`${base}/api/events`, xiling);
      expect(c.status).toBe(200);
      c.close();
      await c.closed;
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await t.app.inject({ method: 'GET', url: '/api/tasks', headers: xiling })).statusCode).toBe(200);
  });

  it('ends a stream when its session logs out, when the account is disabled, and when the role changes', async () => {
    const db = t.deps.db;
    const unit = await buildUnit(db, { name: '流测试单位', jurisdiction: city.xiling });
    const admin = await sessionHeaders(db, await buildUser(db, { unit, roles: ['admin'] }), t.clock.now());
    const u1 = await buildUser(db, { unit, roles: ['district_officer'] });
    const s1 = await sessionHeaders(db, u1, t.clock.now());
    const s2 = await sessionHeaders(db, u1, t.clock.now());
    const a = await connect(s1);
    const b = await connect(s2);
    expect([a.status, b.status]).toEqual([200, 200]);
    // Logging out ends that session's stream only.
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: s1 })).statusCode).toBeLessThan(300);
    await a.closed;
    let bClosed = false;
    void b.closed.then(() => (bClosed = true));
    // A role change ends the user's other streams (the page reconnects with its new audience).
    const ch = await t.app.inject({ method: 'PATCH', url: `/api/users/${u1.id}`, headers: admin, payload: { roles: ['tracer'], reason: '调岗' } });
    expect(ch.statusCode).toBe(200);
    await b.closed;
    expect(bClosed).toBe(true);
    expect(b.events.map((e) => e.event)).toContain('auth.me.changed');
    // Disabling ends every stream of the account.
    const s3 = await sessionHeaders(db, u1, t.clock.now());
    const c = await connect(s3);
    expect(c.status).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/api/users/${u1.id}/disable`, headers: admin, payload: { reason: '离岗' } })).statusCode).toBe(200);
    await c.closed;
  });

  it('caps open streams per session with 429 and Retry-After, and frees the allowance when one closes', async () => {
    const db = t.deps.db;
    const unit = await buildUnit(db, { name: '上限测试单位', jurisdiction: city.xiling });
    const h = await sessionHeaders(db, await buildUser(db, { unit, roles: ['district_officer'] }), t.clock.now());
    const streams = [];
    for (let i = 0; i < t.config.sseMaxPerSession; i++) streams.push(await connect(h));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const over = await connectSse(`${base}/api/events`, h);
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBe('10');
    over.close();
    streams[0].close();
    await streams[0].closed;
    await new Promise((r) => setTimeout(r, 50));
    expect((await connect(h)).status).toBe(200);
  });

  it('ends open streams when the app closes', async () => {
    const c = await connect(xiling);
    expect(c.status).toBe(200);
    await t.close(); // would hang if the stream kept the server open
    closed = true;
    await c.closed;
  });
});
