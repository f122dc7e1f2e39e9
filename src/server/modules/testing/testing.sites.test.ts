import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { barcode, buildTestingCity, cid, type TestingCity } from './testing.test-helpers.js';

/**
 * Sites and planning through the API: sites and their four-season readiness, the 15-minute circle,
 * the capacity planner, the pool-size advisor, tube and swab needs, the door-knocking list,
 * home-sampling tasks, the coverage map and its throttled live events.
 */
describe.each(DIALECTS)('testing: sites, planning and coverage views [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let siteId: string;

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const patch = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'PATCH', url, headers, payload: payload as never });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const newCampaign = async (body: Record<string, unknown>, activate = true) => {
    const id = (await post('/api/testing/campaigns', city.users.officer.headers, { name: '规划轮次', ...body })).json().id as string;
    if (activate) expect((await post(`/api/testing/campaigns/${id}/activate`, city.users.officer.headers)).statusCode).toBe(200);
    return id;
  };

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const r = await post('/api/testing/sites', city.users.officer.headers, {
      name: '滨江苑空置房采样点',
      kind: 'vacant_flat',
      jurisdictionId: city.commA.id,
      location: [111.301, 30.701],
      lanes: 2,
      openingHours: [
        { from: '07:00', to: '12:00' },
        { from: '14:00', to: '21:00' },
      ],
      staff: [{ name: '王医生', role: '采样' }],
      servedCompoundIds: [city.compA1.id],
    });
    expect(r.statusCode, r.body).toBe(201);
    siteId = r.json().id;
  });
  afterAll(() => t.close());

  it('keeps a site with its location, lanes, hours, staff and served compounds; only inside your scope', async () => {
    const s = (await get(`/api/testing/sites/${siteId}`, city.users.sampler.headers)).json();
    expect(s).toMatchObject({
      kind: 'vacant_flat',
      lanes: 2,
      location: [111.301, 30.701],
      staff: [{ name: '王医生', role: '采样' }],
      servedCompounds: [{ id: city.compA1.id }],
      readiness: { rain: null, heat: null, wind: null, cold: null },
      active: true,
    });
    expect((await get(`/api/testing/sites/${siteId}`, city.users.wjgSampler.headers)).statusCode).toBe(404);
    const notCompound = await post('/api/testing/sites', city.users.officer.headers, {
      name: 'x',
      kind: 'tent',
      jurisdictionId: city.commA.id,
      location: [111.3, 30.7],
      lanes: 1,
      servedCompoundIds: [city.bA11.id],
    });
    expect(notCompound.json().error.code).toBe('SITE_INVALID');
    const elsewhere = await post('/api/testing/sites', city.users.officer.headers, {
      name: 'x',
      kind: 'tent',
      jurisdictionId: city.commC.id,
      location: [111.3, 30.7],
      lanes: 1,
    });
    expect(elsewhere.statusCode).toBe(404);
    const closed = await patch(`/api/testing/sites/${siteId}`, city.users.officer.headers, { lanes: 3 });
    expect(closed.json().lanes).toBe(3);
    expect((await get(`/api/testing/sites?jurisdictionId=${city.commA.id}`, city.users.officer.headers)).json().total).toBe(1);
  });

  it('lists sites not ready for the current season (autumn in Asia/Shanghai on 29 November: wind) until checked', async () => {
    const before = (await get('/api/testing/sites/not-ready', city.users.officer.headers)).json();
    expect(before).toMatchObject({ season: 'autumn', aspect: 'wind' });
    expect(before.items.map((s: { id: string }) => s.id)).toContain(siteId);
    const checked = await post(`/api/testing/sites/${siteId}/readiness`, city.users.officer.headers, {
      aspect: 'wind',
      ready: true,
      note: '已加固帐篷与挡风板',
    });
    expect(checked.json().readiness.wind).toEqual({
      ready: true,
      note: '已加固帐篷与挡风板',
      checkedBy: { id: city.users.officer.user.id, name: 'xl_officer' },
      checkedAt: t.clock.now(),
    });
    expect((await get('/api/testing/sites/not-ready', city.users.officer.headers)).json().items.map((s: { id: string }) => s.id)).not.toContain(siteId);
    const winter = (await get('/api/testing/sites/not-ready?season=winter', city.users.officer.headers)).json();
    expect(winter).toMatchObject({ aspect: 'cold' });
    expect(winter.items.map((s: { id: string }) => s.id)).toContain(siteId);
  });

  it('finds the compounds outside the 15-minute circle (no site within the distance)', async () => {
    // The site stands by 滨江苑; 江岸小区 is ~1.9 km east, 学苑小区 ~2.2 km north.
    const r = (await get(`/api/testing/sites/uncovered-compounds?jurisdictionId=${city.street.id}`, city.users.officer.headers)).json();
    expect(r).toMatchObject({ radiusM: 1200, compounds: 3, sites: 1 });
    expect(r.items.map((c: { id: string }) => c.id).sort()).toEqual([city.compA2.id, city.compB1.id].sort());
    const wide = (await get(`/api/testing/sites/uncovered-compounds?jurisdictionId=${city.street.id}&radiusM=2000`, city.users.officer.headers)).json();
    expect(wide.items.map((c: { id: string }) => c.id)).toEqual([city.compB1.id]);
    const closed = await patch(`/api/testing/sites/${siteId}`, city.users.officer.headers, { active: false });
    expect(closed.json().active).toBe(false);
    expect((await get(`/api/testing/sites/uncovered-compounds?jurisdictionId=${city.street.id}`, city.users.officer.headers)).json().items).toHaveLength(3);
    await patch(`/api/testing/sites/${siteId}`, city.users.officer.headers, { active: true });
  });

  it('plans capacity per jurisdiction: hours needed, who is short of the deadline and by how many lanes', async () => {
    const r = (await get(`/api/testing/planning/capacity?jurisdictionId=${city.street.id}`, city.users.officer.headers)).json();
    expect(r).toMatchObject({ throughput: 44, hoursAvailable: 24, total: { persons: 25, sites: 1, lanes: 3 } });
    const byId = new Map(r.rows.map((x: { jurisdiction: { id: string } }) => [x.jurisdiction.id, x]));
    expect(byId.get(city.commA.id)).toMatchObject({ persons: 20, lanes: 3, hoursNeeded: 0.15, short: false, shortLanes: 0 });
    expect(byId.get(city.commB.id)).toMatchObject({ persons: 5, lanes: 0, hoursNeeded: null, short: true, lanesNeeded: 1, shortLanes: 1 });
    expect(r.sites).toEqual([expect.objectContaining({ id: siteId, persons: 15, lanes: 3 })]);
    const slow = (await get(`/api/testing/planning/capacity?jurisdictionId=${city.street.id}&throughput=1&hours=5`, city.users.officer.headers)).json();
    const a = slow.rows.find((x: { jurisdiction: { id: string } }) => x.jurisdiction.id === city.commA.id);
    expect(a).toMatchObject({ hoursNeeded: 6.67, short: true, lanesNeeded: 4, shortLanes: 1 });
    // Once a campaign runs, the planner counts only the persons still to sample.
    const c = await newCampaign({ scopeJurisdictionIds: [city.street.id] });
    const code = barcode();
    await post('/api/testing/scans/batch', city.users.sampler.headers, {
      items: [
        { op: 'open', clientId: cid(), campaignId: c, siteId, barcode: code },
        ...city.persons.a11.slice(0, 4).map((p) => ({ op: 'scan', clientId: cid(), campaignId: c, barcode: code, idNumber: p.idNumber })),
      ],
    });
    const live = (await get(`/api/testing/planning/capacity?jurisdictionId=${city.street.id}&campaignId=${c}`, city.users.officer.headers)).json();
    expect(live.total.persons).toBe(21);
    expect(live.hoursAvailable).toBe(24);
  });

  it('advises the pool size (Dorfman) and counts tubes and swabs for a campaign', async () => {
    const adv = (await get('/api/testing/planning/pool-size?prevalence=0.01&population=100000', city.users.analyst.headers)).json();
    expect(adv.recommended).toBe(10);
    expect(adv.optimalK).toBe(11);
    const ten = adv.options.find((o: { poolSize: number }) => o.poolSize === 10);
    // Dorfman with dilution: 1/10 + 0.91 (sensitivity of a 10-in-1 pool, published estimate) · P(pool positive).
    expect(ten.testsPerPerson).toBeCloseTo(0.1 + 0.91 * (1 - 0.99 ** 10), 6);
    expect(ten).toMatchObject({ heldAtDoor: Math.round(100_000 * (1 - 0.99 ** 10)), sensitivity: 0.91, sensitivityLocal: false });
    // In a sealed area the guide's rule decides: one tube per household.
    expect((await get('/api/testing/planning/pool-size?prevalence=0.01&area=sealed', city.users.analyst.headers)).json()).toMatchObject({
      recommended: 0,
      basis: 'area_rule',
    });
    expect(ten.firstStageTubes).toBe(10_000);
    expect(adv.options.find((o: { poolSize: number }) => o.poolSize === 1)).toMatchObject({ testsPerPerson: 1, tubesSavedVsSingle: 0 });
    expect((await get('/api/testing/planning/pool-size?prevalence=2', city.users.analyst.headers)).statusCode).toBe(400);

    const planned = await newCampaign(
      { scopeJurisdictionIds: [city.street.id], poolSize: 10, poolOverrides: [{ jurisdictionId: city.commB.id, poolSize: 5 }] },
      false,
    );
    const s = (await get(`/api/testing/campaigns/${planned}/supplies?margin=0.1&prevalence=0`, city.users.officer.headers)).json();
    expect(s).toMatchObject({ target: 25, swabs: 28, expectedRecheckTubes: 0 });
    expect(s.byPoolSize).toEqual([
      { poolSize: 5, persons: 5, tubes: 2 },
      { poolSize: 10, persons: 20, tubes: 3 },
    ]);
    expect(s.tubes).toBe(5);
  });

  it('lists the persons of a building not yet sampled (door-knocking), counts only for those who may not read persons', async () => {
    const c = await newCampaign({ scopeJurisdictionIds: [city.compA1.id] });
    const code = barcode();
    const done = city.persons.a11.slice(0, 3);
    await post('/api/testing/scans/batch', city.users.sampler.headers, {
      items: [
        { op: 'open', clientId: cid(), campaignId: c, siteId, barcode: code },
        ...done.map((p) => ({ op: 'scan', clientId: cid(), campaignId: c, barcode: code, idNumber: p.idNumber })),
      ],
    });
    const r = (await get(`/api/testing/campaigns/${c}/buildings/${city.bA11.id}/unsampled`, city.users.officer.headers)).json();
    expect(r).toMatchObject({ building: { id: city.bA11.id }, target: 10, sampled: 3 });
    expect(r.items.map((x: { personId: string }) => x.personId).sort()).toEqual(
      city.persons.a11
        .slice(3)
        .map((p) => p.id)
        .sort(),
    );
    expect(r.items.map((x: { name: string }) => x.name)).toContain(city.persons.a11[3].name);
    // Without person.read (the analyst): the counts, and nobody's name, room, exemption or health flags (issue 14).
    const counts = (await get(`/api/testing/campaigns/${c}/buildings/${city.bA11.id}/unsampled`, city.users.analyst.headers)).json();
    expect(counts).toMatchObject({ building: { id: city.bA11.id }, target: 10, sampled: 3, items: [] });
    expect((await get(`/api/testing/campaigns/${c}/buildings/${city.bC11.id}/unsampled`, city.users.officer.headers)).statusCode).toBe(404);
  });

  it('scope-checks both ids of the unsampled list: a campaign covering nothing of the caller looks like a missing campaign', async () => {
    // Covers 西陵 community B and 伍家岗 community C: its top is the city, but not community A.
    const id = (
      await post('/api/testing/campaigns', city.users.commander.headers, { name: '跨区轮次', scopeJurisdictionIds: [city.commB.id, city.commC.id] })
    ).json().id as string;
    expect((await post(`/api/testing/campaigns/${id}/activate`, city.users.commander.headers)).statusCode).toBe(200);
    const unit = await buildUnit(t.deps.db, { name: '滨江社区工作站', jurisdiction: city.commA });
    const commAOfficer = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), t.clock.now(), 365 * 86_400_000);
    const unsampled = (campaign: string, building: string, h = commAOfficer) => get(`/api/testing/campaigns/${campaign}/buildings/${building}/unsampled`, h);
    const foreign = await unsampled(id, city.bA11.id);
    const missing = await unsampled('01900000-0000-7000-8000-000000000000', city.bA11.id);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('CAMPAIGN_NOT_FOUND');
    expect(missing.json().error.code).toBe('CAMPAIGN_NOT_FOUND');
    // The 西陵区 officer reads the campaign's 西陵 part, but a 伍家岗区 building looks like a missing one.
    expect((await unsampled(id, city.bB11.id, city.users.officer.headers)).statusCode).toBe(200);
    const wjg = await unsampled(id, city.bC11.id, city.users.officer.headers);
    const none = await unsampled(id, '01900000-0000-7000-8000-000000000000', city.users.officer.headers);
    expect(wjg.statusCode).toBe(404);
    expect(wjg.json().error.code).toBe(none.json().error.code);
    expect((await unsampled(id, city.bC11.id, city.users.wjgOfficer.headers)).statusCode).toBe(200);
  });

  it('creates one home-sampling task per vulnerable resident not yet sampled, never twice', async () => {
    const c = await newCampaign({ scopeJurisdictionIds: [city.commA.id] });
    const code = barcode();
    await post('/api/testing/scans/batch', city.users.sampler.headers, {
      items: [
        { op: 'open', clientId: cid(), campaignId: c, siteId, barcode: code },
        { op: 'scan', clientId: cid(), campaignId: c, barcode: code, idNumber: city.persons.a12[0].idNumber },
      ],
    });
    const r = await post(`/api/testing/campaigns/${c}/home-sampling`, city.users.officer.headers, { jurisdictionId: city.commA.id, flags: ['bedridden'] });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ tasks: 4, alreadyTasked: 0, alreadySampled: 1, withoutUnit: 0 });
    const tasks = await t.deps.db.selectFrom('tasks').selectAll().where('source_module', '=', 'testing').where('source_entity_type', '=', 'person').execute();
    expect(tasks.filter((x) => x.assignee_unit_id === city.units.commA.id)).toHaveLength(4);
    expect(tasks.every((x) => x.title.startsWith('上门采样'))).toBe(true);
    expect(
      (await post(`/api/testing/campaigns/${c}/home-sampling`, city.users.officer.headers, { jurisdictionId: city.commA.id, flags: ['bedridden'] })).json(),
    ).toMatchObject({ tasks: 0, alreadyTasked: 4 });
  });

  it('colours compounds on the map and sends at most one live coverage event per campaign per second', async () => {
    const c = await newCampaign({ scopeJurisdictionIds: [city.street.id] });
    const seq = await t.deps.services.outbox.head();
    for (const batch of [city.persons.a11.slice(0, 2), city.persons.a21.slice(0, 2), city.persons.b11.slice(0, 1)]) {
      const code = barcode();
      await post('/api/testing/scans/batch', city.users.sampler.headers, {
        items: [
          { op: 'open', clientId: cid(), campaignId: c, siteId, barcode: code },
          ...batch.map((p) => ({ op: 'scan', clientId: cid(), campaignId: c, barcode: code, idNumber: p.idNumber })),
        ],
      });
    }
    const map = (await get(`/api/testing/campaigns/${c}/coverage/geojson?rootId=${city.street.id}`, city.users.officer.headers)).json();
    expect(map.features).toHaveLength(3);
    const a1 = map.features.find((f: { properties: { id: string } }) => f.properties.id === city.compA1.id);
    expect(a1.geometry.type).toBe('Polygon');
    expect(a1.properties).toMatchObject({ target: 15, sampled: 2, coverage: 0.1333 });

    t.clock.advance(1500);
    await t.deps.services.jobs.runDueNow();
    const ours = async () =>
      (await t.deps.services.outbox.readAfter(seq)).filter((e) => e.topic === 'testing.coverage' && (e.payload as { campaignId: string }).campaignId === c);
    const events = await ours();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ jurisdictionPath: city.street.path, payload: { campaignId: c, totals: { target: 25, sampled: 5 } } });
    const compounds = (events[0].payload as { compounds: { id: string; sampled: number }[] }).compounds;
    expect(compounds.map((x) => [x.id, x.sampled]).sort()).toEqual(
      [
        [city.compA1.id, 2],
        [city.compA2.id, 2],
        [city.compB1.id, 1],
      ].sort(),
    );
    // Nothing new: no further event.
    t.clock.advance(1500);
    await t.deps.services.jobs.runDueNow();
    expect(await ours()).toHaveLength(1);
  });
});
