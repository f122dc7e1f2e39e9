/**
 * testing.read without person.read (lab technicians, analysts): tubes, counts and results, never
 * who was sampled, where a positive lives, or their control state and health flags (issue 14).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { barcode, buildTestingCity, cid, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

describe.each(DIALECTS)('testing: person-level data needs person.read [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let siteId: string;
  let tube: { id: string; code: string };
  let persons: PersonFixture[];
  let exempted: PersonFixture;
  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const officer = city.users.officer.headers;
    campaignId = (
      await post('/api/testing/campaigns', officer, { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id], poolSize: 10, recheckHours: 6 })
    ).json().id;
    await post(`/api/testing/campaigns/${campaignId}/activate`, officer);
    siteId = (
      await post('/api/testing/sites', officer, { name: '夷陵采样点', kind: 'tent', jurisdictionId: city.commA.id, location: [111.3, 30.7], lanes: 2 })
    ).json().id;
    persons = city.persons.a12.slice(0, 3);
    const code = barcode();
    const items = [
      { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize: 10 },
      ...persons.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p.idNumber })),
      { op: 'close', clientId: cid(), campaignId, barcode: code },
    ];
    const r = await post('/api/testing/scans/batch', city.users.sampler.headers, { items });
    expect(r.json().rejected, r.body).toBe(0);
    tube = { code, id: r.json().items[0].tube.id };
    expect((await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: `BOX-${code}`, barcodes: [code] })).statusCode).toBe(200);
    const res = await post('/api/testing/lab/results', city.users.lab.headers, {
      barcode: code,
      result: 'positive',
      lab: '市疾控中心',
      ctOrf1ab: 27.5,
      ctN: 29.1,
    });
    expect(res.json()).toMatchObject({ status: 'recorded', rechecksStarted: 3 });
    exempted = city.persons.a11[0];
    const ex = await post(`/api/testing/campaigns/${campaignId}/exemptions`, officer, { personIds: [exempted.id], reason: '卧床行动不便，上门采样' });
    expect(ex.statusCode, ex.body).toBe(200);
  });
  afterAll(() => t?.close());

  it("a positive pool's trace, tubes and rechecks name no person and no building for the lab and the analyst, and do for the officer", async () => {
    const ids = persons.map((p) => p.id);
    const officer = city.users.officer.headers;
    const full = (await get(`/api/testing/tubes/${tube.id}/trace`, officer)).json();
    expect(full.persons.map((p: { personId: string }) => p.personId).sort()).toEqual([...ids].sort());
    const fullRechecks = (await get(`/api/testing/rechecks?campaignId=${campaignId}`, officer)).json().items;
    expect(fullRechecks.map((r: { personId: string }) => r.personId).sort()).toEqual([...ids].sort());
    expect(fullRechecks[0].jurisdictionPath).toContain(city.bA12.code);

    for (const who of ['lab', 'analyst'] as const) {
      const h = city.users[who].headers;
      const answers = [
        await get(`/api/testing/tubes/${tube.id}/trace`, h),
        await get(`/api/testing/tubes/${tube.id}`, h),
        await get(`/api/testing/tubes?campaignId=${campaignId}`, h),
        await get(`/api/testing/rechecks?campaignId=${campaignId}`, h),
        await get(`/api/testing/rechecks/${fullRechecks[0].id}`, h),
        await get(`/api/testing/campaigns/${campaignId}/flags`, h),
      ];
      for (const a of answers) {
        expect(a.statusCode, `${who}: ${a.body}`).toBe(200);
        for (const id of ids) expect(a.body, `${who} sees a person id`).not.toContain(id);
        // The building (room-level address) of the positives is not told: paths stop at the community.
        expect(a.body).not.toContain(`/${city.bA12.code}/`);
      }
      const trace = answers[0].json();
      expect(trace.persons).toEqual([]);
      expect(trace.tube.count).toBe(3);
      expect(trace.results.map((r: { result: string }) => r.result)).toEqual(['positive']);
      const rechecks = answers[3].json().items;
      expect(rechecks).toHaveLength(3);
      expect(rechecks.every((r: { personId: string; nameMasked: string }) => r.personId === '' && r.nameMasked === '*')).toBe(true);
      // Hand exemptions keep their count, not who or why; the door-knocking list keeps its counts only.
      const exemptions = await get(`/api/testing/campaigns/${campaignId}/exemptions`, h);
      expect(exemptions.statusCode).toBe(200);
      expect(exemptions.json().items).toEqual([expect.objectContaining({ personId: '', reason: '' })]);
      expect(exemptions.body).not.toContain(exempted.id);
      expect(exemptions.body).not.toContain('卧床行动不便');
      const unsampled = await get(`/api/testing/campaigns/${campaignId}/buildings/${city.bA12.id}/unsampled`, h);
      expect(unsampled.statusCode).toBe(200);
      expect(unsampled.json()).toMatchObject({ target: 5, sampled: 3, items: [] });
    }
    // The officer (person.read) still gets the door-knocking list with its health flags.
    const unsampled = await get(`/api/testing/campaigns/${campaignId}/buildings/${city.bA12.id}/unsampled`, officer);
    expect(unsampled.statusCode).toBe(200);
    expect(unsampled.json().items.some((i: { vulnerable: string[] }) => i.vulnerable.includes('bedridden'))).toBe(true);
  });
});
