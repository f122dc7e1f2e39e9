import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { inTx } from '../../db/dialect.js';
import { systemActor } from '../../platform/actor.js';
import { acceptAnyBasis } from '../control/control.test-helpers.js';
import { makeResidentId } from '../population/index.js';
import { buildTestingCity, type TestingCity } from '../testing/testing.test-helpers.js';

describeDialects("doorknock: a building's door-knocking list", (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let caller: string;
  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const worker = () => city.users.worker.headers;
  const listOf = async (buildingId: string) => {
    const r = await get(`/api/doorknock/campaigns/${campaignId}/buildings/${buildingId}`, worker());
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const coverageOf = async (jurisdictionId: string) => {
    const r = await get(`/api/testing/campaigns/${campaignId}/coverage?jurisdictionId=${jurisdictionId}`, city.users.officer.headers);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    acceptAnyBasis(t.deps.services.control);
    const officer = city.users.officer.headers;
    // A resident with a phone, in an entrance-less building room 1201 (floor 12).
    caller = (
      await t.deps.services.population.create(undefined, systemActor('test'), {
        name: '电话住户',
        idType: 'resident_id',
        idNumber: makeResidentId('420502', '1970-03-04', 901, 'male'),
        birthDate: '1970-03-04',
        sex: 'male',
        resident: true,
        phone: '13812345678',
        address: { jurisdictionId: city.bA12.id, room: '1201' },
      })
    ).id;
    campaignId = (await post('/api/testing/campaigns', officer, { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id], poolSize: 10 })).json().id;
    const a = await post(`/api/testing/campaigns/${campaignId}/activate`, officer);
    expect(a.statusCode, a.body).toBe(200);
  });
  afterAll(() => t?.close());

  it("lists a building's residents by floor and room, picked by its scanned code, and refuses a building outside the worker's compounds", async () => {
    const found = await get(`/api/doorknock/buildings?code=${city.bA11.code}`, worker());
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().items).toEqual([expect.objectContaining({ id: city.bA11.id, place: '滨江苑 · 1栋' })]);
    expect((await get(`/api/doorknock/buildings?code=${city.bB11.code}`, worker())).statusCode).toBe(404);
    expect((await get(`/api/doorknock/campaigns/${campaignId}/buildings/${city.bB11.id}`, worker())).statusCode).toBe(404);
    const names = (await get('/api/doorknock/buildings', worker()))
      .json()
      .items.map((b: { id: string }) => b.id)
      .sort();
    expect(names).toEqual([city.bA11.id, city.bA12.id, city.bA21.id].sort());

    const list = await listOf(city.bA11.id);
    expect(list).toMatchObject({ target: 10, sampled: 0, settled: [], apart: [] });
    expect(list.toKnock.map((r: { room: string }) => r.room)).toEqual(['101', '102', '103', '104', '105', '106', '107', '108', '109', '110']);
    expect(list.toKnock[0]).toMatchObject({ floor: 1, status: 'none', lastKnock: null, knocks: 0 });
    const a12 = await listOf(city.bA12.id);
    expect(a12.toKnock.at(-1)).toMatchObject({ personId: caller, floor: 12, room: '1201' });
  });

  it('records outcomes: not at home stays on the next list, moved away leaves it and the campaign target', async () => {
    const [p1, p2] = city.persons.a11;
    const before = await coverageOf(city.compA1.id);
    const r1 = await post(`/api/doorknock/campaigns/${campaignId}/knocks`, worker(), { personId: p1.id, outcome: 'not_at_home' });
    expect(r1.statusCode, r1.body).toBe(200);
    expect(r1.json()).toMatchObject({ outcome: 'not_at_home', exempted: false });
    const r2 = await post(`/api/doorknock/campaigns/${campaignId}/knocks`, worker(), { personId: p2.id, outcome: 'moved_away', note: '已搬至武汉' });
    expect(r2.json()).toMatchObject({ outcome: 'moved_away', exempted: true });

    const after = await coverageOf(city.compA1.id);
    expect(after.target).toBe(before.target - 1);
    expect(after.exempt).toBe(before.exempt + 1);

    const list = await listOf(city.bA11.id);
    expect(list.toKnock).toHaveLength(9);
    expect(list.toKnock.find((r: { personId: string }) => r.personId === p1.id)).toMatchObject({ lastKnock: { outcome: 'not_at_home' }, knocks: 1 });
    expect(list.settled.map((r: { personId: string }) => r.personId)).toEqual([p2.id]);
    expect(list.settled[0]).toMatchObject({ exempt: true, lastKnock: { outcome: 'moved_away' } });

    const rows = await t.deps.db.selectFrom('journal').select(['action', 'entity_id']).where('action', '=', 'doorknock.knock').execute();
    expect(rows.map((r) => r.entity_id).sort()).toEqual([p1.id, p2.id].sort());
  });

  it("refuses an outcome for a person outside the worker's compounds, and records nothing", async () => {
    const outsider = city.persons.b11[0];
    const r = await post(`/api/doorknock/campaigns/${campaignId}/knocks`, worker(), { personId: outsider.id, outcome: 'refused' });
    expect(r.statusCode).toBe(404);
    const n = await t.deps.db.selectFrom('doorknock_outcomes').select('id').where('person_id', '=', outsider.id).execute();
    expect(n).toEqual([]);
  });

  it('reveals a phone only with a reason, journaled with it', async () => {
    const none = await post(`/api/doorknock/persons/${caller}/phone`, worker(), { reason: '' });
    expect(none.statusCode).toBe(422);
    expect(none.json().error.code).toBe('REASON_REQUIRED');
    const ok = await post(`/api/doorknock/persons/${caller}/phone`, worker(), { reason: '敲门核查' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ value: '13812345678' });
    const j = await t.deps.db
      .selectFrom('journal')
      .select(['reason', 'actor_name'])
      .where('action', '=', 'population.person.reveal')
      .where('entity_id', '=', caller)
      .execute();
    expect(j).toEqual([{ reason: '敲门核查', actor_name: 'worker_a' }]);
    // A person outside the worker's scope looks missing.
    expect((await post(`/api/doorknock/persons/${city.persons.b11[0].id}/phone`, worker(), { reason: '敲门核查' })).statusCode).toBe(404);
  });

  it('lists people in quarantine hotels and confirmed cases apart, and takes no outcome for them', async () => {
    const [hotel, patient] = city.persons.a21;
    await inTx(t.deps.db, async (trx) => {
      await t.deps.services.control.applyAutomatic(trx, systemActor('test'), {
        personIds: [hotel.id],
        to: 'quarantined_central',
        basis: { type: 'contact', id: 'contact-1' },
        reason: '密接集中隔离',
      });
      await t.deps.services.control.applyAutomatic(trx, systemActor('test'), {
        personIds: [patient.id],
        to: 'quarantined_central',
        basis: { type: 'case', id: 'case-1' },
        reason: '确诊病例',
      });
    });
    const list = await listOf(city.bA21.id);
    expect(list.apart.map((r: { personId: string }) => r.personId).sort()).toEqual([hotel.id, patient.id].sort());
    expect(list.apart.find((r: { personId: string }) => r.personId === patient.id)).toMatchObject({ confirmedCase: true });
    expect(list.toKnock.map((r: { personId: string }) => r.personId)).not.toContain(hotel.id);
    const r = await post(`/api/doorknock/campaigns/${campaignId}/knocks`, worker(), { personId: hotel.id, outcome: 'not_at_home' });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('DOORKNOCK_PERSON_APART');
  });
});
