import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { loadConfig } from '../../config.js';
import { connectSse } from '../sse/sse-client.js';
import { createGate, FLOOD_PER_TURN } from './admission.js';
import { createLagMonitor } from './lag.js';

describe.each(DIALECTS)('HTTP basics [%s]', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, { bodyLimit: 2048 });
  });
  afterAll(() => t.close());

  it('puts a request id and security headers on every response', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, dialect });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('answers an unknown API route with the error shape and 404', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), details: null } });
  });

  it('answers a body over the limit with 413, not 500', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/journal/verify',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'a'.repeat(5000) }),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('answers malformed JSON with 400 and says why', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/journal/verify', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('VALIDATION_FAILED');
    expect(r.json().error.details[0].message).toMatch(/JSON/);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().paths['/api/journal']).toBeDefined();
    const page = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
  });

  it('refuses a non-public route without a session with 401', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/journal' });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe.each(DIALECTS)('load shedding [%s]', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, { maxInFlight: 2 });
  });
  afterAll(() => t.close());

  it('sheds requests beyond the in-flight limit with 503 and Retry-After, and recovers', async () => {
    const burst = await Promise.all(Array.from({ length: 20 }, () => t.app.inject({ method: 'GET', url: '/api/openapi.json' })));
    const shed = burst.filter((r) => r.statusCode === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed[0].headers['retry-after']).toBe('2');
    expect(shed[0].json().error.code).toBe('OVERLOADED');
    expect(burst.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(2);
    const after = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(after.statusCode).toBe(200);
  });
});

describe.each(DIALECTS)('admission of live streams [%s]', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, { maxInFlight: 1 });
  });
  afterAll(() => t.close());

  it('an open live stream does not hold one of the in-flight slots short requests need', async () => {
    const city = await buildMiniCity(t.deps.db);
    const unit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    const officer = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), t.clock.now());
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const streams = [await connectSse(`${base}/api/events`, officer), await connectSse(`${base}/api/events`, officer)];
    try {
      expect(streams.map((s) => s.status)).toEqual([200, 200]);
      // The one slot is free: a short request is served while both streams stay open.
      const r = await fetch(`${base}/api/openapi.json`);
      expect(r.status).toBe(200);
    } finally {
      for (const s of streams) s.close();
    }
  });
});

describe('the default admission limits', () => {
  it('shed well before 2,500 concurrent clients pile up seconds of latency: 256 in flight, 200 ms of lag', () => {
    const c = loadConfig({ BULWARK_DB: ':memory:', BULWARK_SESSION_KEY: 'a'.repeat(64), BULWARK_DATA_KEY: 'b'.repeat(64) });
    expect(c.maxInFlight).toBe(256);
    expect(c.maxLagMs).toBe(200);
  });
});

