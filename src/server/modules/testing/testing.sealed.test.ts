/**
 * Sealed compounds are tested, never exempted (issue 13): residents of a published high area are
 * under the SEALED area measure (封控, stay at home), which campaigns never exempt; they are targeted
 * with door-to-door sampling (上门采样), and the campaign takes its pool mode from the area (the
 * regional testing guides: 1户1管 or a single tube in sealed areas, 10-in-1 in controlled areas,
 * 20-in-1 elsewhere). One tube per household takes exactly the household's members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { systemActor } from '../../platform/actor.js';
import { approvedReview } from '../control/control.test-helpers.js';
import { addPersons, barcode, buildTestingCity, cid, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

const sys = systemActor('test');

describe.each(DIALECTS)('sealed compounds in testing campaigns [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  /** Three persons of one household (one room) in 滨江苑 1栋. */
  let family: PersonFixture[];
  let householdId: string;
  /** A resident of 江岸小区 in home quarantine (a person measure: exempt by default). */
  let quarantined: string;

  const testing = () => t.deps.services.testing;
  const status = async (id: string) => (await t.deps.services.control.statusesOf([id])).get(id)!.status;
  const post = (url: string, headers: Record<string, string>, payload: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const coverage = async (campaignId: string, jurisdictionId: string) => testing().coverage.get(sys, campaignId, jurisdictionId);

  /** Publishes a risk area over the nodes (the case lives in 学苑小区, outside them). */
  async function publishArea(level: 'high' | 'medium', jurisdictionIds: string[], caseId: string): Promise<string> {
    const zoning = t.deps.services.zoning;
    const a = await zoning.create(undefined, sys, { name: `测试${level}区`, level, jurisdictionIds, basis: { caseIds: [caseId] } });
    await zoning.publish(undefined, sys, a.id, { justification: '流调研判：病例活动轨迹覆盖该小区' });
    return a.id;
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    // One household of three: the same building and room.
    const r = await t.deps.services.population.createMany(
      undefined,
      sys,
      [0, 1, 2].map((i) => ({
        name: `同户居民${i}`,
        idType: 'passport' as const,
        idNumber: `H0000000${i}`,
        birthDate: '1980-01-01',
        sex: 'male' as const,
        resident: true,
        address: { jurisdictionId: city.bA11.id, room: '901' },
      })),
    );
    family = r.ids.map((id, i) => ({ id, name: `同户居民${i}`, idNumber: `H0000000${i}`, path: city.bA11.path }));
    householdId = (await t.deps.services.population.get(sys, family[0].id)).householdId!;
    quarantined = city.persons.a21[0].id;
    await t.deps.services.control.requestChange(undefined, sys, {
      personIds: [quarantined],
      to: 'quarantined_home',
      basis: { type: 'manual_review', id: await approvedReview(t) },
      reason: '密接居家隔离',
    });
  });
  afterAll(() => t.close());

  it('a single-tube round over a sealed compound targets every resident with door-to-door sampling: never "target 0, all exempt"', async () => {
    const caseId = (await t.deps.services.cases.cases.create(undefined, sys, { personId: city.persons.b11[0].id, kind: 'confirmed', reason: '确诊' })).id;
    await publishArea('high', [city.compA1.id], caseId);
    // 滨江苑: 10 + 5 residents, and the household of 3 = 18, all under the sealed area measure.
    const residents = [...city.persons.a11, ...city.persons.a12, ...family];
    expect(residents).toHaveLength(18);
    for (const p of residents) expect(await status(p.id)).toBe('sealed');

    const c = await testing().campaigns.create(undefined, sys, {
      name: '滨江苑单管检测',
      scopeJurisdictionIds: [city.compA1.id],
      poolSize: 1,
      sealedPoolMode: 1,
    });
    const active = await testing().campaigns.activate(undefined, sys, c.id);
    expect(active).toMatchObject({ targetTotal: 18, exemptTotal: 0 });
    const cov = await coverage(c.id, city.compA1.id);
    expect(cov).toMatchObject({ target: 18, exempt: 0, poolSize: 1, doorToDoor: { target: 18, sampled: 0, remaining: 18 } });
    // Per building: how many must be sampled at home.
    expect(cov.children.map((b) => [b.jurisdiction.name, b.doorToDoor.target])).toEqual([
      ['1栋', 13],
      ['2栋', 5],
    ]);
    // Area measures are never exemptable, not even by hand.
    const err = await testing()
      .campaigns.exempt(undefined, sys, c.id, { personIds: [city.persons.a11[0].id], reason: '住院治疗' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PERSON_UNDER_AREA_MEASURE', status: 422, details: { field: 'personIds', count: 1 } });
  });

  it('takes the pool mode from the areas: 1户1管 in the sealed compound, 10-in-1 in the controlled one, 20-in-1 elsewhere; an override inside an area is refused', async () => {
    const caseId = (await t.deps.services.cases.cases.create(undefined, sys, { personId: city.persons.b11[1].id, kind: 'confirmed', reason: '确诊' })).id;
    await publishArea('medium', [city.compA2.id], caseId);
    for (const p of city.persons.a21.slice(1)) expect(await status(p.id)).toBe('controlled');
    // The home-quarantined resident keeps the stricter person measure (and stays exempt).
    expect(await status(quarantined)).toBe('quarantined_home');

    const refused = await testing()
      .campaigns.create(undefined, sys, {
        name: '越权混采',
        scopeJurisdictionIds: [city.street.id],
        poolOverrides: [{ jurisdictionId: city.bA11.id, poolSize: 20 }],
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'POOL_OVERRIDE_IN_RISK_AREA', status: 422, details: { field: 'poolOverrides', areaPoolSize: 0 } });

    const c = await testing().campaigns.create(undefined, sys, { name: '西陵街道区域核酸', scopeJurisdictionIds: [city.street.id] });
    expect(c.poolSize).toBe(20);
    expect(c.poolOverrides.map((o) => [o.path, o.poolSize, o.source, o.level])).toEqual([
      [city.compA1.path, 0, 'area', 'high'],
      [city.compA2.path, 10, 'area', 'medium'],
    ]);
    await testing().campaigns.activate(undefined, sys, c.id);
    const pool = async (id: string) => (await coverage(c.id, id)).poolSize;
    expect([await pool(city.compA1.id), await pool(city.compA2.id), await pool(city.compB1.id)]).toEqual([0, 10, 20]);
    // Controlled residents are targeted too (5 in 江岸小区, one of them exempt in home quarantine).
    expect(await coverage(c.id, city.compA2.id)).toMatchObject({ target: 4, exempt: 1, doorToDoor: { target: 0 } });
    expect(await coverage(c.id, city.compA1.id)).toMatchObject({ target: 18, exempt: 0, doorToDoor: { target: 18 } });
    expect((await coverage(c.id, city.street.id)).doorToDoor.target).toBe(18);
  });

  it('a compound sealed after the campaign was planned gets its pool mode at activation', async () => {
    const c = await testing().campaigns.create(undefined, sys, { name: '学院社区核酸', scopeJurisdictionIds: [city.commB.id] });
    expect(c.poolSize).toBe(10);
    expect(c.poolOverrides).toEqual([]);
    const caseId = (await t.deps.services.cases.cases.create(undefined, sys, { personId: city.persons.a11[9].id, kind: 'confirmed', reason: '确诊' })).id;
    await publishArea('high', [city.compB1.id], caseId);
    await testing().campaigns.activate(undefined, sys, c.id);
    expect(await coverage(c.id, city.compB1.id)).toMatchObject({ poolSize: 0, doorToDoor: { target: expect.any(Number) } });
    const sealedB = (await Promise.all(city.persons.b11.map((p) => status(p.id)))).filter((s) => s === 'sealed').length;
    expect((await coverage(c.id, city.compB1.id)).doorToDoor.target).toBe(sealedB);
    expect(sealedB).toBeGreaterThan(0);
  });

  it("one tube per household takes exactly the household's members, at the door; door-to-door tasks go to the community per household", async () => {
    const c = await testing().campaigns.create(undefined, sys, { name: '滨江苑1户1管', scopeJurisdictionIds: [city.commA.id] });
    await testing().campaigns.activate(undefined, sys, c.id);
    const site = await testing().sites.create(undefined, sys, {
      name: '夷陵社区上门采样队',
      kind: 'tent',
      jurisdictionId: city.commA.id,
      location: [111.3, 30.7],
      lanes: 1,
    });
    const headers = city.users.sampler.headers;
    const url = `/api/testing/campaigns/${c.id}/household-tubes`;
    const body = (members: PersonFixture[], code = barcode('HH')) => ({
      clientId: cid(),
      householdId,
      siteId: site.id,
      barcode: code,
      members: members.map((m) => ({ idNumber: m.idNumber, idType: 'passport' })),
    });

    // Home-sampling tasks for the sealed households, one per household, to 夷陵社区居委会.
    const tasks = await post(`/api/testing/campaigns/${c.id}/home-sampling`, city.users.officer.headers, { jurisdictionId: city.compA1.id, channel: 'sealed' });
    expect(tasks.statusCode).toBe(200);
    // 15 residents in their own rooms, less the one who became a case above (isolated, no longer
    // sealed), + the household of 3 = 15 households.
    expect(await status(city.persons.a11[9].id)).not.toBe('sealed');
    expect(tasks.json()).toMatchObject({ tasks: 15, alreadySampled: 0, withoutUnit: 0 });
    const familyTask = await t.deps.db.selectFrom('tasks').selectAll().where('source_entity_id', '=', householdId).executeTakeFirstOrThrow();
    expect(familyTask).toMatchObject({ assignee_unit_id: city.units.commA.id });
    expect(familyTask.title).toContain('1户1管');

    const missing = await post(url, headers, body(family.slice(0, 2)));
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatchObject({ code: 'HOUSEHOLD_MEMBERS_MISMATCH', details: { field: 'members', members: 3, scanned: 2, missing: 1 } });
    const stranger = await post(url, headers, {
      ...body(family),
      members: [...family, city.persons.a11[0]].map((m) => ({ idNumber: m.idNumber, idType: m.idNumber.startsWith('H') ? 'passport' : 'resident_id' })),
    });
    expect(stranger.json().error).toMatchObject({ code: 'HOUSEHOLD_MEMBERS_MISMATCH', details: { notMembers: 1 } });
    expect((await coverage(c.id, city.compA1.id)).sampled).toBe(0);

    const ok = await post(url, headers, body(family));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ householdId, persons: 3, status: 'applied' });
    const tube = await t.deps.db.selectFrom('testing_tubes').selectAll().where('id', '=', ok.json().tubeId).executeTakeFirstOrThrow();
    expect(tube).toMatchObject({ status: 'closed', closed_reason: 'full' });
    expect(Number(tube.pool_size)).toBe(3);
    expect(Number(tube.scan_count)).toBe(3);
    const journaled = await t.deps.db
      .selectFrom('journal')
      .selectAll()
      .where('action', '=', 'testing.household-tube')
      .where('entity_id', '=', tube.id)
      .execute();
    expect(journaled).toHaveLength(1);
    // 17 sealed residents now (18 less the one isolated as a case), 3 of them sampled at the door.
    expect(await coverage(c.id, city.compA1.id)).toMatchObject({ sampled: 3, doorToDoor: { target: 17, sampled: 3, remaining: 14 } });

    // Outside the sealed compound the pool mode is not household: refused.
    const [neighbour] = await addPersons(t, city.bA21, 1);
    const other = await post(url, headers, {
      ...body([neighbour]),
      householdId: (await t.deps.services.population.get(sys, neighbour.id)).householdId,
      members: [{ idNumber: neighbour.idNumber }],
    });
    expect(other.json().error.code).toBe('HOUSEHOLD_NOT_IN_HOUSEHOLD_MODE');
  });

  it('a household of one (an elder living alone) is sampled at the door; an ID number registered in another district answers as an unregistered one', async () => {
    // Found by the route matrix (issue 14): a pool of one was filled by its scan and the tube's own
    // close then answered 409 TUBE_ALREADY_CLOSED; and a 伍家岗 resident's ID number answered
    // HOUSEHOLD_MEMBERS_MISMATCH (so "registered somewhere") where an unknown one answers PERSON_NOT_FOUND.
    const c = await testing().campaigns.create(undefined, sys, { name: '滨江苑独居老人上门采样', scopeJurisdictionIds: [city.commA.id] });
    await testing().campaigns.activate(undefined, sys, c.id);
    const site = await testing().sites.create(undefined, sys, {
      name: '夷陵社区独居老人上门队',
      kind: 'tent',
      jurisdictionId: city.commA.id,
      location: [111.3, 30.7],
      lanes: 1,
    });
    const [alone] = await t.deps.services.population
      .createMany(undefined, sys, [
        {
          name: '独居老人',
          idType: 'passport',
          idNumber: 'H00000099',
          birthDate: '1940-01-01',
          sex: 'female',
          resident: true,
          address: { jurisdictionId: city.bA11.id, room: '1201' },
        },
      ])
      .then((r) => r.ids);
    const household = (await t.deps.services.population.get(sys, alone!)).householdId!;
    const url = `/api/testing/campaigns/${c.id}/household-tubes`;
    const body = (idNumber: string, idType = 'passport') => ({
      clientId: cid(),
      householdId: household,
      siteId: site.id,
      barcode: barcode('HA'),
      members: [{ idNumber, idType }],
    });
    const headers = city.users.sampler.headers;
    const elsewhere = await post(url, headers, body(city.persons.c11[0].idNumber, 'resident_id'));
    const unknown = await post(url, headers, body('420502194001011234', 'resident_id'));
    expect(unknown.statusCode).toBe(404);
    expect([elsewhere.statusCode, elsewhere.json().error]).toEqual([unknown.statusCode, unknown.json().error]);
    const ok = await post(url, headers, body('H00000099'));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ householdId: household, persons: 1, status: 'applied' });
    const tube = await t.deps.db.selectFrom('testing_tubes').selectAll().where('id', '=', ok.json().tubeId).executeTakeFirstOrThrow();
    expect(tube).toMatchObject({ status: 'closed', closed_reason: 'full' });
    expect([Number(tube.pool_size), Number(tube.scan_count)]).toEqual([1, 1]);
  });
  it('a scan answer tells the sampler who is under home quarantine or lives in a sealed area (sample them at home), single and batched', async () => {
    // Issue 16: by now 滨江苑 is sealed (a high area) and a21[0] of 江岸小区 is in home quarantine;
    // a21[1] lives in the controlled compound, a measure that does not keep anyone from a site.
    const sealedOne = city.persons.a11[0];
    const controlledOne = city.persons.a21[1];
    expect([await status(sealedOne.id), await status(quarantined), await status(controlledOne.id)]).toEqual(['sealed', 'quarantined_home', 'controlled']);
    const c = await testing().campaigns.create(undefined, sys, { name: '夷陵社区采样提示', scopeJurisdictionIds: [city.commA.id] });
    await testing().campaigns.activate(undefined, sys, c.id);
    const site = await testing().sites.create(undefined, sys, {
      name: '夷陵社区提示采样点',
      kind: 'tent',
      jurisdictionId: city.commA.id,
      location: [111.3, 30.7],
      lanes: 1,
    });
    const headers = city.users.sampler.headers;
    const tube = barcode('AT');
    const quarantinedId = city.persons.a21[0].idNumber;
    const scan = (idNumber: string, clientId = cid()) => ({ op: 'scan', clientId, campaignId: c.id, barcode: tube, idNumber });
    const repeated = scan(sealedOne.idNumber);
    const res = await post('/api/testing/scans/batch', headers, {
      items: [
        { op: 'open', clientId: cid(), campaignId: c.id, siteId: site.id, barcode: tube },
        repeated,
        scan(quarantinedId),
        scan(controlledOne.idNumber),
        scan('420502199001011234'),
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((i: { status: string; attention: string[] }) => [i.status, i.attention])).toEqual([
      ['applied', []],
      ['applied', ['sealed_area']],
      ['applied', ['home_quarantine']],
      ['applied', []],
      ['rejected', []],
    ]);
    // A resend (the offline queue's retry) is told again.
    const again = await post('/api/testing/scans/batch', headers, { items: [repeated] });
    expect(again.json().items[0]).toMatchObject({ status: 'duplicate', attention: ['sealed_area'] });
    // The single-scan route says the same.
    const tubeId = res.json().items[0].tube.id as string;
    const single = await post('/api/testing/scans', headers, { clientId: cid(), tubeId, idNumber: city.persons.a11[1].idNumber });
    expect(single.statusCode, single.body).toBe(200);
    expect(single.json()).toMatchObject({ status: 'applied', attention: ['sealed_area'] });
  });
});
