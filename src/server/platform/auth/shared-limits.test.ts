import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, TEST_PASSWORD } from '../../../../test/helpers/factories.js';
import { buildApp, createDeps } from '../../app.js';
import type { Deps } from '../../deps.js';
import { createSseHub, StreamLimitError } from '../sse/sse.hub.js';

/**
 * Issue 14: the sign-in throttles and the live-stream caps hold across `serve --workers N`. Two
 * app instances (each with its own services, pool and memory, as two workers have) share one
 * database (a SQLite file in WAL mode, or one PostgreSQL schema); an attacker alternating between
 * them gets no more than one instance alone would give.
 */
describe.each(DIALECTS)('limits shared across workers [%s]', (dialect) => {
  let dir: string | undefined;
  let env: TestEnv;
  let depsB: Deps;
  let a: FastifyInstance;
  let b: FastifyInstance;

  beforeAll(async () => {
    dir = dialect === 'sqlite' ? mkdtempSync(path.join(tmpdir(), 'bulwark-limits-')) : undefined;
    env = await testEnv(dialect, dir ? { db: path.join(dir, 'bulwark.db') } : {});
    depsB = await createDeps(env.config, { clock: env.clock });
    a = await buildApp(env.deps);
    b = await buildApp(depsB);
    const city = await buildMiniCity(env.deps.db);
    const unit = await buildUnit(env.deps.db, { name: '西陵区疫情防控指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    await buildUser(env.deps.db, { unit, roles: ['district_officer'], username: 'target_officer' });
    for (let i = 0; i < 6; i++) await buildUser(env.deps.db, { unit, roles: ['sampler'], username: `sampler_${i}` });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await depsB?.handle.close();
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const login = (app: FastifyInstance, username: string, password: string, ip: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { username, password } });

  it('counts failed sign-ins for one username over both workers: the fourth failure delays the next attempt on either', async () => {
    // Three failures are free, the fourth imposes a delay (1 s); each from its own address, so only
    // the username's counter is in play. Alternating workers: two failures each.
    for (const [i, app] of [a, b, a, b].entries()) expect((await login(app, 'target_officer', 'wrong password', `10.7.0.${i + 1}`)).statusCode).toBe(401);
    const next = await login(a, 'target_officer', 'wrong password', '10.7.0.9');
    expect(next.statusCode).toBe(429);
    expect(next.headers['retry-after']).toBe('1');
    expect((await login(b, 'target_officer', TEST_PASSWORD, '10.7.0.10')).statusCode).toBe(429);
    // Once the delay has passed, the owner signs in on either worker, and that clears the count.
    env.clock.advance(1_001);
    expect((await login(b, 'target_officer', TEST_PASSWORD, '10.7.0.10')).statusCode).toBe(200);
    expect((await login(a, 'target_officer', 'wrong password', '10.7.0.11')).statusCode).toBe(401);
  });

  it('counts failures from one address over both workers, whatever usernames it tries', async () => {
    // A different (real) account each time, so only the address's counter reaches its fourth failure.
    for (const [i, app] of [b, a, b, a].entries()) expect((await login(app, `sampler_${i}`, 'guess', '10.8.0.1')).statusCode).toBe(401);
    const next = await login(b, 'sampler_4', 'guess', '10.8.0.1');
    expect(next.statusCode).toBe(429);
    expect(Number(next.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another address is not slowed by it.
    expect((await login(a, 'sampler_5', 'guess', '10.8.0.2')).statusCode).toBe(401);
  });

  it('stores no username or address in the counters table', async () => {
    const rows = await env.deps.db.selectFrom('rate_limits').select('key').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.key).not.toMatch(/target_officer|sampler|10\.[78]\./);
  });

  it("caps live streams per user and per session over every worker, and a dead worker's streams lapse", async () => {
    const hubA = createSseHub(env.deps, { maxPerUser: 3, maxPerSession: 2 });
    const hubB = createSseHub(depsB, { maxPerUser: 3, maxPerSession: 2 });
    const u = { userId: 'stream-user' };
    const r1 = await hubA.admit({ ...u, sessionId: 's1' });
    await hubB.admit({ ...u, sessionId: 's1' });
    // The session's two streams are one on each worker: a third on either is refused.
    await expect(hubA.admit({ ...u, sessionId: 's1' })).rejects.toThrow(StreamLimitError);
    await expect(hubB.admit({ ...u, sessionId: 's1' })).rejects.toThrow(/per session/);
    await hubB.admit({ ...u, sessionId: 's2' });
    await expect(hubA.admit({ ...u, sessionId: 's3' })).rejects.toThrow(/per user/);
    // Releasing on A frees an allowance that B sees; releasing twice frees one only.
    await r1();
    await r1();
    const r4 = await hubB.admit({ ...u, sessionId: 's3' });
    await expect(hubA.admit({ ...u, sessionId: 's4' })).rejects.toThrow(/per user/);
    await r4();

    // A worker killed with its streams open never releases them: its leases lapse instead.
    const dying = createSseHub(env.deps, { maxPerUser: 3, maxPerSession: 2, streamLeaseMs: 300 });
    await dying.admit({ ...u, sessionId: 's5' });
    await expect(hubB.admit({ ...u, sessionId: 's6' })).rejects.toThrow(/per user/);
    await new Promise((r) => setTimeout(r, 400));
    await hubB.admit({ ...u, sessionId: 's6' });
    // The living workers renew theirs: after a renewal they still count.
    await hubA.renewLeases();
    await hubB.renewLeases();
    await expect(hubA.admit({ ...u, sessionId: 's7' })).rejects.toThrow(/per user/);
  });
});