describe('load shedding by event-loop lag [sqlite]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp('sqlite', { maxLagMs: 250 });
  });
  afterAll(() => t.close());
  /**
   * Keeps the event loop busy for `ms` of its own CPU time (the lag is counted in CPU time: on a
   * loaded machine a wall-clock busy wait of 500 ms may get 100 ms of CPU).
   */
  const stall = (ms: number) => {
    const cpu = () => {
      const u = process.threadCpuUsage();
      return (u.user + u.system) / 1000;
    };
    const end = cpu() + ms;
    while (cpu() < end);
  };
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const get = () => t.app.inject({ method: 'GET', url: '/api/openapi.json' });

  it('one stall that has ended refuses nothing; a loop lagging window after window sheds with 503, then recovers', async () => {
    await tick(250);
    stall(700);
    await tick(0);
    expect((await get()).statusCode).toBe(200);
    // Lagging tick after tick: stalls of 500 ms with only short breaks between them.
    for (let i = 0; i < 4; i++) {
      stall(500);
      await tick(5);
    }
    const shed = await get();
    expect(shed.statusCode).toBe(503);
    expect(shed.json().error.code).toBe('OVERLOADED');
    expect(shed.headers['retry-after']).toBe('2');
    // Health is never shed; once the loop is quiet again, requests are served.
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    await tick(350);
    expect((await get()).statusCode).toBe(200);
  });

  it('a loop the OS runs late while it sits idle is not overloaded (a loaded machine): nothing shed; the same lateness worked through sheds', async () => {
    const probe = createLagMonitor(10);
    try {
      await tick(50);
      // Another process stops this one for 400 ms at a time with short breaks, as a machine with more
      // runnable processes than cores does: every timer fires ~400 ms late, and the loop did no work.
      const pid = process.pid;
      const starve = spawn('sh', ['-c', `for i in 1 2 3 4 5 6; do kill -STOP ${pid}; sleep 0.4; kill -CONT ${pid}; sleep 0.005; done`], { stdio: 'ignore' });
      const exited = new Promise((r) => starve.once('exit', r));
      await tick(1300);
      const wallLag = probe.wallLagMs();
      const idle = await get();
      await exited;
      expect(wallLag).toBeGreaterThan(250);
      expect(idle.statusCode).toBe(200);
      expect(probe.lagMs()).toBeLessThan(250);
    } finally {
      probe.stop();
    }
    // The same lateness spent working: shed.
    await tick(50);
    for (let i = 0; i < 4; i++) {
      stall(400);
      await tick(5);
    }
    const busy = await get();
    expect(busy.statusCode).toBe(503);
    expect(busy.json().error.code).toBe('OVERLOADED');
    await tick(350);
    expect((await get()).statusCode).toBe(200);
  });

  it('a request read late in a long loop turn is shed while the turn lasts (SQLite answers a flood in one turn)', async () => {
    await tick(50);
    // One slow request that stalls its turn is not a flood: the next one is served.
    stall(400);
    expect((await get()).statusCode).toBe(200);
    await tick(50);
    // A flood read in one turn: no timer can fire during it, only the stall in progress shows the
    // wait. The first requests are served; once the turn has stalled past the limit, the rest are shed.
    const flood = Promise.all(Array.from({ length: 40 }, () => get()));
    stall(400);
    const answers = await flood;
    const late = answers.filter((a) => a.statusCode === 503);
    expect(late.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThanOrEqual(FLOOD_PER_TURN);
    expect(late[0].headers['retry-after']).toBe('2');
    expect(late[0].json().error.code).toBe('OVERLOADED');
    // The turn has ended and the timer has caught up: served again.
    await tick(50);
    expect((await get()).statusCode).toBe(200);
  });
});

describe('admission gates (one helper for every shedding decision)', () => {
  it('counts in flight to its cap and frees a slot on leave; lag sheds only while its own requests keep the loop busy', () => {
    let lag = 0;
    const g = createGate({ maxInFlight: 2, maxLagMs: 100, minRecentForLag: 3, lagProbe: () => lag });
    try {
      expect(g.tryEnter()).toBe(true);
      expect(g.tryEnter()).toBe(true);
      expect(g.tryEnter()).toBe(false);
      expect(g.lastRefusal.inFlight).toBe(2);
      g.leave();
      expect(g.inFlight()).toBe(1);
      // A lag caused by other work while this gate saw two entries: nothing shed.
      lag = 500;
      expect(g.tryEnter()).toBe(true);
      g.leave();
      g.leave();
      // Now three entries in the last second: the lag is this gate's load, and it sheds.
      expect(g.tryEnter()).toBe(false);
      expect(g.lastRefusal.lagMs).toBe(500);
      lag = 0;
      expect(g.tryEnter()).toBe(true);
    } finally {
      g.stop();
    }
  });
});

describe.each(DIALECTS)('the edge check on text [%s]', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());
  const login = (body: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  it('refuses a NUL byte in the login body with 400 naming the field (not a 500 on PostgreSQL)', async () => {
    const r = await login({ username: 'adm\u0000in', password: 'whatever-long' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.username', message: expect.stringMatching(/NUL/) }] });
  });

  it('refuses a lone UTF-16 surrogate (as a JSON escape) anywhere in a body, naming the nested field', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":"a","password":"b","extra":{"list":["ok","x\\ud800y"]}}',
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details).toEqual([{ path: 'body.extra.list.1', message: expect.stringMatching(/surrogate/) }]);
    // A proper pair (an emoji) is text like any other: it reaches the route (which refuses the login).
    expect((await login({ username: 'a\ud83d\ude00', password: 'whatever-long' })).statusCode).toBe(401);
  });

  it('refuses control characters in the query and path, allows tab and newlines', async () => {
    const q = await t.app.inject({ method: 'GET', url: '/api/journal?action=a%07b' });
    expect(q.statusCode).toBe(400);
    expect(q.json().error.details[0]).toMatchObject({ path: 'query.action', message: expect.stringMatching(/U\+0007/) });
    const p = await t.app.inject({ method: 'GET', url: '/api/persons/ab%00cd' });
    expect(p.statusCode).toBe(400);
    expect(p.json().error.details[0].path).toBe('params.id');
    expect((await login({ username: 'line\none\ttab\r', password: 'whatever-long' })).statusCode).toBe(401);
  });
});
