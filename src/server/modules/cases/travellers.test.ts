import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { makePersons } from '../control/control.test-helpers.js';
import type { TravellerDto } from './travellers.service.js';

const actor = systemActor('test');

describe.each(DIALECTS)('travellers [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let headers: Record<string, string>;

  beforeEach(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const unit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    headers = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), t.clock.now());
  });
  afterEach(() => t.close());

  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const register = async (category: string, arrivalDay = '2026-11-28') => {
    const [p] = await makePersons(t, city.street, 1);
    const r = await post('/api/travellers', { personId: p, category, origin: '外地', arrivalDay, entryPoint: '宜昌东站' });
    return { personId: p!, r };
  };
  const useNovember = async () => {
    const nov = (await t.deps.services.cases.presets.list()).find((p) => p.key === 'optimisation-2022-11')!;
    await t.deps.services.cases.presets.activate(undefined, { ...actor, capabilities: new Set(['preset.manage']) } as never, nov.id, '执行二十条');
  };
  const stayDays = (d: TravellerDto) =>
    d.schedule.stay && { phases: d.schedule.stay.phases.map((x) => [x.phase, x.days]), tests: d.schedule.stay.tests.map((x) => x.day) };

  it('gives each traveller category the 9th edition schedule, naming the text', async () => {
    const high = (await register('high_risk_area')).r;
    expect(high.statusCode).toBe(201);
    // 9th edition: arrivals from high areas 7 days central, tests days 1, 2, 3, 5, 7.
    expect(stayDays(high.json())).toEqual({ phases: [['central', 7]], tests: [1, 2, 3, 5, 7] });
    expect(high.json().schedule.source).toContain('第九版');
    // Medium areas: 7 days at home, tests days 1, 4, 7.
    expect(stayDays((await register('medium_risk_area')).r.json())).toEqual({ phases: [['home_quarantine', 7]], tests: [1, 4, 7] });
    // Low areas: two tests in three days, no stay.
    const low = (await register('low_risk_area')).r.json() as TravellerDto;
    expect(low.schedule).toMatchObject({ stay: null, testWindow: { tests: 2, withinDays: 3, byDay: '2026-12-01' } });
    // Inbound international: 7 days central + 3 days home monitoring.
    expect(stayDays((await register('inbound_international')).r.json())).toEqual({
      phases: [
        ['central', 7],
        ['home_monitoring', 3],
      ],
      tests: [1, 2, 3, 5, 7, 10],
    });
  });

  it('gives the November 2022 schedules: high-area arrivals 7 days home with tests 1, 3, 5, 7; inbound 5 + 3; high-risk occupations 5 days monitoring with tests 1, 3, 5; no medium areas', async () => {
    await useNovember();
    const high = (await register('high_risk_area')).r.json() as TravellerDto;
    expect(stayDays(high)).toEqual({ phases: [['home_quarantine', 7]], tests: [1, 3, 5, 7] });
    expect(high.schedule.source).toContain('二十条');
    // Inbound: central days 1, 2, 3, 5 and home days 1 and 3 (stay days 6 and 8).
    expect(stayDays((await register('inbound_international')).r.json())).toEqual({
      phases: [
        ['central', 5],
        ['home_quarantine', 3],
      ],
      tests: [1, 2, 3, 5, 6, 8],
    });
    expect(stayDays((await register('high_risk_occupation')).r.json())).toEqual({ phases: [['home_monitoring', 5]], tests: [1, 3, 5] });
    const medium = (await register('medium_risk_area')).r;
    expect(medium.statusCode).toBe(422);
    expect(medium.json().error).toMatchObject({ code: 'TRAVELLER_CATEGORY_NOT_APPLICABLE', details: { field: 'category' } });
  });

  it('puts a traveller under their measure on the traveller basis, counted from the arrival day; records arrival tests; journals both', async () => {
    const { personId, r } = await register('medium_risk_area', '2026-11-27');
    const trav = r.json() as TravellerDto;
    const stay = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers,
      payload: { personId, mode: 'home', basis: { type: 'traveller', id: trav.id }, reason: '中风险区来返居家隔离' },
    });
    expect(stay.statusCode).toBe(201);
    expect(stay.json()).toMatchObject({
      category: 'medium_risk_area',
      exposureDay: '2026-11-27',
      endDay: '2026-12-04',
      basis: { type: 'traveller', id: trav.id },
    });
    expect((await t.deps.services.control.explain(actor, personId)).status).toBe('quarantined_home');

    const at = await post(`/api/travellers/${trav.id}/arrival-tests`, {
      entryPoint: '宜昌三峡机场',
      testedAt: t.clock.now() - 3_600_000,
      result: 'negative',
      resultRef: 'LD-0001',
    });
    expect(at.statusCode).toBe(200);
    expect(at.json().arrivalTests).toMatchObject([{ entryPoint: '宜昌三峡机场', result: 'negative', resultRef: 'LD-0001' }]);
    const future = await post(`/api/travellers/${trav.id}/arrival-tests`, { entryPoint: '宜昌东站', testedAt: t.clock.now() + 3_600_000 });
    expect(future.statusCode).toBe(422);
    expect(future.json().error.details).toMatchObject({ field: 'testedAt' });
    const actions = (await t.deps.db.selectFrom('journal').select('action').where('entity_id', '=', trav.id).execute()).map((x) => x.action);
    expect(actions).toEqual(['cases.traveller.register', 'cases.traveller.arrival-test']);

    // A made-up traveller id is no basis; another person's traveller record is refused.
    const [other] = await makePersons(t, city.street, 1);
    const fake = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers,
      payload: { personId: other, mode: 'home', basis: { type: 'traveller', id: 'no-such' }, reason: 'x', exposureDate: '2026-11-27' },
    });
    expect(fake.statusCode).toBe(404);
    expect(fake.json().error.code).toBe('TRAVELLER_NOT_FOUND');
    const mismatch = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers,
      payload: { personId: other, mode: 'home', basis: { type: 'traveller', id: trav.id }, reason: 'x' },
    });
    expect(mismatch.json().error.code).toBe('QUARANTINE_BASIS_MISMATCH');
  });

  it('refuses an arrival in the future naming the field, and hides travellers outside the scope', async () => {
    const { r } = await register('high_risk_area', '2026-11-30');
    expect(r.statusCode).toBe(422);
    expect(r.json().error).toMatchObject({
      code: 'TRAVELLER_ARRIVAL_INVALID',
      details: { field: 'arrivalDay', arrivalDay: '2026-11-30', today: '2026-11-29' },
    });
    const [out] = await makePersons(t, city.otherStreet, 1);
    const outside = await t.deps.services.cases.travellers.register(undefined, { ...actor, capabilities: new Set(['case.manage']) } as never, {
      personId: out!,
      category: 'high_risk_area',
      origin: '外地',
      arrivalDay: '2026-11-28',
    });
    expect((await t.app.inject({ method: 'GET', url: `/api/travellers/${outside.id}`, headers })).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: '/api/travellers', headers });
    expect(list.json()).toMatchObject({ total: 0, items: [] });
    const foreign = await post('/api/travellers', { personId: out, category: 'high_risk_area', origin: '外地', arrivalDay: '2026-11-28' });
    expect(foreign.statusCode).toBe(404);
  });
});
