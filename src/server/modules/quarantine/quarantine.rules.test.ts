import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, type UnitRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { startOfDay } from '../../platform/clock.js';
import { SHIPPED_PRESETS, type PresetParams } from '../cases/index.js';
import { approvedReview, makePersons } from '../control/control.test-helpers.js';
import type { ActivePreset } from './quarantine.service.js';

const actor = systemActor('test');
const TZ = 'Asia/Shanghai';
const ninth = SHIPPED_PRESETS.find((p) => p.key === 'ninth-edition-2022-06')!;
const nov = SHIPPED_PRESETS.find((p) => p.key === 'optimisation-2022-11')!;
const preset = (p: { key: string; name: string; params: PresetParams }, version = 1): ActivePreset => ({
  id: `${p.key}-id`,
  key: p.key,
  version: `${p.key}@${version}`,
  name: p.name,
  params: p.params,
});

/** The code a refused call answers with (fails the test when it succeeds). */
async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to be refused').toBeDefined();
  return (err as { code: string }).code;
}

describe.each(DIALECTS)('quarantine rules: travellers, refusals, release criteria [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let unit: UnitRef;
  let facilityId: string;
  let basis: { type: 'manual_review'; id: string };

  const q = () => t.deps.services.quarantine;
  const status = async (personId: string) => (await t.deps.services.control.statusesOf([personId])).get(personId)!.status;
  const stayRows = async () => (await t.deps.db.selectFrom('quarantine_stays').select('id').execute()).length;

  beforeEach(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    basis = { type: 'manual_review', id: await approvedReview(t, { jurisdictionId: city.xiling.id }) };
    unit = await buildUnit(t.deps.db, { name: '西陵街道防控专班', jurisdiction: city.street, kind: 'street_office' });
    q().setPresetSource(async () => preset(ninth));
    const f = await q().createFacility(undefined, actor, {
      name: '西陵区集中隔离点',
      jurisdictionId: city.street.id,
      address: '西陵一路 1 号',
      unitId: unit.id,
    });
    facilityId = f.id;
    await q().createRooms(undefined, actor, facilityId, [
      { number: '201', floor: 2 },
      { number: '202', floor: 2, capacity: 2 },
    ]);
  });
  afterEach(() => t.close());

  // The ManualClock starts 2026-11-29 10:00 in Shanghai; every arrival below is the day before (day 0).
  it('travellers, 9th edition: "7天内有中风险区旅居史：7天居家隔离，第1、4、7天核酸检测" and "入境人员：7天集中隔离+3天居家健康监测，检测同密切接触者"', async () => {
    const [medium, inbound] = await makePersons(t, city.street, 2);
    const home = await q().assign(undefined, actor, {
      personId: medium!,
      mode: 'home',
      basis,
      reason: '中风险区来返',
      exposureDate: '2026-11-28',
      category: 'medium_risk_area',
    });
    expect(home.category).toBe('medium_risk_area');
    expect(home.phases.map((x) => [x.phase, x.days])).toEqual([['home_quarantine', 7]]);
    expect(home.tests.map((x) => [x.day, x.date])).toEqual([
      [1, '2026-11-29'],
      [4, '2026-12-02'],
      [7, '2026-12-05'],
    ]);
    expect(home.endDay).toBe('2026-12-05');
    expect(home.facilityId).toBeNull();
    expect(await status(medium!)).toBe('quarantined_home');

    const central = await q().assign(undefined, actor, {
      personId: inbound!,
      mode: 'central',
      facilityId,
      basis,
      reason: '入境人员',
      exposureDate: '2026-11-28',
      category: 'inbound_international',
    });
    expect(central.phases.map((x) => [x.phase, x.days])).toEqual([
      ['central', 7],
      ['home_monitoring', 3],
    ]);
    // "检测同密切接触者": central days 1, 2, 3, 5, 7 and home-monitoring day 3 (stay day 10).
    expect(central.tests.map((x) => x.day)).toEqual([1, 2, 3, 5, 7, 10]);
    expect(central.endsAt).toBe(startOfDay('2026-12-09', TZ));
    expect(await status(inbound!)).toBe('quarantined_central');
  });

  it('travellers, November 2022: "高风险区外溢人员：7天居家隔离，第1、3、5、7天核酸检测"; a category the preset gives no stay is refused and writes nothing', async () => {
    const [high, low, occupation] = await makePersons(t, city.street, 3);
    q().setPresetSource(async () => preset(nov, 2));
    const s = await q().assign(undefined, actor, {
      personId: high!,
      mode: 'home',
      basis,
      reason: '高风险区外溢',
      exposureDate: '2026-11-28',
      category: 'high_risk_area',
    });
    expect(s.preset.version).toBe('optimisation-2022-11@2');
    expect(s.phases.map((x) => [x.phase, x.days])).toEqual([['home_quarantine', 7]]);
    expect(s.tests.map((x) => x.day)).toEqual([1, 3, 5, 7]);

    // 9th edition: low-risk-area travellers get a test window, not a stay ("3天内完成2次核酸检测");
    // closed-loop workers are not shipped (local rule). November: no medium risk areas at all.
    q().setPresetSource(async () => preset(ninth));
    expect(
      await refusal(
        q().assign(undefined, actor, { personId: low!, mode: 'home', basis, reason: '低风险区来返', exposureDate: '2026-11-28', category: 'low_risk_area' }),
      ),
    ).toBe('QUARANTINE_RULE_EMPTY');
    expect(
      await refusal(
        q().assign(undefined, actor, {
          personId: occupation!,
          mode: 'home',
          basis,
          reason: '闭环作业',
          exposureDate: '2026-11-28',
          category: 'high_risk_occupation',
        }),
      ),
    ).toBe('QUARANTINE_RULE_EMPTY');
    q().setPresetSource(async () => preset(nov, 2));
    expect(await refusal(q().plan({ mode: 'home', category: 'medium_risk_area', exposureDate: '2026-11-28' }))).toBe('QUARANTINE_RULE_EMPTY');
    expect(await stayRows()).toBe(1);
    expect([await status(low!), await status(occupation!)]).toEqual(['none', 'none']);
  });

  it('refuses a placement that breaks a rule, naming why, and writes nothing: mode, reason, dates, a second stay, the basis person, an inactive facility, a full or foreign room', async () => {
    const [p, other] = await makePersons(t, city.street, 2);
    const base = { personId: p!, mode: 'central' as const, facilityId, basis, reason: '密接', exposureDate: '2026-11-28' };
    const attempts: [string, Parameters<ReturnType<typeof q>['assign']>[2]][] = [
      ['QUARANTINE_MODE_INVALID', { ...base, facilityId: null }], // central needs a facility
      ['QUARANTINE_MODE_INVALID', { ...base, mode: 'home', facilityId: null, roomId: 'any-room' }], // home takes no room
      ['REASON_REQUIRED', { ...base, reason: '   ' }],
      ['QUARANTINE_EXPOSURE_INVALID', { ...base, exposureDate: '2026/11/28' }],
      ['QUARANTINE_EXPOSURE_INVALID', { ...base, exposureDate: '2026-11-01' }], // the whole 10-day stay is already over
      ['QUARANTINE_EXPOSURE_AFTER_PLACEMENT', { ...base, exposureDate: '2026-11-30' }],
      ['QUARANTINE_ROOM_NOT_FOUND', { ...base, roomId: 'no-such-room' }],
    ];
    for (const [code, input] of attempts) expect(await refusal(q().assign(undefined, actor, input)), code).toBe(code);
    expect(await stayRows()).toBe(0);
    expect(await status(p!)).toBe('none');

    // The basis record names someone else.
    q().setBasisFacts(async () => ({ personId: other!, exposureDay: '2026-11-28', category: 'close' }));
    expect(await refusal(q().assign(undefined, actor, base))).toBe('QUARANTINE_BASIS_MISMATCH');
    // ...or names no exposure day and none is entered: never counted from the placement day.
    q().setBasisFacts(async () => ({ personId: p!, exposureDay: null, category: 'close' }));
    expect(await refusal(q().assign(undefined, actor, { ...base, exposureDate: null }))).toBe('QUARANTINE_EXPOSURE_REQUIRED');
    q().setBasisFacts(null);

    // One active stay per person.
    const rooms = (await q().getFacility(actor, facilityId)).rooms;
    const single = rooms.find((r) => r.number === '201')!;
    await q().assign(undefined, actor, { ...base, roomId: single.id });
    expect(await refusal(q().assign(undefined, actor, base))).toBe('QUARANTINE_ALREADY_ACTIVE');
    // A single room with its one bed taken is full; an occupied room's status is not set by hand.
    expect(await refusal(q().assign(undefined, actor, { ...base, personId: other!, roomId: single.id }))).toBe('QUARANTINE_ROOM_FULL');
    expect(await refusal(q().setRoomStatus(undefined, actor, facilityId, single.id, 'cleaning'))).toBe('QUARANTINE_ROOM_STATUS_INVALID');
    // A facility out of service takes nobody.
    await q().updateFacility(undefined, actor, facilityId, { active: false });
    expect(await refusal(q().assign(undefined, actor, { ...base, personId: other! }))).toBe('QUARANTINE_FACILITY_INACTIVE');

    expect(await stayRows()).toBe(1);
    expect(await status(other!)).toBe('none');
    // Occupancy as this test counts it: one person in room 201, room 202 free with its 2 beds.
    expect((await q().getFacility(actor, facilityId)).occupancy).toMatchObject({
      roomsTotal: 2,
      roomsOccupied: 1,
      roomsAvailable: 1,
      bedsTotal: 3,
      occupants: 1,
    });
  });

  it('release rules: refused with the days that block it (end not reached, pending, positive); released once the end is reached and every test is negative; never twice', async () => {
    const [p, q2] = await makePersons(t, city.street, 2);
    const s = await q().assign(undefined, actor, {
      personId: p!,
      mode: 'home',
      basis,
      reason: '中风险区来返',
      exposureDate: '2026-11-28',
      category: 'medium_risk_area',
    });
    const s2 = await q().assign(undefined, actor, {
      personId: q2!,
      mode: 'home',
      basis,
      reason: '中风险区来返',
      exposureDate: '2026-11-28',
      category: 'medium_risk_area',
    });
    await q().recordTest(undefined, actor, s2.id, { day: 1, result: 'negative' });
    await q().recordTest(undefined, actor, s2.id, { day: 4, result: 'positive' });
    const early = await q()
      .release(undefined, actor, s.id)
      .then(
        () => null,
        (e: { code: string; details: unknown }) => e,
      );
    expect(early).toMatchObject({ code: 'QUARANTINE_RELEASE_EARLY', details: { endReached: false, pendingDays: [1, 4, 7], positiveDays: [] } });

    await q().recordTest(undefined, actor, s.id, { day: 1, result: 'negative' });
    await q().recordTest(undefined, actor, s.id, { day: 4, result: 'negative' });
    expect(await refusal(q().recordTest(undefined, actor, s.id, { day: 2, result: 'negative' }))).toBe('QUARANTINE_TEST_DAY_UNKNOWN');
    // The end is reached (start of 2026-12-06), day 7 still pending: still refused, naming day 7.
    t.clock.set(startOfDay('2026-12-06', TZ) + 1);
    const pending = await q()
      .release(undefined, actor, s.id)
      .then(
        () => null,
        (e: { details: unknown }) => e,
      );
    expect(pending).toMatchObject({ details: { endReached: true, pendingDays: [7], positiveDays: [] } });
    // Criteria not met: an early-release request is possible; once met it is not needed (409).
    expect((await q().requestEarlyRelease(undefined, systemActor('requester'), s.id, { reason: '结果延误 result delayed' })).status).toBe('pending');
    await q().recordTest(undefined, actor, s.id, { day: 7, result: 'negative' });
    // Past the end of a home stay, the last negative result releases at once (no second step).
    const after = await q().getStay(actor, s.id);
    expect(after).toMatchObject({ status: 'released', releaseOverride: false });
    expect(await status(p!)).toBe('released');
    expect(await refusal(q().release(undefined, actor, s.id))).toBe('QUARANTINE_STAY_RELEASED');
    // Its pending early-release request was voided by the release.
    const [req] = await q()
      .listReleaseRequests(actor, { stayId: s.id })
      .then((r) => r.items);
    expect(req!.status).not.toBe('pending');

    // A positive result blocks release at the end, even with the last test negative; it is named.
    await q().recordTest(undefined, actor, s2.id, { day: 7, result: 'negative' });
    expect((await q().getStay(actor, s2.id)).status).toBe('active');
    const positive = await q()
      .release(undefined, actor, s2.id)
      .then(
        () => null,
        (e: { details: unknown }) => e,
      );
    expect(positive).toMatchObject({ details: { endReached: true, pendingDays: [], positiveDays: [4] } });
    expect(await status(q2!)).toBe('quarantined_home');
  });

  it('early release: the requester never decides, a rejection needs its reason; a request when the criteria already hold is refused (409, use the normal release)', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, {
      personId: p!,
      mode: 'home',
      basis,
      reason: '中风险区来返',
      exposureDate: '2026-11-28',
      category: 'medium_risk_area',
    });
    const req = await q().requestEarlyRelease(undefined, systemActor('requester'), s.id, { reason: '误判 wrongly placed' });
    expect(await refusal(q().decideEarlyRelease(undefined, systemActor('requester'), req.id, { decision: 'reject', note: '自己驳回 self-rejected' }))).toBe(
      'QUARANTINE_RELEASE_SAME_PERSON',
    );
    // A rejection by the second person needs its reason; then the stay stays active.
    expect(await refusal(q().decideEarlyRelease(undefined, systemActor('approver'), req.id, { decision: 'reject' }))).toBe('REASON_REQUIRED');
    expect(
      (await q().decideEarlyRelease(undefined, systemActor('approver'), req.id, { decision: 'reject', note: '依据不足 insufficient grounds' })).status,
    ).toBe('rejected');
    expect((await q().getStay(actor, s.id)).status).toBe('active');

    // A central stay whose phase job has not run yet: at its end with every test negative the
    // criteria hold, so an early release is not the way (409), the normal release is.
    const [c] = await makePersons(t, city.street, 1);
    const cs = await q().assign(undefined, actor, { personId: c!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' });
    t.clock.set(cs.endsAt + 1);
    for (const x of cs.tests) await q().recordTest(undefined, actor, cs.id, { day: x.day, result: 'negative' });
    expect((await q().getStay(actor, cs.id)).status).toBe('active');
    expect(await refusal(q().requestEarlyRelease(undefined, systemActor('requester'), cs.id, { reason: '期满 stay over' }))).toBe(
      'QUARANTINE_RELEASE_CRITERIA_MET',
    );
    expect((await q().release(undefined, actor, cs.id)).status).toBe('released');
  });
});
