import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { HOUR } from '../../platform/clock.js';
import { LAB_TURNAROUND } from './testing.rules.js';
import { barcode, buildTestingCity, cid, refreshSessions, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

/**
 * The lab technician's worklist (issue 16, "Each role lands on its work"): tubes at the lab past the
 * turnaround target first, then those inside it, then those closed but not yet received; the time each
 * waited; the turnaround of the last day; a district lab sees its district's tubes only.
 */
describeDialects('testing: the lab worklist', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let xilingSite: string;
  let wjgSite: string;
  let districtLab: () => Promise<Record<string, string>>;

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const worklist = async (headers: Record<string, string>) => {
    const r = await t.app.inject({ method: 'GET', url: '/api/testing/lab/worklist', headers });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  async function sampledTube(headers: Record<string, string>, siteId: string, persons: PersonFixture[]): Promise<string> {
    const code = barcode('LW');
    const items = [
      { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize: 10 },
      ...persons.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p.idNumber })),
      { op: 'close', clientId: cid(), campaignId, barcode: code },
    ];
    const r = await post('/api/testing/scans/batch', headers, { items });
    expect(r.json().rejected, r.body).toBe(0);
    return code;
  }
  const receive = async (codes: string[]) => {
    const r = await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: `BOX-${codes[0]}`, barcodes: codes });
    expect(r.statusCode, r.body).toBe(200);
  };

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const hq = city.users.commander.headers;
    campaignId = (await post('/api/testing/campaigns', hq, { name: '全市核酸第3轮', scopeJurisdictionIds: [city.city.id], poolSize: 10 })).json().id;
    expect((await post(`/api/testing/campaigns/${campaignId}/activate`, hq)).statusCode).toBe(200);
    const site = async (name: string, jurisdictionId: string, location: [number, number]) =>
      (await post('/api/testing/sites', hq, { name, kind: 'tent', jurisdictionId, location, lanes: 2 })).json().id as string;
    xilingSite = await site('夷陵采样点', city.commA.id, [111.3, 30.7]);
    wjgSite = await site('伍家采样点', city.commC.id, [111.35, 30.66]);
    const unit = await buildUnit(t.deps.db, { name: '西陵区检测点', jurisdiction: city.xiling, kind: 'lab' });
    const u = await buildUser(t.deps.db, { unit, roles: ['lab_technician'], username: 'xl_lab' });
    districtLab = () => sessionHeaders(t.deps.db, u, t.clock.now(), 365 * 86_400_000);
  });
  afterAll(() => t.close());

  it('orders overdue tubes first, then those inside the target, then those not yet received, with the time each waited', async () => {
    // The target is a local parameter (no national text checked gives a per-tube reporting time): 6 hours.
    expect(LAB_TURNAROUND).toMatchObject({ hours: 6, local: true });
    const first = await sampledTube(city.users.sampler.headers, xilingSite, city.persons.a11.slice(0, 3));
    const second = await sampledTube(city.users.sampler.headers, xilingSite, city.persons.a11.slice(3, 6));
    await receive([first]);
    t.clock.advance(2 * HOUR);
    await refreshSessions(t, city);
    await receive([second]);
    const onTheWay = await sampledTube(city.users.sampler.headers, xilingSite, city.persons.a11.slice(6, 8));
    t.clock.advance(4 * HOUR + 60_000); // first: 6 h 1 min at the lab (overdue); second: 4 h 1 min
    await refreshSessions(t, city);

    const w = await worklist(city.users.lab.headers);
    expect(w.target).toMatchObject({ hours: 6, local: true });
    const mine = w.rows.filter((r: { barcode: string }) => [first, second, onTheWay].includes(r.barcode));
    expect(mine.map((r: { barcode: string; stage: string }) => [r.barcode, r.stage])).toEqual([
      [first, 'overdue'],
      [second, 'in_progress'],
      [onTheWay, 'awaiting_receipt'],
    ]);
    expect(mine[0]).toMatchObject({ campaignName: '全市核酸第3轮', count: 3, elapsedMs: 6 * HOUR + 60_000 });
    expect(mine[1].elapsedMs).toBe(4 * HOUR + 60_000);
    expect(mine[1].dueAt - mine[1].receivedAt).toBe(6 * HOUR);
    expect(mine[2]).toMatchObject({ receivedAt: null, dueAt: null });
    expect(w.counts).toMatchObject({ overdue: 1, inProgress: 1, awaitingReceipt: 1 });

    // A result takes the tube off the list and counts in the day's turnaround: 6 h 1 min is over the target.
    const r = await post('/api/testing/lab/results', city.users.lab.headers, { barcode: first, result: 'negative', lab: '市疾控中心' });
    expect(r.statusCode, r.body).toBe(200);
    const after = await worklist(city.users.lab.headers);
    expect(after.rows.some((x: { barcode: string }) => x.barcode === first)).toBe(false);
    expect(after.counts.overdue).toBe(0);
    expect(after.turnaround).toEqual({ resulted: 1, medianMs: 6 * HOUR + 60_000, overTarget: 1 });
  });

  it("shows a district's lab only its district's tubes, and is closed to those without the lab capability", async () => {
    const wjg = await sampledTube(city.users.wjgSampler.headers, wjgSite, city.persons.c11.slice(0, 2));
    const xl = await sampledTube(city.users.sampler.headers, xilingSite, city.persons.a21.slice(0, 2));
    const cityWide = (await worklist(city.users.lab.headers)).rows.map((r: { barcode: string }) => r.barcode);
    expect(cityWide).toEqual(expect.arrayContaining([wjg, xl]));
    const district = await worklist(await districtLab());
    const codes = district.rows.map((r: { barcode: string }) => r.barcode);
    expect(codes).toContain(xl);
    expect(codes).not.toContain(wjg);
    // Its counts are of its own scope too: the city lab counts one tube more on the way.
    expect((await worklist(city.users.lab.headers)).counts.awaitingReceipt).toBe(district.counts.awaitingReceipt + 1);
    const sampler = await t.app.inject({ method: 'GET', url: '/api/testing/lab/worklist', headers: city.users.sampler.headers });
    expect(sampler.statusCode).toBe(403);
  });
});
