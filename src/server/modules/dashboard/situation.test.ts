import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildTestingCity, refreshSessions, type TestingCity } from '../testing/testing.test-helpers.js';
import { systemActor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import type { SituationDto } from './dashboard.schemas.js';

/**
 * The situation home page: every figure an HQ reads first, per calendar day in BULWARK_TZ
 * (Asia/Shanghai here), scoped like the module lists behind it.
 */
describe.each(DIALECTS)('situation home page [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  const sys = systemActor('situation-test');
  // 01:30 on 7 December in Beijing is still 6 December in UTC: the page must say 7 December.
  const NOW = Date.UTC(2026, 11, 6, 17, 30);

  const situation = async (headers: Record<string, string>, jurisdictionId?: string) => {
    const r = await t.app.inject({ method: 'GET', url: `/api/dashboard/situation${jurisdictionId ? `?jurisdictionId=${jurisdictionId}` : ''}`, headers });
    expect(r.statusCode).toBe(200);
    return r.json() as SituationDto;
  };

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const cases = t.deps.services.cases.cases;
    // Yesterday 20:00 Beijing: a case found in the community.
    t.clock.set(NOW - 5.5 * HOUR);
    const first = await cases.create(undefined, sys, { personId: city.persons.a11[0].id, kind: 'confirmed', reason: '确诊' });
    // A close contact of it, traced yesterday (held awaiting placement by the tracing service, issue 16).
    await t.deps.services.cases.tracing.addContact(undefined, sys, first.id, {
      category: 'close',
      exposureDate: '2026-12-05',
      personId: city.persons.a12[0].id,
    });
    // Today 01:30 Beijing: a person already in home quarantine turns positive (管控内), and an asymptomatic
    // case in the community in 伍家岗区 (outside 西陵区's scope).
    t.clock.set(NOW);
    await t.deps.db.transaction().execute((trx) =>
      t.deps.services.control.applyAutomatic(trx, sys, {
        personIds: [city.persons.a11[1].id],
        to: 'quarantined_home',
        basis: { type: 'case', id: first.id },
        reason: '密接居家隔离',
      }),
    );
    await cases.create(undefined, sys, { personId: city.persons.a11[1].id, kind: 'confirmed', reason: '确诊' });
    await cases.create(undefined, sys, { personId: city.persons.c11[0].id, kind: 'asymptomatic', reason: '无症状感染者' });
    // A risk area proposed by 西陵区 and published today by HQ (a second person) over 1栋 of 滨江苑: its residents are sealed (an area measure).
    const area = await t.deps.services.zoning.create(undefined, city.users.officer.actor, {
      level: 'high',
      jurisdictionIds: [city.bA12.id],
      basis: { caseIds: [first.id] },
    });
    await t.deps.services.zoning.publish(undefined, city.users.commander.actor, area.id, { justification: '测试发布', note: '发布' });
    // A testing round over 西陵区's street, a third of 滨江苑 1栋 sampled.
    const c = await t.deps.services.testing.campaigns.create(undefined, city.users.commander.actor, {
      name: '西陵区第1轮',
      scopeJurisdictionIds: [city.street.id],
      deadlineAt: NOW - HOUR + 24 * HOUR,
    });
    await t.deps.services.testing.campaigns.activate(undefined, city.users.commander.actor, c.id);
    // An overdue task in 西陵区.
    await t.deps.services.tasks.create(undefined, sys, {
      title: '逾期任务',
      sourceModule: 'manual',
      assigneeUnitId: city.units.xiling.id,
      jurisdictionPath: city.xiling.path,
      priority: 'high',
      dueAt: NOW - HOUR,
    });
    await refreshSessions(t, city);
  });
  afterAll(() => t.close());

  it('counts new infections by calendar day in Beijing and by channel, for the whole city', async () => {
    const s = await situation(city.users.commander.headers);
    expect(s).toMatchObject({ today: '2026-12-07', yesterday: '2026-12-06' });
    expect(s.infections!.today).toEqual({ inControl: 1, community: 1, confirmed: 1, asymptomatic: 1, total: 2 });
    expect(s.infections!.yesterday).toEqual({ inControl: 0, community: 1, confirmed: 1, asymptomatic: 0, total: 1 });
    // The contact is held awaiting placement (待转运): no stay yet, so not placed (issue 16).
    expect(s.contacts).toMatchObject({ identifiedToday: 0, identifiedYesterday: 1, placedOfRecent: 0, awaitingPlacement: 1 });
  });

  it('separates persons under a person measure from residents of sealed areas', async () => {
    const m = (await situation(city.users.commander.headers)).measures!;
    // 1栋 of 滨江苑's five residents are sealed; the contact living there stays in quarantine (a person measure) — 4 sealed.
    expect(m.sealed).toBe(4);
    expect(m.underAreaMeasure).toBe(4);
    // The two confirmed cases in central quarantine, the contact, and nobody else under a person measure.
    expect(m.underPersonMeasure).toBe(m.pendingRecheck + m.quarantinedCentral + m.quarantinedHome + m.homeMonitored + m.awaitingPlacement);
    expect(m.underPersonMeasure).toBeGreaterThanOrEqual(2);
  });

  it('counts risk areas published today, the active round and overdue work', async () => {
    const s = await situation(city.users.commander.headers);
    expect(s.areas).toEqual({ publishedToday: 1, liftedToday: 0, publishedYesterday: 0, liftedYesterday: 0, current: { high: 1, medium: 0, low: 0 } });
    expect(s.testing).toMatchObject({ name: '西陵区第1轮', sampled: 0, percent: 0, overdue: false });
    expect(s.testing!.target).toBeGreaterThan(0);
    expect(s.overdue.tasks).toBe(1);
    expect(s.overdue.releases).toBe(0);
  });

  it("scopes every figure: 西陵区 does not see 伍家岗区's case; a node outside the scope is missing", async () => {
    const s = await situation(city.users.officer.headers);
    expect(s.infections!.today).toMatchObject({ total: 1, asymptomatic: 0 });
    const wjg = await situation(city.users.wjgOfficer.headers);
    expect(wjg.infections!.today).toMatchObject({ total: 1, asymptomatic: 1 });
    expect(wjg.areas!.current.high).toBe(0);
    expect(wjg.overdue.tasks).toBe(0);
    const out = await t.app.inject({ method: 'GET', url: `/api/dashboard/situation?jurisdictionId=${city.wujiagang.id}`, headers: city.users.officer.headers });
    expect(out.statusCode).toBe(404);
    // HQ narrowing to 伍家岗区 sees what 伍家岗区 sees.
    expect((await situation(city.users.commander.headers, city.wujiagang.id)).infections!.today.total).toBe(1);
  });

  it('shows a role only what it could read through the module behind each figure', async () => {
    const sampler = await situation(city.users.sampler.headers);
    expect(sampler).toMatchObject({ infections: null, contacts: null, measures: null, areas: null, overdue: { releases: null } });
    expect(sampler.testing).not.toBeNull();
    const analyst = await situation(city.users.analyst.headers);
    expect(analyst).toMatchObject({ infections: null, measures: null, areas: null });
  });
});
