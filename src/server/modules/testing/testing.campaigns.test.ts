import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { HOUR } from '../../platform/clock.js';
import { barcode, buildTestingCity, cid, makeBasisTube, refreshSessions, type TestingCity } from './testing.test-helpers.js';

/**
 * Campaigns: validation, who sees and manages them, activation that stores the target per node
 * (persons minus quarantined and hand-exempted ones; ancestors count only the part in scope),
 * exemptions on a running campaign, pool-size overrides, the lifecycle, and the finish estimate.
 */
describe.each(DIALECTS)('testing: campaigns [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const create = async (headers: Record<string, string>, body: Record<string, unknown>) => {
    const r = await post('/api/testing/campaigns', headers, { name: '测试轮次', ...body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  const coverage = async (campaignId: string, jurisdictionId: string) =>
    (await get(`/api/testing/campaigns/${campaignId}/coverage?jurisdictionId=${jurisdictionId}`, city.users.commander.headers)).json();

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
  });
  afterAll(() => t.close());

  it('validates the scope and the dates; defaults to a 24-hour deadline and 10-in-1 pools', async () => {
    const outside = await post('/api/testing/campaigns', city.users.officer.headers, { name: 'x', scopeJurisdictionIds: [city.wujiagang.id] });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().error).toMatchObject({ code: 'CAMPAIGN_SCOPE_INVALID', details: { jurisdictionIds: [city.wujiagang.id] } });
    const backwards = await post('/api/testing/campaigns', city.users.officer.headers, {
      name: 'x',
      scopeJurisdictionIds: [city.xiling.id],
      startsAt: t.clock.now(),
      deadlineAt: t.clock.now() - 1,
    });
    expect(backwards.json().error.code).toBe('CAMPAIGN_INVALID');
    const badPool = await post('/api/testing/campaigns', city.users.officer.headers, { name: 'x', scopeJurisdictionIds: [city.xiling.id], poolSize: 7 });
    expect(badPool.statusCode).toBe(400);
    const c = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.commA.id, city.compA1.id] });
    expect(c).toMatchObject({
      status: 'planned',
      poolSize: 10,
      startsAt: t.clock.now(),
      deadlineAt: t.clock.now() + 24 * HOUR,
      scope: [{ jurisdictionId: city.commA.id, name: '夷陵社区' }],
      exemptStatuses: ['quarantined_central', 'quarantined_home'],
      targetTotal: 0,
    });
    const [entry] = await t.deps.services.journal.list(t.deps.db, { entityId: c.id, limit: 1 } as never);
    expect(entry).toMatchObject({ action: 'testing.campaign.create', actorName: 'xl_officer' });
  });

  it('activation stores the target per node: persons minus the quarantined and the hand-exempted; ancestors count only the scope', async () => {
    const control = t.deps.services.control;
    const [q1, q2] = city.persons.a11;
    // A real tube as the basis: the status guard checks that bases exist.
    const basis = { type: 'tube' as const, id: await makeBasisTube(t, city.street) };
    await control.requestChange(undefined, city.users.officer.actor, {
      personIds: [q1.id, q2.id],
      to: 'quarantined_home',
      basis,
      reason: '混管阳性，居家隔离',
    });
    const c = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.compA1.id, city.commB.id] });
    const ex = await post(`/api/testing/campaigns/${c.id}/exemptions`, city.users.officer.headers, {
      personIds: [city.persons.b11[0].id, q1.id],
      reason: '住院治疗',
    });
    expect(ex.json()).toEqual({ exempted: 2, alreadyExempt: 0 });
    const outside = await post(`/api/testing/campaigns/${c.id}/exemptions`, city.users.officer.headers, {
      personIds: [city.persons.a21[0].id],
      reason: '外出',
    });
    expect(outside.json().error.code).toBe('PERSON_OUTSIDE_CAMPAIGN');
    const act = await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    expect(act.statusCode, act.body).toBe(200);
    // compA1: 10 + 5 persons, 2 quarantined (one also exempted by hand: counted once); commB: 5 persons, 1 exempted.
    expect(act.json()).toMatchObject({ status: 'active', targetTotal: 17, exemptTotal: 3, activatedAt: t.clock.now() });
    expect(await coverage(c.id, city.bA11.id)).toMatchObject({ target: 8, exempt: 2 });
    expect(await coverage(c.id, city.compA1.id)).toMatchObject({ target: 13, exempt: 2 });
    expect(await coverage(c.id, city.commA.id)).toMatchObject({ target: 13 });
    expect(await coverage(c.id, city.bB11.id)).toMatchObject({ target: 4, exempt: 1 });
    const top = await coverage(c.id, city.city.id);
    expect(top).toMatchObject({ target: 17, exempt: 3, sampled: 0 });
    expect(top.children.map((x: { jurisdiction: { id: string } }) => x.jurisdiction.id)).toEqual([city.xiling.id]);
    expect((await get(`/api/testing/campaigns/${c.id}/coverage?jurisdictionId=${city.compA2.id}`, city.users.commander.headers)).statusCode).toBe(404);
    const again = await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    expect(again.json().error.code).toBe('CAMPAIGN_NOT_PLANNED');

    // Exempting someone on a running campaign moves the counters at once.
    await post(`/api/testing/campaigns/${c.id}/exemptions`, city.users.officer.headers, { personIds: [city.persons.a12[0].id], reason: '孕晚期，另行安排' });
    expect(await coverage(c.id, city.bA12.id)).toMatchObject({ target: 4, exempt: 1 });
    expect((await get(`/api/testing/campaigns/${c.id}`, city.users.officer.headers)).json()).toMatchObject({ targetTotal: 16, exemptTotal: 4 });
    const list = (await get(`/api/testing/campaigns/${c.id}/exemptions`, city.users.officer.headers)).json();
    expect(list.total).toBe(3);
    expect(list.items.map((x: { reason: string }) => x.reason)).toEqual(expect.arrayContaining(['住院治疗', '孕晚期，另行安排']));
  });

  it("counts the exemptions list with the same scope as its rows: a district sees neither another district's rows nor their number", async () => {
    const c = await create(city.users.commander.headers, { scopeJurisdictionIds: [city.commA.id, city.commC.id] });
    const ex = await post(`/api/testing/campaigns/${c.id}/exemptions`, city.users.commander.headers, {
      personIds: [city.persons.a11[5].id, city.persons.c11[0].id, city.persons.c11[1].id],
      reason: '住院治疗',
    });
    expect(ex.json()).toEqual({ exempted: 3, alreadyExempt: 0 });
    const list = async (h: Record<string, string>) => (await get(`/api/testing/campaigns/${c.id}/exemptions?limit=50`, h)).json();
    const xl = await list(city.users.officer.headers);
    expect(xl.total).toBe(1);
    expect(xl.items.map((x: { jurisdictionPath: string }) => x.jurisdictionPath.startsWith(city.xiling.path))).toEqual([true]);
    expect((await list(city.users.wjgOfficer.headers)).total).toBe(2);
    expect((await list(city.users.commander.headers)).total).toBe(3);
  });

  it('activates once when two requests race, and replaces what an interrupted activation left', async () => {
    const c = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.commA.id] });
    // An interrupted activation (the process died between its short transactions) left a row.
    await t.deps.db
      .insertInto('testing_coverage')
      .values({
        campaign_id: c.id,
        jurisdiction_path: city.compA1.path,
        jurisdiction_id: city.compA1.id,
        level: 'compound',
        name: 'stale',
        pool_size: 10,
        target: 999,
        exempt: 0,
        sampled: 0,
        resulted: 0,
        negative: 0,
        invalid: 0,
        positive_tubes: 0,
        pending_recheck: 0,
        recheck_positive: 0,
        door_target: 0,
        door_sampled: 0,
        updated_at: 0,
      })
      .execute();
    const [a, b] = await Promise.all([
      post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers),
      post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect((a.statusCode === 409 ? a : b).json().error.code).toBe('CAMPAIGN_NOT_PLANNED');
    const rows = await t.deps.db.selectFrom('testing_coverage').select(['jurisdiction_path', 'name', 'target']).where('campaign_id', '=', c.id).execute();
    expect(new Set(rows.map((r) => r.jurisdiction_path)).size).toBe(rows.length);
    expect(rows.find((r) => r.jurisdiction_path === city.compA1.path)).toMatchObject({ name: city.compA1.name });
    const entries = (await t.deps.services.journal.list(t.deps.db, { entityId: c.id, limit: 10 } as never)) as { action: string }[];
    expect(entries.filter((e) => e.action === 'testing.campaign.activate')).toHaveLength(1);
    // compA1's 15 persons, not the stale row's 999.
    const comp = await coverage(c.id, city.compA1.id);
    expect(comp.target + comp.exempt).toBe(15);
  });

  it('waits for an activation another server holds, and takes over once that server stopped renewing its lease', async () => {
    const c = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.commA.id] });
    // Another server is activating it: it holds the lease, renewed with each page it writes.
    await t.deps.db
      .updateTable('testing_campaigns')
      .set({ activation_token: 'other-server', activation_lease_until: t.clock.now() + 60_000 })
      .where('id', '=', c.id)
      .execute();
    const refused = await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'CAMPAIGN_NOT_PLANNED', details: { status: 'activating' } });
    expect((await get(`/api/testing/campaigns/${c.id}`, city.users.officer.headers)).json().status).toBe('planned');

    // That server died: its lease runs out, and the next attempt activates the campaign.
    t.clock.advance(61_000);
    const act = await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    expect(act.statusCode).toBe(200);
    expect(act.json().status).toBe('active');
    const row = await t.deps.db
      .selectFrom('testing_campaigns')
      .select(['activation_token', 'activation_lease_until'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ activation_token: null, activation_lease_until: null });
  });

  it('is seen where its scope overlaps yours and managed only inside your scope', async () => {
    const city1 = await create(city.users.commander.headers, { scopeJurisdictionIds: [city.city.id] });
    const xl = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.commA.id] });
    const wjg = await create(city.users.wjgOfficer.headers, { scopeJurisdictionIds: [city.commC.id] });
    const seen = (await get('/api/testing/campaigns?limit=100', city.users.officer.headers)).json().items.map((c: { id: string }) => c.id);
    expect(seen).toEqual(expect.arrayContaining([city1.id, xl.id]));
    expect(seen).not.toContain(wjg.id);
    expect((await get(`/api/testing/campaigns/${wjg.id}`, city.users.officer.headers)).statusCode).toBe(404);
    expect((await get(`/api/testing/campaigns/${city1.id}`, city.users.officer.headers)).statusCode).toBe(200);
    // Seeing the city-wide campaign is not managing it.
    expect((await post(`/api/testing/campaigns/${city1.id}/activate`, city.users.officer.headers)).statusCode).toBe(404);
    expect((await post(`/api/testing/campaigns/${wjg.id}/activate`, city.users.officer.headers)).statusCode).toBe(404);
    expect((await post(`/api/testing/campaigns/${city1.id}/activate`, city.users.commander.headers)).statusCode).toBe(200);
    // A sampler cannot plan campaigns at all.
    expect((await post('/api/testing/campaigns', city.users.sampler.headers, { name: 'x', scopeJurisdictionIds: [city.commA.id] })).statusCode).toBe(403);
  });

  it('applies pool-size overrides by site, and closes: no more tubes, closing twice refused', async () => {
    const c = await create(city.users.officer.headers, {
      scopeJurisdictionIds: [city.street.id],
      poolSize: 20,
      poolOverrides: [{ jurisdictionId: city.commB.id, poolSize: 5 }],
    });
    await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    const siteA = (
      await post('/api/testing/sites', city.users.officer.headers, {
        name: 'A点',
        kind: 'tent',
        jurisdictionId: city.compA1.id,
        location: [111.3, 30.7],
        lanes: 1,
      })
    ).json().id;
    const siteB = (
      await post('/api/testing/sites', city.users.officer.headers, {
        name: 'B点',
        kind: 'fixed_clinic',
        jurisdictionId: city.compB1.id,
        location: [111.3, 30.72],
        lanes: 1,
      })
    ).json().id;
    const open = (siteId: string) => post('/api/testing/tubes', city.users.sampler.headers, { clientId: cid(), campaignId: c.id, siteId, barcode: barcode() });
    expect((await open(siteA)).json().tube.poolSize).toBe(20);
    expect((await open(siteB)).json().tube.poolSize).toBe(5);
    expect((await coverage(c.id, city.commB.id)).poolSize).toBe(5);
    const closed = await post(`/api/testing/campaigns/${c.id}/close`, city.users.officer.headers);
    expect(closed.json()).toMatchObject({ status: 'closed', closedAt: t.clock.now() });
    const late = await open(siteA);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('CAMPAIGN_NOT_ACTIVE');
    expect((await post(`/api/testing/campaigns/${c.id}/close`, city.users.officer.headers)).statusCode).toBe(409);
  });

  it('estimates the finish from the current rate and says whether it beats the deadline', async () => {
    const c = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.commB.id], deadlineAt: t.clock.now() + 70 * 60_000 });
    await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    const site = (
      await post('/api/testing/sites', city.users.officer.headers, {
        name: 'B点2',
        kind: 'tent',
        jurisdictionId: city.compB1.id,
        location: [111.3, 30.72],
        lanes: 1,
      })
    ).json().id;
    expect((await coverage(c.id, city.commB.id)).estimatedFinishAt).toBeNull();
    t.clock.advance(HOUR);
    await refreshSessions(t, city);
    const code = barcode();
    const items = [
      { op: 'open', clientId: cid(), campaignId: c.id, siteId: site, barcode: code },
      ...city.persons.b11.slice(0, 2).map((p) => ({ op: 'scan', clientId: cid(), campaignId: c.id, barcode: code, idNumber: p.idNumber })),
    ];
    await post('/api/testing/scans/batch', city.users.sampler.headers, { items });
    const cov = await coverage(c.id, city.commB.id);
    // 2 of 5 in the first hour (2 per hour on average), both in the last 15 minutes: the current
    // rate is 8 per hour, so the 3 left take 22.5 minutes more — past the deadline 10 minutes away.
    expect(cov).toMatchObject({ sampled: 2, remaining: 3, ratePerHour: 2, recentRatePerHour: 8, onTrack: false });
    expect(cov.estimatedFinishAt).toBe(t.clock.now() + 22.5 * 60_000);
    // The figures say as of when they were read (the coverage card's tooltips show it).
    expect(cov.asOf).toBe(t.clock.now());
  });

  it('says when a planned or active campaign is past its deadline (list and detail), and no longer once it is closed', async () => {
    const c = await create(city.users.officer.headers, { scopeJurisdictionIds: [city.commB.id], deadlineAt: t.clock.now() + 2 * HOUR });
    await post(`/api/testing/campaigns/${c.id}/activate`, city.users.officer.headers);
    const seen = async () => {
      const detail = (await get(`/api/testing/campaigns/${c.id}`, city.users.officer.headers)).json();
      const row = (await get('/api/testing/campaigns?limit=100', city.users.officer.headers)).json().items.find((x: { id: string }) => x.id === c.id);
      expect(row.pastDeadline).toBe(detail.pastDeadline);
      return detail.pastDeadline;
    };
    expect(c.pastDeadline).toBe(false);
    expect(await seen()).toBe(false);
    t.clock.advance(2 * HOUR);
    await refreshSessions(t, city);
    // At the deadline itself it is not yet past.
    expect(await seen()).toBe(false);
    t.clock.advance(1);
    expect(await seen()).toBe(true);
    await post(`/api/testing/campaigns/${c.id}/close`, city.users.officer.headers);
    expect(await seen()).toBe(false);
  });
});
