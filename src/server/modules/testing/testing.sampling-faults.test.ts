import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { isUniqueViolation } from '../../db/dialect.js';
import { addPersons, barcode, buildTestingCity, cid, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

/**
 * Issue 14, faults: one person scanned twice at the same moment on two connections counts once
 * (the second scan is kept, flagged "sampled twice", not counted), and concurrent batches that move
 * the same coverage counters in different orders all commit (no deadlock answered 500).
 */
describe.each(DIALECTS)('testing: sampling under concurrency [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let siteId: string;
  let persons: PersonFixture[];

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const sampler = () => city.users.sampler.headers;
  const batch = (items: unknown[]) => post('/api/testing/scans/batch', sampler(), { items });
  const sampledAtRoot = async () => {
    const r = await t.app.inject({ method: 'GET', url: `/api/testing/campaigns/${campaignId}/coverage`, headers: city.users.officer.headers });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().sampled as number;
  };
  /** The recount: distinct persons with any scan in the campaign. */
  const recount = async () =>
    Number(
      (await sql<{ n: number }>`select count(distinct person_id) as n from testing_scans where campaign_id = ${campaignId} and recheck = 0`.execute(t.deps.db))
        .rows[0].n,
    );

  async function openTubes(n: number, poolSize: number): Promise<string[]> {
    const codes = Array.from({ length: n }, () => barcode());
    const r = await batch(codes.map((code) => ({ op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize })));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().applied).toBe(n);
    return codes;
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const officer = city.users.officer.headers;
    const c = await post('/api/testing/campaigns', officer, { name: '西陵区并发采样', scopeJurisdictionIds: [city.xiling.id], poolSize: 20 });
    expect(c.statusCode, c.body).toBe(201);
    campaignId = c.json().id;
    expect((await post(`/api/testing/campaigns/${campaignId}/activate`, officer)).statusCode).toBe(200);
    const site = await post('/api/testing/sites', officer, {
      name: '滨江苑采样点',
      kind: 'vacant_flat',
      jurisdictionId: city.commA.id,
      location: [111.301, 30.701],
      lanes: 4,
      servedCompoundIds: [city.compA1.id],
    });
    expect(site.statusCode, site.body).toBe(201);
    siteId = site.json().id;
    persons = [...(await addPersons(t, city.bA12, 20)), ...(await addPersons(t, city.bB11, 20))];
  });
  afterAll(() => t.close());

  it('the same person scanned at the same moment into two tubes on two connections counts once, the twin flagged', async () => {
    // Tube pairs: person i goes into tube A(i/20) and tube B(i/20) at the same moment, in separate
    // requests (each its own transaction on its own pooled connection).
    const a = await openTubes(2, 20);
    const b = await openTubes(2, 20);
    const before = await sampledAtRoot();
    const requests = persons.flatMap((p, i) =>
      [a, b].map((tubes) => batch([{ op: 'scan', clientId: cid(), campaignId, barcode: tubes[Math.floor(i / 20)], idNumber: p.idNumber }])),
    );
    const answers = await Promise.all(requests);
    for (const r of answers) {
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().applied).toBe(1);
    }
    // Every person counted exactly once: the counter equals a recount from the scans themselves.
    expect(await recount()).toBe(persons.length);
    expect(await sampledAtRoot()).toBe(before + persons.length);
    const counted = await sql<{
      person_id: string;
      n: number;
    }>`select person_id, count(*) as n from testing_scans where campaign_id = ${campaignId} and counted = 1 group by person_id`.execute(t.deps.db);
    expect(counted.rows).toHaveLength(persons.length);
    expect(counted.rows.every((r) => Number(r.n) === 1)).toBe(true);
    // Each second scan is kept (the tube holds the sample) and flagged for review.
    const flagged = answers.filter((r) => (r.json().items[0].flags as string[]).includes('person_sampled_twice'));
    expect(flagged).toHaveLength(persons.length);
    const flags = await sql<{ n: number }>`select count(*) as n from testing_flags where campaign_id = ${campaignId} and kind = 'person_sampled_twice'`.execute(
      t.deps.db,
    );
    expect(Number(flags.rows[0].n)).toBe(persons.length);
  });

  it('the database itself refuses a second counted scan of one person in one campaign', async () => {
    const any = await sql<Record<string, unknown>>`select * from testing_scans where campaign_id = ${campaignId} and counted = 1 limit 1`.execute(t.deps.db);
    const twin = { ...any.rows[0], id: `${String(any.rows[0].id).slice(0, -4)}ffff`, client_id: cid() };
    const err = await t.deps.db
      .insertInto('testing_scans')
      .values(twin as never)
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isUniqueViolation(err)).toBe(true);
    // Uncounted, the same row is allowed (a duplicate scan is recorded, it just does not count).
    await t.deps.db
      .insertInto('testing_scans')
      .values({ ...twin, counted: 0 } as never)
      .execute();
  });

  it('device times in year 9999, 1900 or -1 are not believed: the server time is recorded and the tube flagged; a late sync inside the window keeps its time', async () => {
    const now = t.clock.now();
    const code = barcode();
    const [p1, p2] = await addPersons(t, city.bA11, 2);
    const year9999 = Date.UTC(9999, 11, 31);
    const year1900 = Date.UTC(1900, 0, 1);
    const r = await batch([
      { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize: 5, at: -1 },
      { op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p1.idNumber, at: year9999 },
      { op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p2.idNumber, at: now - 3 * 3_600_000 },
      { op: 'close', clientId: cid(), campaignId, barcode: code, at: year1900 },
    ]);
    expect(r.statusCode, r.body).toBe(200);
    const items = r.json().items as { status: string; flags: string[] }[];
    expect(items.map((i) => i.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(items.map((i) => i.flags.includes('device_time_out_of_range'))).toEqual([true, true, false, true]);
    const tube = await sql<{
      id: string;
      opened_at: number;
      closed_at: number;
    }>`select id, opened_at, closed_at from testing_tubes where barcode = ${code}`.execute(t.deps.db);
    expect(Number(tube.rows[0].opened_at)).toBe(now);
    expect(Number(tube.rows[0].closed_at)).toBe(now);
    const scans = await sql<{
      person_id: string;
      scanned_at: number;
    }>`select person_id, scanned_at from testing_scans where tube_id = ${tube.rows[0].id}`.execute(t.deps.db);
    expect(Object.fromEntries(scans.rows.map((x) => [x.person_id, Number(x.scanned_at)]))).toEqual({ [p1.id]: now, [p2.id]: now - 3 * 3_600_000 });
    // One flag for the tube, counting the three times its device's clock was refused, with what it said.
    const flags = await sql<{
      occurrences: number;
      detail: string;
    }>`select occurrences, detail from testing_flags where tube_id = ${tube.rows[0].id} and kind = 'device_time_out_of_range'`.execute(t.deps.db);
    expect(flags.rows).toHaveLength(1);
    expect(Number(flags.rows[0].occurrences)).toBe(3);
    expect(JSON.parse(flags.rows[0].detail)).toMatchObject({ op: 'close', deviceAt: year1900, recordedAt: now });
  });

  it('concurrent batches moving the same coverage counters in opposite orders all commit (no deadlock)', async () => {
    const fresh = [...(await addPersons(t, city.bA11, 12)), ...(await addPersons(t, city.bB11, 12))];
    const tubes = await openTubes(8, 20);
    const before = await sampledAtRoot();
    const recountBefore = await recount();
    // Each batch touches both communities' counters; half list community B's persons first.
    const batches = Array.from({ length: 8 }, (_, k) => {
      const mine = [fresh[k], fresh[k + 8], fresh[12 + k], fresh[12 + ((k + 4) % 12)]].filter((p, i, all) => all.indexOf(p) === i);
      const ordered = k % 2 ? mine.reverse() : mine;
      return ordered.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: tubes[k], idNumber: p.idNumber }));
    });
    const answers = await Promise.all(batches.map((items) => batch(items)));
    for (const r of answers) expect(r.statusCode, r.body).toBe(200);
    const distinct = new Set(batches.flat().map((i) => i.idNumber)).size;
    expect(await sampledAtRoot()).toBe(before + distinct);
    expect(await recount()).toBe(recountBefore + distinct);
  });
});
