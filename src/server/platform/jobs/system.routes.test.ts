import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type UserRef } from '../../../../test/helpers/factories.js';
import { DAY, HOUR } from '../clock.js';
import { systemActor } from '../actor.js';
import { CLOCK_OFFSET_KEY, createClockOffsetService, formatDuration, parseDuration, readClockOffset } from './clock-offset.js';

describe('durations', () => {
  it('parses 7d, 36h, 1d12h, 90m, 45s and refuses nonsense', () => {
    expect(parseDuration('7d')).toBe(7 * DAY);
    expect(parseDuration('36h')).toBe(36 * HOUR);
    expect(parseDuration('1d12h')).toBe(36 * HOUR);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('-2h')).toBe(-2 * HOUR);
    expect(parseDuration('7')).toBeUndefined();
    expect(parseDuration('week')).toBeUndefined();
    expect(formatDuration(36 * HOUR)).toBe('+1d 12h 0m');
  });
});

describe.each(DIALECTS)('demo clock [%s]', (dialect) => {
  let t: TestApp;
  let adminUser: UserRef, officerUser: UserRef;
  // Sessions are judged by the platform clock: after moving it, sign in again at the new time.
  const login = (u: UserRef) => sessionHeaders(t.deps.db, u, t.clock.now());
  const setClock = async (u: UserRef, payload: object) => t.app.inject({ method: 'POST', url: '/api/system/clock', headers: await login(u), payload });

  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    const u = await buildUnit(t.deps.db, { name: '市指挥部', jurisdiction: city.city });
    adminUser = await buildUser(t.deps.db, { unit: u, roles: ['admin'] });
    officerUser = await buildUser(t.deps.db, { unit: u, roles: ['district_officer'] });
  });
  afterAll(() => t.close());

  it('moves time forward for the platform (journaled, shared through settings); only system.manage may', async () => {
    const start = t.clock.now();
    expect((await setClock(officerUser, { advanceMs: DAY })).statusCode).toBe(403);
    const r = await setClock(adminUser, { advanceMs: 7 * DAY, reason: '演示隔离期满' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ offsetMs: 7 * DAY, now: start + 7 * DAY });
    expect(t.clock.now()).toBe(start + 7 * DAY);
    expect(await readClockOffset(t.deps.db)).toBe(7 * DAY);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'system.clock.set', limit: 1 });
    expect(entry).toMatchObject({ actorId: adminUser.id, payload: { fromOffsetMs: 0, toOffsetMs: 7 * DAY }, reason: '演示隔离期满' });
    const seen = await t.app.inject({ method: 'GET', url: '/api/system/clock', headers: await login(officerUser) });
    expect(seen.json()).toEqual({ offsetMs: 7 * DAY, now: start + 7 * DAY });
    expect((await setClock(adminUser, { advanceMs: 1, offsetMs: 1 })).statusCode).toBe(400);
    const reset = await setClock(adminUser, { offsetMs: 0 });
    expect(reset.json()).toEqual({ offsetMs: 0, now: start });
  });

  it('another process picks up the shared offset when it refreshes', async () => {
    const start = t.clock.now();
    await createClockOffsetService(t.deps).change(undefined, systemActor('cli'), { advanceMs: 36 * HOUR });
    expect(t.clock.now()).toBe(start + 36 * HOUR);
    // Another process (the CLI) changes the shared setting; this one follows on its next refresh.
    await t.deps.db
      .updateTable('settings')
      .set({ value: String(2 * DAY) })
      .where('key', '=', CLOCK_OFFSET_KEY)
      .execute();
    expect(t.clock.now()).toBe(start + 36 * HOUR);
    await createClockOffsetService(t.deps).refresh();
    expect(t.clock.now()).toBe(start + 2 * DAY);
    await createClockOffsetService(t.deps).change(undefined, systemActor('cli'), { offsetMs: 0 });
    expect(t.clock.now()).toBe(start);
  });
});
