import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { systemActor } from '../../platform/actor.js';
import { addDays, calendarDay } from '../../platform/clock.js';
import { barcode, buildTestingCity, cid, type TestingCity } from '../testing/testing.test-helpers.js';

const sys = systemActor('test');

/**
 * The community worker's list for today (issue 16, "Each role lands on its work"): door-knocking in the
 * active round, home sampling to do, home-quarantine tests due today and stays ending, for the worker's
 * compounds only; a node outside them answers 404.
 */
describeDialects("dashboard: the community worker's list for today", (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  /** Stays: one with a test today and one ending tomorrow in the worker's community, one in another community. */
  const stays: Record<'testToday' | 'endsTomorrow' | 'elsewhere', { id: string; testDay: number | null; endDay: string }> = {} as never;

  const today = (headers: Record<string, string>, q = '') => t.app.inject({ method: 'GET', url: `/api/dashboard/today${q}`, headers });
  const day = () => calendarDay(t.clock.now(), t.config.tz);

  /** A home stay for a resident on a contact link, from an exposure day chosen by `pick` among the next 20 days back. */
  async function homeStay(personId: string, caseId: string, pick: (plan: Awaited<ReturnType<TestApp['deps']['services']['quarantine']['plan']>>) => boolean) {
    let exposureDate: string | undefined;
    for (let back = 0; back < 20 && !exposureDate; back++) {
      const e = addDays(day(), -back);
      if (pick(await t.deps.services.quarantine.plan({ mode: 'home', exposureDate: e }))) exposureDate = e;
    }
    expect(exposureDate, 'an exposure day giving the wanted stay').toBeDefined();
    const c = await t.deps.services.cases.tracing.addContact(undefined, sys, caseId, { category: 'close', exposureDate: exposureDate!, personId });
    const s = await t.deps.services.quarantine.assign(undefined, sys, { personId, mode: 'home', basis: { type: 'contact', id: c.id }, reason: '密接居家隔离' });
    return { id: s.id, testDay: s.tests.find((x) => x.date === day() && !x.notApplicable)?.day ?? null, endDay: s.endDay };
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const officer = city.users.officer.headers;
    const post = (url: string, payload?: unknown) => t.app.inject({ method: 'POST', url, headers: officer, payload: payload as never });
    campaignId = (await post('/api/testing/campaigns', { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id], poolSize: 10 })).json().id;
    expect((await post(`/api/testing/campaigns/${campaignId}/activate`)).statusCode).toBe(200);
    // Home sampling for the bedridden residents of 滨江苑 2栋 (five tasks to the community).
    const hs = await post(`/api/testing/campaigns/${campaignId}/home-sampling`, { jurisdictionId: city.commA.id });
    expect(hs.statusCode, hs.body).toBe(200);
    // A positive pool in each community: its two persons await their single-tube recheck sample.
    for (const [name, jurisdictionId, persons] of [
      ['夷陵采样点', city.commA.id, city.persons.a11.slice(5, 7)],
      ['学院采样点', city.commB.id, city.persons.b11.slice(1, 3)],
    ] as const) {
      const siteId = (await post('/api/testing/sites', { name, kind: 'tent', jurisdictionId, location: [111.3, 30.7], lanes: 2 })).json().id;
      const code = barcode('TD');
      const items = [
        { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize: 10 },
        ...persons.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p.idNumber })),
        { op: 'close', clientId: cid(), campaignId, barcode: code },
      ];
      const lab = city.users.lab.headers;
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/testing/scans/batch', headers: city.users.sampler.headers, payload: { items } })).json().rejected,
      ).toBe(0);
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/testing/lab/receive', headers: lab, payload: { boxCode: `BOX-${code}`, barcodes: [code] } }))
          .statusCode,
      ).toBe(200);
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/testing/lab/results',
        headers: lab,
        payload: { barcode: code, result: 'positive', ctOrf1ab: 27, ctN: 29, lab: '市疾控中心' },
      });
      expect(r.json().rechecksStarted, r.body).toBe(2);
    }

    const [patient] = city.persons.c11;
    const caseId = (await t.deps.services.cases.cases.create(undefined, sys, { personId: patient!.id, kind: 'confirmed', reason: '确诊' })).id;
    stays.testToday = await homeStay(
      city.persons.a11[0]!.id,
      caseId,
      (p) => p.tests.some((x) => x.date === day() && !x.notApplicable) && p.endDay > addDays(day(), 1),
    );
    stays.endsTomorrow = await homeStay(city.persons.a21[0]!.id, caseId, (p) => p.endDay === addDays(day(), 1));
    stays.elsewhere = await homeStay(city.persons.b11[0]!.id, caseId, (p) => p.tests.some((x) => x.date === day() && !x.notApplicable));
  });
  afterAll(() => t.close());

  it("lists the worker's door-knocking, home sampling, tests due today and stays ending, and nothing of another community", async () => {
    const r = await today(city.users.worker.headers);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.jurisdiction).toEqual({ id: city.commA.id, name: '夷陵社区' });
    // Door-knocking: 夷陵社区 has 20 residents, two sampled (the positive pool); 滨江苑 (13 left) before 江岸小区 (5).
    expect(body.doorknock).toMatchObject({ campaignId, campaignName: '西陵区全员核酸', sampled: 2, remaining: 18 });
    expect(body.doorknock.places.map((p: { name: string; remaining: number }) => [p.name, p.remaining])).toEqual([
      ['滨江苑', 13],
      ['江岸小区', 5],
    ]);
    // Home sampling: one task per bedridden resident of 2栋, titled by a message key.
    expect(body.homeSampling).toHaveLength(5);
    expect(new Set(body.homeSampling.map((x: { titleKey: string }) => x.titleKey))).toEqual(new Set(['testing.auto.homeSampling.title']));
    // People due for tests: the two of the worker's positive pool awaiting their recheck, not the other community's.
    expect(body.rechecksDue.map((x: { nameMasked: string; place: string }) => x.place)).toEqual(['夷陵社区 · 滨江苑 · 1栋', '夷陵社区 · 滨江苑 · 1栋']);
    expect(body.rechecksDue.every((x: { nameMasked: string; taskId: string | null }) => x.nameMasked.includes('*') && x.taskId)).toBe(true);
    // Quarantine: the test due today and the stay ending tomorrow, in full address and masked.
    // (A person placed on the stay's last days is tested on admission, today, as well.)
    const due = new Map(body.testsDue.map((x: { stayId: string; testDay: number }) => [x.stayId, x]));
    expect(due.get(stays.testToday.id)).toMatchObject({ testDay: stays.testToday.testDay, place: '夷陵社区 · 滨江苑 · 1栋', mode: 'home' });
    expect(stays.testToday.testDay).not.toBeNull();
    expect((due.get(stays.testToday.id) as { nameMasked: string }).nameMasked).toMatch(/\*/);
    expect([...due.keys()].every((id) => id === stays.testToday.id || id === stays.endsTomorrow.id)).toBe(true);
    expect(body.staysEnding.map((x: { stayId: string; endDay: string }) => [x.stayId, x.endDay])).toEqual([[stays.endsTomorrow.id, addDays(day(), 1)]]);
    const ids = [...body.testsDue, ...body.staysEnding].map((x: { stayId: string }) => x.stayId);
    expect(ids).not.toContain(stays.elsewhere.id);
  });

  it('narrows to one compound of the worker, refuses a compound elsewhere as missing, and is closed to a sampler', async () => {
    const one = await today(city.users.worker.headers, `?jurisdictionId=${city.compA1.id}`);
    expect(one.statusCode, one.body).toBe(200);
    expect(
      one
        .json()
        .doorknock.places.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['1栋', '2栋']);
    expect(one.json().staysEnding).toEqual([]);
    const elsewhere = await today(city.users.worker.headers, `?jurisdictionId=${city.compB1.id}`);
    const missing = await today(city.users.worker.headers, `?jurisdictionId=0192f000-0000-7000-8000-000000000000`);
    expect(elsewhere.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(elsewhere.json().error.code).toBe(missing.json().error.code);
    expect((await today(city.users.sampler.headers)).statusCode).toBe(403);
    // The district officer sees the other community's stay too.
    const district = (await today(city.users.officer.headers)).json();
    expect([...district.testsDue, ...district.staysEnding].map((x: { stayId: string }) => x.stayId)).toContain(stays.elsewhere.id);
    expect(district.rechecksDue).toHaveLength(4);
  });
});
