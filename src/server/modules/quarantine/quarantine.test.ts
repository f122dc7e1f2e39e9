import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type UnitRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { addDays, DAY, HOUR, startOfDay } from '../../platform/clock.js';
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
/** An approved review record in 西陵区 (a manual_review basis must name one). */
let basis: { type: 'manual_review'; id: string };

describe.each(DIALECTS)('quarantine [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let unit: UnitRef;
  let facilityId: string;

  const q = () => t.deps.services.quarantine;
  const status = async (personId: string) => (await t.deps.services.control.explain(actor, personId)).status;
  const tasksOf = (stayId: string) => t.deps.db.selectFrom('tasks').selectAll().where('source_entity_id', '=', stayId).orderBy('due_at').execute();
  const alertsOf = (stayId: string) =>
    t.deps.db.selectFrom('notifications').selectAll().where('source_entity_id', '=', stayId).where('severity', 'is not', null).execute();
  const expectCountersMatch = async () => {
    const c = await q().occupancyCheck(facilityId);
    expect(c.counters).toEqual(c.recount);
    return c.counters;
  };

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
      lng: 111.29,
      lat: 30.7,
      staffCount: 12,
      unitId: unit.id,
    });
    facilityId = f.id;
    await q().createRooms(
      undefined,
      actor,
      facilityId,
      [101, 102, 103].map((n) => ({ number: String(n), floor: 1 })),
    );
  });
  afterEach(() => t.close());

  it('computes a 9th-edition stay: 7 days central + 3 home monitoring, tests on central days 1, 2, 3, 5, 7 and home-monitoring day 3 (stay day 10) as tasks, exposure day is day 0', async () => {
    const [p] = await makePersons(t, city.street, 1);
    // The ManualClock starts 2026-11-29 10:00 in Shanghai; exposure the day before.
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '密接集中隔离', exposureDate: '2026-11-28' });
    expect(s.preset.version).toBe('ninth-edition-2022-06@1');
    expect(s.phases.map((x) => [x.phase, x.days, x.lastDay])).toEqual([
      ['central', 7, 7],
      ['home_monitoring', 3, 10],
    ]);
    expect(s.phases[0]!.endsAt).toBe(startOfDay('2026-12-06', TZ));
    expect(s.endDay).toBe('2026-12-08');
    expect(s.endsAt).toBe(startOfDay('2026-12-09', TZ));
    expect(s.tests.map((x) => [x.day, x.date])).toEqual([
      [1, '2026-11-29'],
      [2, '2026-11-30'],
      [3, '2026-12-01'],
      [5, '2026-12-03'],
      [7, '2026-12-05'],
      [10, '2026-12-08'],
    ]);
    expect(s.tests.every((x) => x.kind === 'scheduled' && !x.notApplicable)).toBe(true);
    expect(s.dayCounter).toMatchObject({ day: 1, total: 10 });
    expect(s.dayCounter.label).toContain('第 1 天 / 共 10 天');
    expect(s.roomId).not.toBeNull();

    const control = await t.deps.services.control.explain(actor, p!);
    expect(control).toMatchObject({ status: 'quarantined_central', endsAt: startOfDay('2026-12-06', TZ), presetVersion: 'ninth-edition-2022-06@1' });
    const tasks = await tasksOf(s.id);
    expect(tasks.map((x) => [x.assignee_unit_id, Number(x.due_at)])).toEqual(s.tests.map((x) => [unit.id, startOfDay(addDays(x.date, 1), TZ)]));
    expect(s.tests.every((x) => x.taskId)).toBe(true);
  });

  it('gives a room to a contact that tracing already put under central quarantine on the same basis, without a second status change', async () => {
    const [p] = await makePersons(t, city.street, 1);
    await t.deps.db.transaction().execute((trx) =>
      t.deps.services.control.applyAutomatic(trx, actor, {
        personIds: [p!],
        to: 'quarantined_central',
        basis,
        reason: '密接（流调）',
        ifNotAllowed: 'throw',
      }),
    );
    const changesBefore = (await t.deps.services.control.history(actor, p!)).length;
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '入住隔离点', exposureDate: '2026-11-28' });
    expect(s.roomId).not.toBeNull();
    expect(await status(p!)).toBe('quarantined_central');
    expect((await t.deps.services.control.history(actor, p!)).length).toBe(changesBefore);
    // On a different basis the same status is still refused: a status never changes to itself.
    const [other] = await makePersons(t, city.street, 1);
    const otherReview = await approvedReview(t);
    await t.deps.db.transaction().execute((trx) =>
      t.deps.services.control.applyAutomatic(trx, actor, {
        personIds: [other!],
        to: 'quarantined_central',
        basis: { type: 'manual_review', id: otherReview },
        reason: '另案',
        ifNotAllowed: 'throw',
      }),
    );
    await expect(
      q().assign(undefined, actor, { personId: other!, mode: 'central', facilityId, basis, reason: '入住隔离点', exposureDate: '2026-11-28' }),
    ).rejects.toMatchObject({ code: 'CONTROL_TRANSITION_INVALID' });
    await expectCountersMatch();
  });

  it('computes a November 2022 stay (5 central + 3 home; tests central days 1, 2, 3, 5 and home days 1 and 3 = stay days 6 and 8), keeps the version it was made under, and counts from day 1 when the preset says so', async () => {
    const [a, b] = await makePersons(t, city.street, 2);
    q().setPresetSource(async () => preset(nov, 3));
    const s = await q().assign(undefined, actor, { personId: a!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-29' });
    expect(s.phases.map((x) => [x.phase, x.days])).toEqual([
      ['central', 5],
      ['home_quarantine', 3],
    ]);
    expect(s.endDay).toBe('2026-12-07');
    expect(s.tests.map((x) => x.day)).toEqual([1, 2, 3, 5, 6, 8]);
    expect(s.tests.map((x) => x.date)).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-04', '2026-12-05', '2026-12-07']);
    expect(s.dayCounter).toMatchObject({ day: 0, total: 8 });

    // Day counting: with firstDay 1 the exposure day itself is day 1, so everything ends a day earlier.
    q().setPresetSource(async () => preset({ ...nov, params: { ...nov.params, dayCounting: { firstDay: 1 } } }, 4));
    const s1 = await q().assign(undefined, actor, { personId: b!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-29' });
    expect(s1.endDay).toBe('2026-12-06');
    expect(s1.tests[0]).toMatchObject({ day: 1, date: '2026-11-29' });
    expect(s1.dayCounter).toMatchObject({ day: 1, total: 8 });

    // Switching the preset later leaves existing stays on their own version.
    q().setPresetSource(async () => preset(ninth, 9));
    expect((await q().getStay(actor, s.id)).preset.version).toBe('optimisation-2022-11@3');
  });

  it('ends the central phase with one point-to-point transfer task (点对点转运), moves to home monitoring only when the transfer is recorded, then releases when every test is negative', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' });
    expect(await expectCountersMatch()).toMatchObject({ occupants: 1, roomsOccupied: 1, roomsAvailable: 2 });
    await expect(q().recordTransfer(undefined, actor, s.id)).rejects.toMatchObject({ code: 'QUARANTINE_TRANSFER_NOT_DUE', status: 409 });

    t.clock.set(s.phases[0]!.endsAt + MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    await t.deps.services.jobs.runDueNow();
    // No silent flip at midnight: still central, in the room, with a transfer task for the facility's unit.
    const waiting = await q().getStay(actor, s.id);
    expect(waiting).toMatchObject({ phase: 'central', transfer: { due: true } });
    expect(await status(p!)).toBe('quarantined_central');
    const transferTasks = (await tasksOf(s.id)).filter((x) => x.title.startsWith('点对点转运'));
    expect(transferTasks).toHaveLength(1);
    expect(transferTasks[0]).toMatchObject({ id: waiting.transfer.taskId, assignee_unit_id: unit.id });
    expect(transferTasks[0]!.title).toContain('2026-12-05');
    expect(await expectCountersMatch()).toMatchObject({ occupants: 1 });

    await q().recordTransfer(undefined, actor, s.id, { note: '专车 鄂E·12345' });
    const mid = await q().getStay(actor, s.id);
    expect(mid.transfer.due).toBe(false);
    await expect(q().recordTransfer(undefined, actor, s.id)).rejects.toMatchObject({ code: 'QUARANTINE_TRANSFER_NOT_DUE' });
    expect(mid.phase).toBe('home_monitoring');
    expect(await status(p!)).toBe('home_monitored');
    expect(await expectCountersMatch()).toMatchObject({ occupants: 0, roomsCleaning: 1, roomsAvailable: 2 });

    for (const x of s.tests) await q().recordTest(undefined, actor, s.id, { day: x.day, result: 'negative' });
    t.clock.set(s.endsAt + MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    const done = await q().getStay(actor, s.id);
    expect(done).toMatchObject({ status: 'released', releaseOverride: false });
    expect(await status(p!)).toBe('released');
    expect(await alertsOf(s.id)).toEqual([]);
  });

  it("follows the city's active preset from the cases module when no source is injected", async () => {
    q().setPresetSource(null);
    const active = await t.deps.services.cases.presets.active();
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' });
    expect(s.preset).toEqual({ id: active.id, key: active.key, version: active.label });
    expect(s.phases.reduce((a, x) => a + x.days, 0)).toBe(s.dayCounter.total);
    const rule = active.params.contacts.close.quarantine;
    expect(s.dayCounter.total).toBe(rule.centralDays + rule.homeQuarantineDays + rule.homeMonitoringDays);
  });

  /** An early release as two people make it: a request, then a second person's approval. */
  const releaseEarly = async (stayId: string, reason: string) => {
    const r = await q().requestEarlyRelease(undefined, systemActor('requester'), stayId, { reason });
    await q().decideEarlyRelease(undefined, systemActor('approver'), r.id, { decision: 'approve' });
    return q().getStay(actor, stayId);
  };

  it('refuses a release before the criteria are met (422, nothing changes); an early release is a request a second person approves, journaled at both steps', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' });
    await expect(q().release(undefined, actor, s.id)).rejects.toMatchObject({ code: 'QUARANTINE_RELEASE_EARLY', status: 422 });
    // The reason goes through the shared rule: blank, punctuation and too short are refused, naming the field.
    for (const reason of ['  ', '。。。。。。', '转院']) {
      await expect(q().requestEarlyRelease(undefined, actor, s.id, { reason })).rejects.toMatchObject({
        code: 'REASON_REQUIRED',
        details: { field: 'reason' },
      });
    }
    expect(await t.deps.db.selectFrom('quarantine_release_requests').selectAll().execute()).toHaveLength(0);

    const requester = systemActor('requester');
    const req = await q().requestEarlyRelease(undefined, requester, s.id, { reason: '转入定点医院 Transferred to hospital' });
    expect(req).toMatchObject({ status: 'pending', stayId: s.id, requestedByName: 'requester', canDecide: false });
    // Requested, not released: the person is still held and the bed still taken.
    expect((await q().getStay(actor, s.id)).status).toBe('active');
    expect(await status(p!)).toBe('quarantined_central');
    await expect(q().requestEarlyRelease(undefined, systemActor('other'), s.id, { reason: '重复申请 second request' })).rejects.toMatchObject({
      code: 'QUARANTINE_RELEASE_REQUEST_PENDING',
      status: 409,
    });
    // The requester cannot approve their own request.
    await expect(q().decideEarlyRelease(undefined, requester, req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'QUARANTINE_RELEASE_SAME_PERSON',
      status: 403,
    });
    expect((await q().getStay(actor, s.id)).status).toBe('active');

    const approved = await q().decideEarlyRelease(undefined, systemActor('approver'), req.id, { decision: 'approve' });
    expect(approved).toMatchObject({ status: 'approved', decidedByName: 'approver' });
    const r = await q().getStay(actor, s.id);
    expect(r).toMatchObject({ status: 'released', releaseOverride: true, releaseReason: '转入定点医院 Transferred to hospital' });
    expect(await status(p!)).toBe('released');
    expect(await expectCountersMatch()).toMatchObject({ occupants: 0, roomsCleaning: 1 });
    await expect(q().decideEarlyRelease(undefined, systemActor('third'), req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'QUARANTINE_RELEASE_REQUEST_DECIDED',
    });
    const j = await t.deps.db
      .selectFrom('journal')
      .select(['action', 'actor_name'])
      .where('entity_id', '=', s.id)
      .where('action', 'like', 'quarantine.%release%')
      .orderBy('seq')
      .execute();
    expect(j.map((x) => [x.action, x.actor_name])).toEqual([
      ['quarantine.release-request.create', 'requester'],
      ['quarantine.release-request.approve', 'approver'],
      ['quarantine.stay.release', 'approver'],
    ]);
  });

  it('a rejected early-release request leaves the stay active (the rejection needs a reason); a stay released on time voids its pending request', async () => {
    const [p, p2] = await makePersons(t, city.street, 2);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'home', basis, reason: '居家', exposureDate: '2026-11-28' });
    const req = await q().requestEarlyRelease(undefined, systemActor('requester'), s.id, { reason: '核查后非密接 Not a contact after review' });
    await expect(q().decideEarlyRelease(undefined, systemActor('approver'), req.id, { decision: 'reject' })).rejects.toMatchObject({
      code: 'REASON_REQUIRED',
      details: { field: 'note' },
    });
    const rejected = await q().decideEarlyRelease(undefined, systemActor('approver'), req.id, {
      decision: 'reject',
      note: '证据不足，继续隔离 Not enough evidence',
    });
    expect(rejected).toMatchObject({ status: 'rejected', decisionNote: '证据不足，继续隔离 Not enough evidence' });
    expect((await q().getStay(actor, s.id)).status).toBe('active');
    expect(await status(p!)).toBe('quarantined_home');
    const j = await t.deps.db
      .selectFrom('journal')
      .select('action')
      .where('entity_id', '=', s.id)
      .where('action', '=', 'quarantine.release-request.reject')
      .execute();
    expect(j).toHaveLength(1);

    // On time, all negative: the stay is released by itself and the pending request lapses.
    const s2 = await q().assign(undefined, actor, { personId: p2!, mode: 'home', basis, reason: '居家', exposureDate: '2026-11-28' });
    const req2 = await q().requestEarlyRelease(undefined, systemActor('requester'), s2.id, { reason: '核查后非密接 Not a contact after review' });
    for (const x of s2.tests) await q().recordTest(undefined, actor, s2.id, { day: x.day, result: 'negative' });
    t.clock.set(s2.endsAt + HOUR);
    await q().release(undefined, actor, s2.id);
    expect((await q().listReleaseRequests(actor, { stayId: s2.id })).items.map((x) => [x.id, x.status])).toEqual([[req2.id, 'void']]);
    await expect(q().decideEarlyRelease(undefined, systemActor('approver'), req2.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'QUARANTINE_RELEASE_REQUEST_DECIDED',
    });
  });

  it('routes: a supply officer (quarantine.manage) can no longer release early; two district officers can, one requesting and the other approving', async () => {
    const xilingUnit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    const headersOf = async (roles: Parameters<typeof buildUser>[1]['roles']) =>
      sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: xilingUnit, roles }), t.clock.now());
    const supply = await headersOf(['supply_officer']);
    const officerA = await headersOf(['district_officer']);
    const officerB = await headersOf(['district_officer']);
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' });
    const url = `/api/quarantine/stays/${s.id}/release-requests`;
    const payload = { reason: '转入定点医院 Transferred to hospital' };

    const old = await t.app.inject({
      method: 'POST',
      url: `/api/quarantine/stays/${s.id}/release`,
      headers: supply,
      payload: { override: true, reason: payload.reason },
    });
    expect(old.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url, headers: supply, payload })).statusCode).toBe(403);
    const weak = await t.app.inject({ method: 'POST', url, headers: officerA, payload: { reason: '!!!!!!!!' } });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().error).toMatchObject({ code: 'REASON_REQUIRED', details: { field: 'reason' } });

    const created = await t.app.inject({ method: 'POST', url, headers: officerA, payload });
    expect(created.statusCode).toBe(201);
    const reqId = created.json().id as string;
    const pendingB = (await t.app.inject({ method: 'GET', url: '/api/quarantine/release-requests?status=pending', headers: officerB })).json();
    expect(pendingB.items.map((x: { id: string; canDecide: boolean }) => [x.id, x.canDecide])).toEqual([[reqId, true]]);
    expect(pendingB.items[0].personNameMasked).toMatch(/\*/);
    const pendingA = (await t.app.inject({ method: 'GET', url: '/api/quarantine/release-requests?status=pending', headers: officerA })).json();
    expect(pendingA.items[0].canDecide).toBe(false);

    const decide = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/api/quarantine/release-requests/${reqId}/decision`, headers, payload: { decision: 'approve' } });
    expect((await decide(supply)).statusCode).toBe(403);
    const self = await decide(officerA);
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('QUARANTINE_RELEASE_SAME_PERSON');
    expect((await q().getStay(actor, s.id)).status).toBe('active');
    const ok = await decide(officerB);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('approved');
    expect(await q().getStay(actor, s.id)).toMatchObject({ status: 'released', releaseOverride: true });
  });

  it('does not flood: a result still pending at the end gets ONE task and no alert (a second run creates nothing); the negative result releases at once', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'home', basis, reason: '居家隔离', exposureDate: '2026-11-28' });
    expect(s.ownerUnitId).toBe(unit.id);
    for (const x of s.tests.slice(0, -1)) await q().recordTest(undefined, actor, s.id, { day: x.day, result: 'negative' });
    const last = s.tests.at(-1)!;
    expect(last.day).toBe(10);
    const before = (await tasksOf(s.id)).length;

    t.clock.set(s.endsAt - HOUR);
    await t.deps.services.jobs.runDueNow();
    expect(await alertsOf(s.id)).toEqual([]);

    t.clock.set(s.endsAt + 2 * MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    expect(await alertsOf(s.id)).toEqual([]);
    const tasks = await tasksOf(s.id);
    expect(tasks.length).toBe(before + 1);
    const resultTask = tasks.find((x) => x.title.startsWith('隔离期满待检测结果'))!;
    expect(resultTask.title).toContain('第 10 天');
    const waiting = await q().getStay(actor, s.id);
    expect(waiting).toMatchObject({ status: 'active', overdue: true, resultTaskId: resultTask.id });
    // Never "day 13 of 10": the counter stops at the last day.
    expect(waiting.dayCounter).toMatchObject({ day: 10, total: 10, ended: true });

    // A second (and third) run of the job creates nothing new.
    t.clock.advance(DAY);
    await t.deps.services.jobs.runDueNow();
    expect(await t.deps.db.transaction().execute((trx) => q().checkOverdue(trx))).toBe(0);
    expect(await alertsOf(s.id)).toEqual([]);
    expect((await tasksOf(s.id)).length).toBe(before + 1);

    const done = await q().recordTest(undefined, actor, s.id, { day: 10, result: 'negative' });
    expect(done).toMatchObject({ status: 'released', releaseOverride: false });
    // The result task closes itself when the pending result arrives, naming the test that brought it.
    const closed = (await tasksOf(s.id)).find((x) => x.id === resultTask.id)!;
    const day10 = (await t.deps.db.selectFrom('quarantine_tests').select('id').where('stay_id', '=', s.id).where('day', '=', 10).executeTakeFirstOrThrow()).id;
    expect([closed.status, closed.closed_by_kind, closed.closed_by_id]).toEqual(['verified', 'quarantine_result_recorded', day10]);
  });

  it('raises the overdue alert once, only when the end has passed with nothing pending (a positive result)', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'home', basis, reason: '居家隔离', exposureDate: '2026-11-28' });
    for (const x of s.tests) await q().recordTest(undefined, actor, s.id, { day: x.day, result: x.day === 5 ? 'positive' : 'negative' });
    const before = (await tasksOf(s.id)).length;
    t.clock.set(s.endsAt + 2 * MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    const alerts = await alertsOf(s.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'warning', unit_id: unit.id });
    expect((await tasksOf(s.id)).length).toBe(before + 1);
    t.clock.advance(DAY);
    await t.deps.services.jobs.runDueNow();
    expect(await alertsOf(s.id)).toHaveLength(1);
    expect((await tasksOf(s.id)).length).toBe(before + 1);
  });

  it('counts a stay from the exposure recorded on the contact (never the placement day), and refuses an exposure after the placement day naming both dates', async () => {
    const [casePerson, contactPerson] = await makePersons(t, city.street, 2);
    const c = await t.deps.services.cases.cases.create(undefined, actor, { personId: casePerson!, kind: 'confirmed', reason: '确诊' });
    const contact = await t.deps.services.cases.tracing.addContact(undefined, actor, c.id, {
      category: 'close',
      exposureDate: '2026-11-27',
      personId: contactPerson!,
    });
    // No exposureDate in the request: the contact's own last exposure (2026-11-27) is day 0.
    const s = await q().assign(undefined, actor, {
      personId: contactPerson!,
      mode: 'central',
      facilityId,
      basis: { type: 'contact', id: contact.id },
      reason: '密接集中隔离',
    });
    expect(s).toMatchObject({ exposureDay: '2026-11-27', category: 'close', endDay: '2026-12-07', placedDay: '2026-11-29' });
    expect(s.dayCounter).toMatchObject({ day: 2, total: 10 });

    // A basis that records no date (a manual review): asked for, never defaulted to today.
    const [p] = await makePersons(t, city.street, 1);
    await expect(q().assign(undefined, actor, { personId: p!, mode: 'home', basis, reason: '居家' })).rejects.toMatchObject({
      code: 'QUARANTINE_EXPOSURE_REQUIRED',
      status: 422,
      details: { field: 'exposureDate' },
    });
    // After the placement day (today, 2026-11-29) is refused, naming both dates.
    const err = await q()
      .assign(undefined, actor, { personId: p!, mode: 'home', basis, reason: '居家', exposureDate: '2026-11-30' })
      .then(
        () => null,
        (e: unknown) => e as { code: string; message: string; details: unknown },
      );
    expect(err).toMatchObject({
      code: 'QUARANTINE_EXPOSURE_AFTER_PLACEMENT',
      details: { field: 'exposureDate', exposureDate: '2026-11-30', placementDay: '2026-11-29' },
    });
    expect(err?.message).toContain('2026-11-30');
    expect(err?.message).toContain('2026-11-29');
    expect(await status(p!)).toBe('none');
    // The contact basis belongs to another person: refused.
    await expect(
      q().assign(undefined, actor, { personId: p!, mode: 'home', basis: { type: 'contact', id: contact.id }, reason: '居家' }),
    ).rejects.toMatchObject({ code: 'QUARANTINE_BASIS_MISMATCH' });
    const routes = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers: await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), t.clock.now()),
      payload: { personId: p, mode: 'home', basis, reason: '居家', exposureDate: '2026-12-01' },
    });
    expect(routes.statusCode).toBe(422);
    expect(routes.json().error.details).toMatchObject({ exposureDate: '2026-12-01', placementDay: '2026-11-29' });
  });

  it('places a contact found on day 4: past test days are not applicable, an admission test is scheduled at once, and release at the end needs no override', async () => {
    const [p] = await makePersons(t, city.street, 1);
    // Exposure 2026-11-25 (day 0); placed 2026-11-29 = day 4 under the 9th edition.
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'home', basis, reason: '晚发现的密接', exposureDate: '2026-11-25' });
    expect(s.dayCounter).toMatchObject({ day: 4, total: 10 });
    expect(s.tests.map((x) => [x.day, x.date, x.kind, x.notApplicable])).toEqual([
      [1, '2026-11-26', 'scheduled', true],
      [2, '2026-11-27', 'scheduled', true],
      [3, '2026-11-28', 'scheduled', true],
      [4, '2026-11-29', 'admission', false],
      [5, '2026-11-30', 'scheduled', false],
      [7, '2026-12-02', 'scheduled', false],
      [10, '2026-12-05', 'scheduled', false],
    ]);
    // Tasks only for the tests that can still be taken; the admission test due today.
    const tasks = await tasksOf(s.id);
    // Each names the person (masked), so a unit's list of test days tells its people apart (issue 16).
    const who = tasks[0]!.subject!;
    expect(who).toMatch(/\*/);
    expect(tasks.map((x) => [x.subject_kind, x.subject])).toEqual(tasks.map(() => ['person', who]));
    expect(tasks.map((x) => x.title)).toEqual([
      `入住检测：隔离第 4 天（2026-11-29）：${who}`,
      `隔离第 5 天核酸检测（2026-11-30）：${who}`,
      `隔离第 7 天核酸检测（2026-12-02）：${who}`,
      `隔离第 10 天核酸检测（2026-12-05）：${who}`,
    ]);
    await expect(q().recordTest(undefined, actor, s.id, { day: 2, result: 'negative' })).rejects.toMatchObject({ code: 'QUARANTINE_TEST_NOT_APPLICABLE' });

    for (const day of [4, 5, 7, 10]) await q().recordTest(undefined, actor, s.id, { day, result: 'negative' });
    // A test-day task closes itself when its test is recorded, naming the test that closed it.
    const testIds = new Map(
      (await t.deps.db.selectFrom('quarantine_tests').selectAll().where('stay_id', '=', s.id).execute()).map((x) => [Number(x.day), x.id]),
    );
    expect((await tasksOf(s.id)).map((x) => [x.status, x.closed_by_kind, x.closed_by_id])).toEqual(
      [4, 5, 7, 10].map((d) => ['verified', 'quarantine_test_recorded', testIds.get(d)]),
    );
    t.clock.set(s.endsAt + MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    const done = await q().getStay(actor, s.id);
    expect(done).toMatchObject({ status: 'released', releaseOverride: false });
    expect(await status(p!)).toBe('released');
    expect(await alertsOf(s.id)).toEqual([]);
  });

  it('schedules no admission test when the placement day is itself a test day (found on day 3)', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '晚发现的密接', exposureDate: '2026-11-26' });
    expect(s.tests.filter((x) => x.notApplicable).map((x) => x.day)).toEqual([1, 2]);
    expect(s.tests.filter((x) => !x.notApplicable).map((x) => x.day)).toEqual([3, 5, 7, 10]);
    expect(s.tests.some((x) => x.kind === 'admission')).toBe(false);
  });

  it("9th edition: releases a secondary contact on day 7 only when their own tests and THEIR close contact's first two are negative, and upgrades them when that close contact turns positive", async () => {
    q().setPresetSource(null);
    const [casePerson, a, b, a2, c2] = await makePersons(t, city.street, 5);
    const kase = await t.deps.services.cases.cases.create(undefined, actor, { personId: casePerson!, kind: 'confirmed', reason: '确诊' });
    const addContact = (personId: string, category: 'close' | 'secondary', viaContactId?: string) =>
      t.deps.services.cases.tracing.addContact(undefined, actor, kase.id, { category, exposureDate: '2026-11-28', personId, viaContactId });
    const closeA = await addContact(a!, 'close');
    const secB = await addContact(b!, 'secondary', closeA.id);
    expect(secB.viaContactId).toBe(closeA.id);
    await expect(addContact(c2!, 'secondary', secB.id)).rejects.toMatchObject({ code: 'CONTACT_VIA_INVALID', details: { field: 'viaContactId' } });

    const stayA = await q().assign(undefined, actor, { personId: a!, mode: 'central', facilityId, basis: { type: 'contact', id: closeA.id }, reason: '密接' });
    const stayB = await q().assign(undefined, actor, { personId: b!, mode: 'home', basis: { type: 'contact', id: secB.id }, reason: '次密接' });
    // Secondary contacts: 7 days home quarantine, tests days 1, 4, 7.
    expect(stayB).toMatchObject({ category: 'secondary', endDay: '2026-12-05' });
    expect(stayB.tests.map((x) => x.day)).toEqual([1, 4, 7]);
    for (const x of stayB.tests) await q().recordTest(undefined, actor, stayB.id, { day: x.day, result: 'negative' });
    await q().recordTest(undefined, actor, stayA.id, { day: 1, result: 'negative' });

    // Day 7 is over, own tests negative, but the close contact has only one negative result: not released.
    t.clock.set(stayB.endsAt + MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    expect((await q().getStay(actor, stayB.id)).status).toBe('active');
    await expect(q().release(undefined, actor, stayB.id)).rejects.toMatchObject({ code: 'QUARANTINE_RELEASE_EARLY' });
    const pendingTask = (await tasksOf(stayB.id)).find((x) => x.title.startsWith('隔离期满待检测结果'));
    expect(pendingTask?.title).toContain('其密接的前两次核酸');
    // The close contact's second test negative: released by the next check, without an override.
    await q().recordTest(undefined, actor, stayA.id, { day: 2, result: 'negative' });
    t.clock.advance(MINUTE_MS);
    await t.deps.services.jobs.runDueNow();
    expect(await q().getStay(actor, stayB.id)).toMatchObject({ status: 'released', releaseOverride: false });

    // Another close contact turns positive: the secondary contact linked to them becomes a close contact.
    t.clock.set(stayA.createdAt);
    const closeA2 = await addContact(a2!, 'close');
    const secC = await addContact(c2!, 'secondary', closeA2.id);
    const stayA2 = await q().assign(undefined, actor, {
      personId: a2!,
      mode: 'central',
      facilityId,
      basis: { type: 'contact', id: closeA2.id },
      reason: '密接',
    });
    const stayC = await q().assign(undefined, actor, { personId: c2!, mode: 'home', basis: { type: 'contact', id: secC.id }, reason: '次密接' });
    await q().recordTest(undefined, actor, stayA2.id, { day: 1, result: 'positive' });
    const contacts = await t.deps.services.cases.tracing.listContacts(actor, { caseId: kase.id, limit: 50 });
    expect(contacts.items.find((x) => x.id === secC.id)?.category).toBe('close');
    expect((await q().getStay(actor, stayC.id)).category).toBe('close');
    expect((await tasksOf(stayC.id)).some((x) => x.title.startsWith('次密接升级为密接'))).toBe(true);
    const j = await t.deps.db.selectFrom('journal').select('action').where('entity_id', 'in', [secC.id, stayC.id]).execute();
    expect(j.map((x) => x.action)).toEqual(expect.arrayContaining(['cases.contact.upgrade', 'quarantine.stay.upgrade']));
  });

  it('keeps occupancy counters equal to a recount through assignments, capacity, cleaning and release; a full facility is a 409', async () => {
    await q().createRooms(undefined, actor, facilityId, [{ number: '201', floor: 2, capacity: 2 }]);
    await expect(q().createRooms(undefined, actor, facilityId, [{ number: '201', floor: 2 }])).rejects.toMatchObject({ code: 'QUARANTINE_ROOM_NUMBER_TAKEN' });
    const ps = await makePersons(t, city.street, 6);
    const stays = [];
    for (const p of ps.slice(0, 5))
      stays.push(await q().assign(undefined, actor, { personId: p, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' }));
    expect(await expectCountersMatch()).toMatchObject({ roomsTotal: 4, bedsTotal: 5, occupants: 5, roomsOccupied: 4, roomsAvailable: 0 });
    await expect(
      q().assign(undefined, actor, { personId: ps[5]!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' }),
    ).rejects.toMatchObject({ code: 'QUARANTINE_NO_FREE_ROOM' });
    expect(await status(ps[5]!)).toBe('none');

    const r = await releaseEarly(stays[0]!.id, '误判 Wrong identification');
    await expectCountersMatch();
    await q().setRoomStatus(undefined, actor, facilityId, r.roomId!, 'available');
    expect(await expectCountersMatch()).toMatchObject({ occupants: 4, roomsAvailable: 1 });
    const outbox = await t.deps.db
      .selectFrom('outbox')
      .select('payload')
      .where('topic', '=', 'quarantine.occupancy')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(outbox.payload)).toMatchObject({ facilityId, occupants: 4, roomsAvailable: 1 });
  });

  it('routes: a district officer assigns and sees the stay; early release is 422; records outside their district look missing', async () => {
    const officer = await buildUser(t.deps.db, {
      unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling }),
      roles: ['district_officer'],
    });
    const headers = await sessionHeaders(t.deps.db, officer, t.clock.now());
    const [p] = await makePersons(t, city.street, 1);
    const [other] = await makePersons(t, city.otherStreet, 1);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers,
      payload: { personId: p, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' },
    });
    expect(created.statusCode).toBe(201);
    const stay = created.json();
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers,
      payload: { personId: p, mode: 'central', facilityId, basis, reason: 'x', extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
    const early = await t.app.inject({ method: 'POST', url: `/api/quarantine/stays/${stay.id}/release`, headers, payload: {} });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe('QUARANTINE_RELEASE_EARLY');
    const fac = await t.app.inject({ method: 'GET', url: `/api/quarantine/facilities/${facilityId}`, headers });
    expect(fac.json().occupancy).toMatchObject({ occupants: 1, roomsAvailable: 2 });
    const list = await t.app.inject({ method: 'GET', url: `/api/quarantine/stays?status=active&facilityId=${facilityId}`, headers });
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([stay.id]);

    const outStay = await q().assign(undefined, actor, { personId: other!, mode: 'home', basis, reason: '居家', exposureDate: '2026-11-28' });
    const hidden = await t.app.inject({ method: 'GET', url: `/api/quarantine/stays/${outStay.id}`, headers });
    expect(hidden.statusCode).toBe(404);
    const outPerson = await t.app.inject({
      method: 'POST',
      url: '/api/quarantine/stays',
      headers,
      payload: { personId: other, mode: 'home', basis, reason: '居家', exposureDate: '2026-11-28' },
    });
    expect(outPerson.statusCode).toBe(404);
  });

  it('scope on every id a request names: a 西陵区 officer naming a 伍家岗区 facility, room or unit gets the same 404 as a missing one, and nothing is written', async () => {
    const officer = await buildUser(t.deps.db, {
      unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling }),
      roles: ['district_officer'],
    });
    const headers = await sessionHeaders(t.deps.db, officer, t.clock.now());
    const wjgUnit = await buildUnit(t.deps.db, { name: '伍家岗街道防控专班', jurisdiction: city.otherStreet, kind: 'street_office' });
    const cityUnit = await buildUnit(t.deps.db, { name: '市卫健委隔离专班', jurisdiction: city.city });
    const wjg = await q().createFacility(undefined, actor, {
      name: '伍家岗区集中隔离点',
      jurisdictionId: city.otherStreet.id,
      address: '伍家岗路 2 号',
      unitId: wjgUnit.id,
    });
    const [wjgRoom] = await q().createRooms(undefined, actor, wjg.id, [{ number: '201', floor: 2 }]);
    const ownRooms = (await q().getFacility(actor, facilityId)).rooms;
    const [p] = await makePersons(t, city.street, 1);
    const MISSING = '00000000-0000-7000-8000-00000000dead';
    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers, payload });
    const refusal = (r: { statusCode: number; json(): { error: { code: string } } }) => [r.statusCode, r.json().error.code];
    const journalCount = async () =>
      Number(
        (
          await t.deps.db
            .selectFrom('journal')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await journalCount();

    // Assign: another district's facility, or another district's room in one's own facility.
    const stay = (extra: object) => ({ personId: p, mode: 'central', basis, reason: '密接集中隔离', exposureDate: '2026-11-28', ...extra });
    const outFacility = await post('/api/quarantine/stays', stay({ facilityId: wjg.id }));
    expect(refusal(outFacility)).toEqual([404, 'QUARANTINE_FACILITY_NOT_FOUND']);
    expect(refusal(outFacility)).toEqual(refusal(await post('/api/quarantine/stays', stay({ facilityId: MISSING }))));
    const outRoom = await post('/api/quarantine/stays', stay({ facilityId, roomId: wjgRoom!.id }));
    expect(refusal(outRoom)).toEqual([404, 'QUARANTINE_ROOM_NOT_FOUND']);
    expect(refusal(outRoom)).toEqual(refusal(await post('/api/quarantine/stays', stay({ facilityId, roomId: MISSING }))));
    expect((await q().listStays(actor, {})).items).toHaveLength(0);
    expect(await status(p!)).toBe('none');

    // Room status: another district's room under one's own facility, or under its own facility.
    const viaOwn = await post(`/api/quarantine/facilities/${facilityId}/rooms/${wjgRoom!.id}/status`, { status: 'out_of_service' });
    expect(refusal(viaOwn)).toEqual([404, 'QUARANTINE_ROOM_NOT_FOUND']);
    expect(refusal(viaOwn)).toEqual(refusal(await post(`/api/quarantine/facilities/${facilityId}/rooms/${MISSING}/status`, { status: 'out_of_service' })));
    const direct = await post(`/api/quarantine/facilities/${wjg.id}/rooms/${wjgRoom!.id}/status`, { status: 'out_of_service' });
    expect(direct.statusCode).toBe(404);
    expect(refusal(direct)).toEqual(refusal(await post(`/api/quarantine/facilities/${MISSING}/rooms/${wjgRoom!.id}/status`, { status: 'out_of_service' })));

    expect(await journalCount()).toBe(before);

    // Transfer of a stay held in another district (its person and facility both there).
    const [q2] = await makePersons(t, city.otherStreet, 1);
    const wjgStay = await q().assign(undefined, actor, {
      personId: q2!,
      mode: 'central',
      facilityId: wjg.id,
      basis,
      reason: '密接',
      exposureDate: '2026-11-28',
    });
    const afterSetup = await journalCount();
    const transfer = await post(`/api/quarantine/stays/${wjgStay.id}/transfer`, { note: '专车' });
    expect(transfer.statusCode).toBe(404);
    expect(refusal(transfer)).toEqual(refusal(await post(`/api/quarantine/stays/${MISSING}/transfer`, { note: '专车' })));

    // The unit named to run a facility: not another district's (a city team above it may).
    const outUnit = await post('/api/quarantine/facilities', {
      name: '西陵区新隔离点',
      jurisdictionId: city.street.id,
      address: '西陵二路 3 号',
      unitId: wjgUnit.id,
    });
    expect(refusal(outUnit)).toEqual([404, 'QUARANTINE_UNIT_NOT_FOUND']);
    expect(refusal(outUnit)).toEqual(
      refusal(await post('/api/quarantine/facilities', { name: '西陵区新隔离点', jurisdictionId: city.street.id, address: '西陵二路 3 号', unitId: MISSING })),
    );
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/quarantine/facilities/${facilityId}`, headers, payload: { unitId: wjgUnit.id } });
    expect(refusal(patch)).toEqual([404, 'QUARANTINE_UNIT_NOT_FOUND']);
    expect((await q().listFacilities(actor, {})).items.map((f) => f.name).sort()).toEqual(['伍家岗区集中隔离点', '西陵区集中隔离点']);
    expect((await q().getFacility(actor, facilityId)).unitId).toBe(unit.id);

    // Nothing was written: rooms, counters and the journal are as they were.
    const wjgAfter = await q().getFacility(actor, wjg.id);
    expect(wjgAfter.rooms.map((r) => [r.status, r.occupants])).toEqual([['occupied', 1]]);
    expect((await q().getFacility(actor, facilityId)).rooms).toEqual(ownRooms);
    expect((await q().getStay(actor, wjgStay.id)).phase).toBe('central');
    expect(await journalCount()).toBe(afterSetup);

    const cityRun = await post('/api/quarantine/facilities', {
      name: '西陵区市级隔离点',
      jurisdictionId: city.street.id,
      address: '西陵三路 5 号',
      unitId: cityUnit.id,
    });
    expect(cityRun.statusCode).toBe(201);
    expect(cityRun.json().unitId).toBe(cityUnit.id);
  });

  it('previews the stay the active preset gives before assigning, and labels listed stays with a masked name, facility and room', async () => {
    const officer = await buildUser(t.deps.db, {
      unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling }),
      roles: ['district_officer'],
    });
    const headers = await sessionHeaders(t.deps.db, officer, t.clock.now());
    const plan = await t.app.inject({ method: 'GET', url: '/api/quarantine/plan?mode=central&exposureDate=2026-11-28', headers });
    expect(plan.statusCode).toBe(200);
    expect(plan.json()).toMatchObject({ preset: { version: 'ninth-edition-2022-06@1' }, firstDay: 0, totalDays: 10, endDay: '2026-12-08' });
    expect(plan.json().tests.map((x: { day: number }) => x.day)).toEqual([1, 2, 3, 5, 7, 10]);
    const home = await t.app.inject({ method: 'GET', url: '/api/quarantine/plan?mode=home&category=secondary&exposureDate=2026-11-28', headers });
    // The plan is never counted from today by default: no exposure date, no plan.
    const none = await t.app.inject({ method: 'GET', url: '/api/quarantine/plan?mode=home', headers });
    expect(none.statusCode).toBe(422);
    expect(none.json().error).toMatchObject({ code: 'QUARANTINE_EXPOSURE_REQUIRED', details: { field: 'exposureDate' } });
    expect(home.json().phases.map((x: { phase: string }) => x.phase)).toEqual(['home_quarantine']);
    expect((await t.app.inject({ method: 'GET', url: '/api/quarantine/plan?mode=elsewhere', headers })).statusCode).toBe(400);

    const [p] = await makePersons(t, city.street, 1);
    const s = await q().assign(undefined, actor, { personId: p!, mode: 'central', facilityId, basis, reason: '密接', exposureDate: '2026-11-28' });
    // What the dialog showed is what the stay became.
    expect([s.endDay, s.tests.map((x) => x.date)]).toEqual([plan.json().endDay, plan.json().tests.map((x: { date: string }) => x.date)]);
    const list = (await t.app.inject({ method: 'GET', url: '/api/quarantine/stays?status=active', headers })).json();
    const row = list.items.find((x: { id: string }) => x.id === s.id);
    expect(row).toMatchObject({ facilityName: '西陵区集中隔离点', roomNumber: '101' });
    expect(row.personNameMasked).toMatch(/\*/);
    const person = await t.deps.services.population.get(actor, p!);
    expect(row.personNameMasked).not.toBe(person.name);
    expect(row.homePlace).toBeNull();

    // A home stay names the home, to building level only (compound · building, no room).
    const [h] = await makePersons(t, city.street, 1);
    const hs = await q().assign(undefined, actor, { personId: h!, mode: 'home', basis, reason: '居家隔离', exposureDate: '2026-11-28' });
    const homes = (await t.app.inject({ method: 'GET', url: '/api/quarantine/stays?status=active', headers })).json();
    expect(homes.items.find((x: { id: string }) => x.id === hs.id)).toMatchObject({ mode: 'home', homePlace: '滨江苑 · 1栋' });
  });
});

const MINUTE_MS = 60_000;
