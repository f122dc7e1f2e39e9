import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, TEST_PASSWORD, type UserRef } from '../../../../test/helpers/factories.js';
import { decryptBytes } from '../crypto.js';
import { MINUTE } from '../clock.js';
import { base32Decode, base32Encode, hotp, totpAt, verifyTotp } from './totp.js';

describe('TOTP (RFC 6238 / RFC 4226)', () => {
  const secret = Buffer.from('12345678901234567890', 'ascii');

  it('matches the RFC 6238 Appendix B SHA-1 test vectors', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [t, code] of vectors) expect(hotp(secret, Math.floor(t / 30), 8)).toBe(code);
    expect(totpAt(secret, 59_000)).toBe('287082');
  });

  it('round-trips base32 as authenticator apps expect', () => {
    expect(base32Encode(secret)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')).toEqual(secret);
    expect(() => base32Decode('GEZ1')).toThrow(/base32/);
  });

  it('accepts one step of drift either way, not two, and never a step already used', () => {
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(verifyTotp(secret, totpAt(secret, now), now)).toBe(step);
    expect(verifyTotp(secret, totpAt(secret, now - 30_000), now)).toBe(step - 1);
    expect(verifyTotp(secret, totpAt(secret, now + 30_000), now)).toBe(step + 1);
    expect(verifyTotp(secret, totpAt(secret, now - 60_000), now)).toBeNull();
    expect(verifyTotp(secret, totpAt(secret, now), now, step)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', now)).toBeNull();
  });
});

