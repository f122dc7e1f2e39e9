import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, TEST_PASSWORD, type UserRef } from '../../../../test/helpers/factories.js';
import { MINUTE } from '../clock.js';
import { sha256Hex } from '../crypto.js';
import { LOCK_MS, LOGIN_RATE_LIMIT } from './auth.service.js';

/** The `bulwark_sid=…` pair of a Set-Cookie header, as a Cookie request header. */
function cookieOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = [res.headers['set-cookie']].flat().find((c) => typeof c === 'string' && c.startsWith('bulwark_sid=')) as string | undefined;
  if (!raw) throw new Error('no session cookie set');
  return { cookie: raw.split(';')[0] };
}

let ipSeq = 0;
/** Each test signs in from its own address so the per-address rate limit does not couple tests. */
const freshIp = () => `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

describe.each(DIALECTS)('sign-in and sessions [%s]', (dialect) => {
  let t: TestApp;
  let officer: UserRef;
  let other: UserRef;

  const login = (username: string, password: string, extra: Record<string, unknown> = {}, ip = freshIp()) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { username, password, ...extra } });

  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    const unit = await buildUnit(t.deps.db, { name: '西陵区疫情防控指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    officer = await buildUser(t.deps.db, { unit, roles: ['district_officer'], username: 'xiling_officer' });
    other = await buildUser(t.deps.db, { unit, roles: ['sampler'], username: 'sampler_a' });
  });
  afterAll(() => t.close());

  it('signs in with the right password: 200, the profile, and an httpOnly SameSite=Strict cookie', async () => {
    const r = await login('Xiling_Officer', TEST_PASSWORD);
    expect(r.statusCode).toBe(200);
    const me = r.json().user;
    expect(me).toMatchObject({
      id: officer.id,
      username: 'xiling_officer',
      roles: ['district_officer'],
      unit: { name: '西陵区疫情防控指挥部', kind: 'district_hq' },
      jurisdiction: { code: '420502', name: '西陵区', level: 'district', path: '/420500/420502/' },
      totpEnabled: false,
    });
    expect(me.capabilities).toContain('task.assign');
    expect(me.capabilities).not.toContain('user.manage');
    const setCookie = String([r.headers['set-cookie']].flat()[0]);
    expect(setCookie).toMatch(/^bulwark_sid=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    // Only the token's SHA-256 is stored.
    const token = setCookie.split(';')[0].split('=')[1];
    const row = await t.deps.db.selectFrom('sessions').selectAll().where('id', '=', sha256Hex(token)).executeTakeFirst();
    expect(row?.user_id).toBe(officer.id);

    const meRes = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: cookieOf(r) });
    expect(meRes.statusCode).toBe(200);
    expect(meRes.json()).toEqual(me);
  });

  it('journals a successful sign-in', async () => {
    await login('sampler_a', TEST_PASSWORD);
    const entries = await t.deps.services.journal.list(t.deps.db, { entityType: 'user', entityId: other.id, limit: 10 });
    expect(entries.find((e) => e.action === 'auth.session.login')).toMatchObject({ actorId: other.id, jurisdictionPath: '/420500/420502/' });
  });

  it('gives the same 401 INVALID_CREDENTIALS for an unknown user and a wrong password', async () => {
    // Unknown names are asked for a code as often as not (a fixed keyed coin per name), so the code
    // prompt does not single out real accounts with two-factor sign-in; each name answers the same every time.
    const unknown = ['nobody_here', 'nobody_1', 'nobody_2', 'nobody_3', 'nobody_4', 'nobody_5', 'nobody_6', 'nobody_7'];
    const answers = await Promise.all(unknown.map(async (n) => (await login(n, 'whatever-password')).json().error.code as string));
    expect(new Set(answers)).toEqual(new Set(['INVALID_CREDENTIALS', 'TOTP_REQUIRED']));
    for (const [i, n] of unknown.entries()) expect((await login(n, 'other-password')).json().error.code).toBe(answers[i]);
    const plain = unknown[answers.indexOf('INVALID_CREDENTIALS')];
    const a = await login(plain, 'whatever-password');
    const b = await login('sampler_a', 'wrong-password-1');
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json()).toEqual(b.json());
    expect(a.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(a.headers['set-cookie']).toBeUndefined();
  });

  it('locks an account after five failures in a row for 15 minutes, journals it, and unlocks after', async () => {
    const unit = await buildUnit(t.deps.db, { name: '锁定测试单位', jurisdiction: officer.unit.jurisdiction });
    const victim = await buildUser(t.deps.db, { unit, roles: ['tracer'], username: 'tracer_lock' });
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      t.clock.advance(MINUTE); // past the progressive delay, which is tested on its own
      answers.push((await login('tracer_lock', `wrong-password-${i}`)).json().error.code);
    }
    // The lock is not announced: the fifth answer is the same as the others, and as an unknown name's.
    expect(answers).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
    // Even the right password is refused while locked (without a second factor), with the same answer.
    t.clock.advance(MINUTE);
    const locked = await login('tracer_lock', TEST_PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(locked.json()).toEqual((await login('sampler_a', 'wrong-password-9')).json());
    const [lock] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.user.lock', entityId: victim.id, limit: 5 });
    expect(lock).toMatchObject({
      entityType: 'user',
      jurisdictionPath: '/420500/420502/',
      payload: { failedAttempts: 5, until: t.clock.now() - MINUTE + LOCK_MS },
    });
    expect(JSON.stringify(lock.payload)).not.toContain('wrong-password');

    t.clock.advance(LOCK_MS + 1);
    expect((await login('tracer_lock', TEST_PASSWORD)).statusCode).toBe(200);
    // Success reset the counter: four more failures do not lock.
    for (let i = 0; i < 4; i++) {
      t.clock.advance(MINUTE);
      expect((await login('tracer_lock', 'nope-nope-nope')).json().error.code).toBe('INVALID_CREDENTIALS');
    }
    t.clock.advance(MINUTE);
    expect((await login('tracer_lock', TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('slows failures progressively per username and per address, but not the owner at a known address; an admin lifts a lock', async () => {
    const unit = await buildUnit(t.deps.db, { name: '延迟测试单位', jurisdiction: officer.unit.jurisdiction });
    const owner = await buildUser(t.deps.db, { unit, roles: ['tracer'], username: 'tracer_slow' });
    const home = '198.51.100.10';
    expect((await login('tracer_slow', TEST_PASSWORD, {}, home)).statusCode).toBe(200); // the owner's usual address
    // An attacker spreads guesses over addresses: the first three cost nothing, then waits double.
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await login('tracer_slow', `guess-${i}`)).statusCode);
    expect(codes).toEqual([401, 401, 401, 401]);
    const slowed = await login('tracer_slow', `guess-x`);
    expect(slowed.statusCode).toBe(429);
    expect(slowed.json().error.code).toBe('RATE_LIMITED');
    expect(Number(slowed.headers['retry-after'])).toBe(1);
    // The right password from a new address waits too (it cannot be told apart from a guess)…
    expect((await login('tracer_slow', TEST_PASSWORD, {}, '198.51.100.99')).statusCode).toBe(429);
    // …but the owner at their known address is not slowed by the guesses.
    expect((await login('tracer_slow', TEST_PASSWORD, {}, home)).statusCode).toBe(200);
    // One address guessing many names is slowed by its own count.
    const noisy = '198.51.100.20';
    const seq: number[] = [];
    for (let i = 0; i < 5; i++) seq.push((await login(`someone_${i}`, 'pw-guess', { totp: '123456' }, noisy)).statusCode);
    expect(seq).toEqual([401, 401, 401, 401, 429]);
    t.clock.advance(MINUTE);
    // Five failures lock the account; an administrator lifts the lock (journaled) before it runs out.
    for (let i = 0; i < 5; i++) {
      t.clock.advance(MINUTE);
      await login('tracer_slow', `guess-lock-${i}`);
    }
    t.clock.advance(MINUTE);
    expect((await login('tracer_slow', TEST_PASSWORD, {}, home)).statusCode).toBe(401);
    const admin = await buildUser(t.deps.db, { unit, roles: ['admin'] });
    const ah = await sessionHeaders(t.deps.db, admin, t.clock.now());
    const un = await t.app.inject({ method: 'POST', url: `/api/users/${owner.id}/unlock`, headers: ah, payload: { reason: '本人电话确认' } });
    expect(un.statusCode).toBe(200);
    expect((await login('tracer_slow', TEST_PASSWORD, {}, home)).statusCode).toBe(200);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.user.unlock', entityId: owner.id, limit: 1 });
    expect(entry.reason).toBe('本人电话确认');
  });

  it('rate-limits sign-in attempts per client address with 429 and Retry-After', async () => {
    const ip = '192.0.2.77';
    const codes: number[] = [];
    for (let i = 0; i < LOGIN_RATE_LIMIT + 1; i++) codes.push((await login('nobody_here', 'whatever-password', {}, ip)).statusCode);
    expect(codes.slice(0, LOGIN_RATE_LIMIT).every((c) => c === 401)).toBe(true);
    const limited = await login('sampler_a', TEST_PASSWORD, {}, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is unaffected; the window reopens after a minute.
    expect((await login('sampler_a', TEST_PASSWORD, {}, '192.0.2.78')).statusCode).toBe(200);
    t.clock.advance(MINUTE);
    expect((await login('sampler_a', TEST_PASSWORD, {}, ip)).statusCode).toBe(200);
  });

  it('answers 401 UNAUTHENTICATED without a cookie and for an unknown token', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('UNAUTHENTICATED');
    const unknown = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: 'bulwark_sid=not-a-real-token' } });
    expect(unknown.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('expires a session after the idle time, with SESSION_EXPIRED telling the user to sign in again', async () => {
    const h = cookieOf(await login('sampler_a', TEST_PASSWORD));
    t.clock.advance(t.config.sessionIdleMs - MINUTE);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(200);
    // That request counted as activity: the idle clock restarted.
    t.clock.advance(t.config.sessionIdleMs - MINUTE);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(200);
    t.clock.advance(t.config.sessionIdleMs);
    const r = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toMatchObject({ code: 'SESSION_EXPIRED', details: { reason: 'idle' } });
    expect(r.json().error.message).toMatch(/sign in again/);
    expect(String(r.headers['set-cookie'])).toMatch(/bulwark_sid=;/);
  });

  it('expires a busy session at its absolute deadline', async () => {
    const h = cookieOf(await login('sampler_a', TEST_PASSWORD));
    const steps = Math.ceil(t.config.sessionAbsoluteMs / (30 * MINUTE));
    let last = 0;
    for (let i = 0; i < steps; i++) {
      t.clock.advance(30 * MINUTE);
      last = (await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode;
      if (last !== 200) break;
    }
    expect(last).toBe(401);
    const r = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(r.json().error).toMatchObject({ code: 'SESSION_EXPIRED', details: { reason: 'absolute' } });
  });

  it('writes last_seen_at at most once a minute', async () => {
    const h = await sessionHeaders(t.deps.db, other, t.clock.now());
    const id = sha256Hex(h.cookie.split('=')[1]);
    const seen = async () =>
      Number((await t.deps.db.selectFrom('sessions').select('last_seen_at').where('id', '=', id).executeTakeFirstOrThrow()).last_seen_at);
    const start = await seen();
    t.clock.advance(30_000);
    await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(await seen()).toBe(start);
    t.clock.advance(31_000);
    await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(await seen()).toBe(start + 61_000);
  });

  it('logs out: the session is revoked and the cookie cleared', async () => {
    const h = cookieOf(await login('sampler_a', TEST_PASSWORD));
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: h });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/bulwark_sid=;/);
    const r = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('SESSION_EXPIRED');
    // A stale cookie does not stand in the way of signing in again.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: freshIp(),
      headers: h,
      payload: { username: 'sampler_a', password: TEST_PASSWORD },
    });
    expect(again.statusCode).toBe(200);
    const fresh = cookieOf(again);
    expect(fresh.cookie).not.toBe(h.cookie);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: fresh })).statusCode).toBe(200);
  });

  it("ends a deactivated user's sessions at once", async () => {
    const admin = await buildUser(t.deps.db, { unit: officer.unit, roles: ['admin'] });
    const victim = await buildUser(t.deps.db, { unit: officer.unit, roles: ['sampler'] });
    const ah = await sessionHeaders(t.deps.db, admin, t.clock.now());
    const vh = cookieOf(await login(victim.username, TEST_PASSWORD));
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: vh })).statusCode).toBe(200);
    const d = await t.app.inject({ method: 'POST', url: `/api/users/${victim.id}/disable`, headers: ah, payload: { reason: '离岗' } });
    expect(d.statusCode).toBe(200);
    const r = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: vh });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('SESSION_EXPIRED');
    // A deactivated account answers as an unknown name does (with a code given: the same refusal).
    expect((await login(victim.username, TEST_PASSWORD, { totp: '123456' })).json().error.code).toBe('TOTP_INVALID');
    expect((await login('nobody_at_all', TEST_PASSWORD, { totp: '123456' })).json().error.code).toBe('TOTP_INVALID');
  });

  it('refuses cross-site writes with 403 before anything else', async () => {
    const h = await sessionHeaders(t.deps.db, officer, t.clock.now());
    const evil = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...h, origin: 'https://evil.example' } });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe('CROSS_SITE_REQUEST');
    // The session survived the refused logout.
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(200);
    const evilLogin = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: 'https://evil.example' },
      payload: { username: 'sampler_a', password: TEST_PASSWORD },
    });
    expect(evilLogin.statusCode).toBe(403);
    const fetchSite = await t.app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers: { ...h, 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.statusCode).toBe(403);
    // Same origin passes.
    const same = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...h, host: 'bulwark.local', origin: 'http://bulwark.local' } });
    expect(same.statusCode).toBe(200);
  });

  it("changes one's own password: the current one is required and other sessions end", async () => {
    const u = await buildUser(t.deps.db, { unit: officer.unit, roles: ['sampler'] });
    const first = cookieOf(await login(u.username, TEST_PASSWORD));
    const second = cookieOf(await login(u.username, TEST_PASSWORD));
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: first,
      payload: { currentPassword: 'not-it-at-all', newPassword: 'a-new-passphrase' },
    });
    expect(wrong.json().error.code).toBe('CURRENT_PASSWORD_WRONG');
    const short = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: first,
      payload: { currentPassword: TEST_PASSWORD, newPassword: 'short' },
    });
    expect(short.statusCode).toBe(400);
    const okRes = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: first,
      payload: { currentPassword: TEST_PASSWORD, newPassword: 'a-new-passphrase' },
    });
    expect(okRes.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: first })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: second })).statusCode).toBe(401);
    expect((await login(u.username, TEST_PASSWORD)).statusCode).toBe(401);
    expect((await login(u.username, 'a-new-passphrase')).statusCode).toBe(200);
  });

  it('slows guessing the current password through a session: 429 after five tries a minute', async () => {
    const u = await buildUser(t.deps.db, { unit: officer.unit, roles: ['sampler'] });
    const uh = await sessionHeaders(t.deps.db, u, t.clock.now());
    const change = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/password',
        headers: uh,
        payload: { currentPassword: 'guess-guess-guess', newPassword: 'a-new-passphrase' },
      });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await change()).statusCode);
    expect(codes).toEqual([422, 422, 422, 422, 422, 429]);
    t.clock.advance(MINUTE);
    expect((await change()).statusCode).toBe(422);
  });

  it('answers malformed sign-in bodies with 400, not 500', async () => {
    for (const payload of [
      {},
      { username: 'a' },
      { username: 1, password: 2 },
      { username: 'a', password: 'b', extra: true },
      { username: 'a', password: 'b', totp: 123456 },
    ]) {
      const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: freshIp(), payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION_FAILED');
    }
  });
});