describe.each(DIALECTS)('TOTP second factor [%s]', (dialect) => {
  let t: TestApp;
  let commander: UserRef;
  let admin: UserRef;
  let h: Record<string, string>;
  let secret: Buffer;
  let ip = 0;
  const login = (extra: Record<string, unknown> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: `10.9.0.${++ip}`,
      payload: { username: commander.username, password: TEST_PASSWORD, ...extra },
    });

  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    const hq = await buildUnit(t.deps.db, { name: '宜昌市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    commander = await buildUser(t.deps.db, { unit: hq, roles: ['commander'], username: 'commander_t' });
    admin = await buildUser(t.deps.db, { unit: hq, roles: ['admin'] });
    h = await sessionHeaders(t.deps.db, commander, t.clock.now());
  });
  afterAll(() => t.close());

  it('enrols: shows the secret once, stores it encrypted, journals it, and does not yet change sign-in', async () => {
    // Enrolling asks for the password again: a stolen session cannot bind the thief's app.
    const none = await t.app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers: h, payload: {} });
    expect(none.statusCode).toBe(400);
    expect(JSON.stringify(none.json())).toContain('currentPassword');
    const wrongPw = await t.app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers: h, payload: { currentPassword: 'not-my-password' } });
    expect(wrongPw.statusCode).toBe(422);
    expect(wrongPw.json().error.code).toBe('CURRENT_PASSWORD_WRONG');
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/totp/enrol',
      headers: { ...h, 'idempotency-key': 'enrol-1' },
      payload: { currentPassword: TEST_PASSWORD },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Bulwark%3Acommander_t\?secret=[A-Z2-7]{32}&issuer=Bulwark&algorithm=SHA1&digits=6&period=30$/);
    secret = base32Decode(body.secret);
    const row = await t.deps.db.selectFrom('users').select(['totp_secret', 'totp_enabled']).where('id', '=', commander.id).executeTakeFirstOrThrow();
    expect(row.totp_enabled).toBe(0);
    expect(row.totp_secret).not.toContain(body.secret);
    expect(decryptBytes(t.config.dataKey, row.totp_secret!, `totp:${commander.id}`)).toEqual(secret);
    // Bound to this user: the sealed value does not open as someone else's.
    expect(() => decryptBytes(t.config.dataKey, row.totp_secret!, `totp:${admin.id}`)).toThrow();
    // The secret is never kept as an idempotent replay.
    const stored = await t.deps.db.selectFrom('idempotency_keys').selectAll().where('key', '=', 'enrol-1').execute();
    expect(stored).toEqual([]);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.totp.enrol', entityId: commander.id, limit: 1 });
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry)).not.toContain(body.secret);
    expect((await login()).statusCode).toBe(200);
  });

  it('confirms only with a current code from the app, then requires one at sign-in', async () => {
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/totp/confirm', headers: h, payload: { code: totpAt(secret, t.clock.now() - 120_000) } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.code).toBe('TOTP_CONFIRM_FAILED');
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/totp/confirm', headers: h, payload: { code: '12ab56' } });
    expect(bad.statusCode).toBe(400);
    const ok = await t.app.inject({ method: 'POST', url: '/api/auth/totp/confirm', headers: h, payload: { code: totpAt(secret, t.clock.now()) } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.totpEnabled).toBe(true);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.totp.confirm', entityId: commander.id, limit: 1 });
    expect(entry).toBeDefined();

    expect((await login()).json().error.code).toBe('TOTP_REQUIRED');
    // The code prompt does not confirm the password: a wrong one is asked for a code just the same,
    // and a wrong password with a right code gets the same refusal as a wrong code.
    expect((await login({ password: 'a-wrong-guess' })).json()).toEqual((await login()).json());
    expect((await login({ password: 'a-wrong-guess', totp: totpAt(secret, t.clock.now()) })).json().error.code).toBe('TOTP_INVALID');
    expect((await login({ totp: '000000' === totpAt(secret, t.clock.now()) ? '111111' : '000000' })).json().error.code).toBe('TOTP_INVALID');
    // The code used to confirm cannot be replayed to sign in.
    expect((await login({ totp: totpAt(secret, t.clock.now()) })).json().error.code).toBe('TOTP_INVALID');
    t.clock.advance(30_000);
    const code = totpAt(secret, t.clock.now());
    const signedIn = await login({ totp: code });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().user.totpEnabled).toBe(true);
    // And a code that signed in once cannot sign in again.
    expect((await login({ totp: code })).json().error.code).toBe('TOTP_INVALID');
    // A code one step old is still accepted once the step moved on (clock drift).
    t.clock.advance(30_000);
    expect((await login({ totp: totpAt(secret, t.clock.now() - 30_000) })).json().error.code).toBe('TOTP_INVALID');
    t.clock.advance(30_000);
    expect((await login({ totp: totpAt(secret, t.clock.now() - 30_000) })).statusCode).toBe(200);
  });

  it('counts wrong codes towards the lockout', async () => {
    t.clock.advance(60_000);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      t.clock.advance(MINUTE);
      codes.push((await login({ totp: '999999' === totpAt(secret, t.clock.now()) ? '888888' : '999999' })).json().error.code);
    }
    // Locked now, though nothing says so; the right password plus a valid code lifts the lock.
    expect(codes).toEqual(['TOTP_INVALID', 'TOTP_INVALID', 'TOTP_INVALID', 'TOTP_INVALID', 'TOTP_INVALID']);
    const row = await t.deps.db.selectFrom('users').select('locked_until').where('id', '=', commander.id).executeTakeFirstOrThrow();
    expect(Number(row.locked_until)).toBeGreaterThan(t.clock.now());
    t.clock.advance(MINUTE);
    const lifted = await login({ totp: totpAt(secret, t.clock.now()) });
    expect(lifted.statusCode).toBe(200);
    const after = await t.deps.db.selectFrom('users').select('locked_until').where('id', '=', commander.id).executeTakeFirstOrThrow();
    expect(after.locked_until).toBeNull();
    t.clock.advance(MINUTE);
  });

  it('refuses a second enrolment once enabled; an administrator can reset it', async () => {
    const again = await t.app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers: h, payload: { currentPassword: TEST_PASSWORD } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('TOTP_ALREADY_ENABLED');
    const ah = await sessionHeaders(t.deps.db, admin, t.clock.now());
    const reset = await t.app.inject({ method: 'POST', url: `/api/users/${commander.id}/reset-totp`, headers: ah, payload: { reason: '手机丢失' } });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().totpEnabled).toBe(false);
    expect((await login()).statusCode).toBe(200);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.totp.reset', entityId: commander.id, limit: 1 });
    expect(entry).toMatchObject({ actorId: admin.id, reason: '手机丢失' });
  });

  it('confirming before enrolling is a 409', async () => {
    const u = await buildUser(t.deps.db, { unit: commander.unit, roles: ['auditor'] });
    const uh = await sessionHeaders(t.deps.db, u, t.clock.now());
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/totp/confirm', headers: uh, payload: { code: '123456' } });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('TOTP_NOT_ENROLLED');
  });
});
