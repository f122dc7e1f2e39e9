import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { DAY } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { ControlStatus } from './control.service.js';
import { makePersons, makeVisitor, acceptAnyBasis, approvedReview } from './control.test-helpers.js';

/** A signed-in user as the policy hook would build it. */
function userActor(name: string, roles: Role[], scope: JurisdictionRef | '/'): Actor {
  return {
    kind: 'user',
    userId: newId(),
    name,
    unitId: null,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: scope === '/' ? '/' : scope.path,
    sessionId: null,
  };
}

/** The AppError a promise rejects with (fails the test if it resolves). */
async function appError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to be refused').toBeInstanceOf(AppError);
  return err as AppError;
}

describe.each(DIALECTS)('control status guard [%s]', (dialect) => {
  let env: TestEnv;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let commander: Actor;
  let officer: Actor;
  let officer2: Actor;
  let wjgOfficer: Actor;
  const system = systemActor('testing');
  /** An approved review record (研判记录) the manual_review bases below cite. */
  let rv: string;

  beforeAll(async () => {
    env = await testEnv(dialect);
    acceptAnyBasis(env.deps.services.control);
    city = await buildMiniCity(env.deps.db);
    rv = await approvedReview(env, { jurisdictionId: city.xiling.id });
    commander = userActor('commander', ['commander'], '/');
    officer = userActor('xiling_officer', ['district_officer'], city.xiling);
    officer2 = userActor('xiling_officer2', ['district_officer'], city.xiling);
    wjgOfficer = userActor('wujiagang_officer', ['district_officer'], city.wujiagang);
  });
  afterAll(() => env.close());

  const control = () => env.deps.services.control;
  const rowsOf = async (table: 'control_statuses' | 'control_status_changes' | 'control_bulk_requests') =>
    Number(
      (
        await env.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const statusOf = async (personId: string) => (await control().statusesOf([personId])).get(personId)!.status;

  it('refuses a change with no basis (422 CONTROL_BASIS_REQUIRED) and writes nothing', async () => {
    const [p] = await makePersons(env, city.street, 1);
    const before = {
      statuses: await rowsOf('control_statuses'),
      changes: await rowsOf('control_status_changes'),
      journal: await env.deps.services.journal.count(),
    };
    for (const basis of [undefined, null, { type: 'tube' as const, id: '' }, { type: 'tube' as const, id: '   ' }]) {
      const err = await appError(control().requestChange(undefined, officer, { personIds: [p], to: 'quarantined_home', basis, reason: '密接' }));
      expect(err).toMatchObject({ code: 'CONTROL_BASIS_REQUIRED', status: 422 });
    }
    const auto = await appError(
      inTx(env.deps.db, (trx) => control().applyAutomatic(trx, system, { personIds: [p], to: 'pending_recheck', reason: '混管阳性' })),
    );
    expect(auto).toMatchObject({ code: 'CONTROL_BASIS_REQUIRED', status: 422 });
    expect(await rowsOf('control_statuses')).toBe(before.statuses);
    expect(await rowsOf('control_status_changes')).toBe(before.changes);
    expect(await env.deps.services.journal.count()).toBe(before.journal);
    expect(await statusOf(p)).toBe('none');
  });

  it('refuses a change with no reason (422 REASON_REQUIRED) and writes nothing', async () => {
    const [p] = await makePersons(env, city.street, 1);
    for (const reason of [undefined, '', '  \n ']) {
      const err = await appError(
        control().requestChange(undefined, officer, { personIds: [p], to: 'quarantined_home', basis: { type: 'contact', id: 'link-1' }, reason }),
      );
      expect(err).toMatchObject({ code: 'REASON_REQUIRED', status: 422 });
    }
    expect(await statusOf(p)).toBe('none');
    expect(await control().history(officer, p)).toEqual([]);
  });

  it('refuses a basis whose record does not exist once its module registered a validator', async () => {
    const [p] = await makePersons(env, city.street, 1);
    const known = new Set(['case-known']);
    control().registerBasisValidator('case', async (_trx, id) => known.has(id));
    const err = await appError(
      control().requestChange(undefined, officer, {
        personIds: [p],
        to: 'quarantined_central',
        basis: { type: 'case', id: 'case-unknown' },
        reason: '确诊病例',
      }),
    );
    expect(err).toMatchObject({ code: 'CONTROL_BASIS_NOT_FOUND', status: 422 });
    expect(await statusOf(p)).toBe('none');
    const ok = await control().requestChange(undefined, officer, {
      personIds: [p],
      to: 'quarantined_central',
      basis: { type: 'case', id: 'case-known' },
      reason: '确诊病例',
    });
    expect(ok).toMatchObject({ kind: 'applied', applied: 1 });
    expect(await statusOf(p)).toBe('quarantined_central');
  });

  it('refuses an illegal transition with 409 CONTROL_TRANSITION_INVALID and leaves the status as it was', async () => {
    const [p, q] = await makePersons(env, city.street, 2);
    const basis = { type: 'contact' as const, id: 'link-9' };
    await control().requestChange(undefined, officer, { personIds: [p], to: 'quarantined_home', basis, reason: '密接' });
    // quarantined_home → pending_recheck is a loosening the rules do not list.
    const down = await appError(
      control().requestChange(undefined, officer, { personIds: [p], to: 'pending_recheck', basis: { type: 'tube', id: 'T1' }, reason: '复核' }),
    );
    expect(down).toMatchObject({ code: 'CONTROL_TRANSITION_INVALID', status: 409 });
    // none → released: nothing to release.
    const rel = await appError(
      control().requestChange(undefined, officer, { personIds: [q], to: 'released', basis: { type: 'manual_review', id: rv }, reason: '解除' }),
    );
    expect(rel.code).toBe('CONTROL_TRANSITION_INVALID');
    // A stricter measure is allowed, but only on a new basis.
    const same = await appError(control().requestChange(undefined, officer, { personIds: [p], to: 'quarantined_central', basis, reason: '升级' }));
    expect(same.code).toBe('CONTROL_TRANSITION_INVALID');
    expect(await statusOf(p)).toBe('quarantined_home');
    expect(await statusOf(q)).toBe('none');
    await control().requestChange(undefined, officer, {
      personIds: [p],
      to: 'quarantined_central',
      basis: { type: 'case', id: 'case-known' },
      reason: '转集中隔离',
    });
    expect(await statusOf(p)).toBe('quarantined_central');
    // One illegal person refuses the whole manual change.
    const mixed = await appError(
      control().requestChange(undefined, officer, { personIds: [p, q], to: 'released', basis: { type: 'manual_review', id: rv }, reason: '解除' }),
    );
    expect(mixed.code).toBe('CONTROL_TRANSITION_INVALID');
    expect(mixed.details).toMatchObject({ refused: [{ personId: q, status: 'none' }], count: 1 });
    expect(await statusOf(p)).toBe('quarantined_central');
    expect(await statusOf(q)).toBe('none');
  });

  it('refuses an end time on a status that is not a measure, and one in the past', async () => {
    const [p] = await makePersons(env, city.street, 1);
    const now = env.clock.now();
    const past = await appError(
      control().requestChange(undefined, officer, {
        personIds: [p],
        to: 'quarantined_home',
        basis: { type: 'contact', id: 'L' },
        reason: '密接',
        endsAt: now - 1,
      }),
    );
    expect(past).toMatchObject({ code: 'CONTROL_ENDS_AT_INVALID', status: 422 });
    await control().requestChange(undefined, officer, {
      personIds: [p],
      to: 'quarantined_home',
      basis: { type: 'contact', id: 'L' },
      reason: '密接',
      endsAt: now + 7 * DAY,
    });
    const rel = await appError(
      control().requestChange(undefined, officer, {
        personIds: [p],
        to: 'released',
        basis: { type: 'manual_review', id: rv },
        reason: '期满',
        endsAt: now + DAY,
      }),
    );
    expect(rel.code).toBe('CONTROL_ENDS_AT_INVALID');
  });

  it('applies the automatic change of a positive tube to its 10 persons at once, journaled as one batch', async () => {
    const persons = await makePersons(env, city.street, 10);
    // One of them is already in central quarantine: stricter, so left as is (not a failure).
    await control().requestChange(undefined, officer, {
      personIds: [persons[9]],
      to: 'quarantined_central',
      basis: { type: 'case', id: 'case-known' },
      reason: '确诊',
    });
    const result = await inTx(env.deps.db, (trx) =>
      control().applyAutomatic(trx, system, {
        personIds: persons,
        to: 'pending_recheck',
        basis: { type: 'tube', id: 'TUBE-0001' },
        reason: '10合1混管阳性',
        presetVersion: '9',
      }),
    );
    expect(result.applied).toBe(9);
    expect(result.skipped).toEqual([{ personId: persons[9], status: 'quarantined_central', problem: expect.any(String) }]);
    for (const p of persons.slice(0, 9)) expect(await statusOf(p)).toBe('pending_recheck');
    expect(await statusOf(persons[9])).toBe('quarantined_central');

    const [entry] = await env.deps.services.journal.list(env.deps.db, { limit: 1, action: 'control.status.change' });
    expect(entry.seq).toBe(result.journalSeq);
    expect(entry).toMatchObject({
      batchCount: 9,
      entityType: 'person',
      reason: '10合1混管阳性',
      payload: { mode: 'automatic', to: 'pending_recheck', basis: { type: 'tube', id: 'TUBE-0001' }, count: 9 },
    });
    expect(entry.batchDigest).toMatch(/^[0-9a-f]{64}$/);
    const hist = await control().history(commander, persons[0]);
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({
      from: 'none',
      to: 'pending_recheck',
      mode: 'automatic',
      basis: { type: 'tube', id: 'TUBE-0001' },
      presetVersion: '9',
      journalSeq: entry.seq,
      actor: { id: null, name: 'testing' },
    });
    expect((await env.deps.services.journal.verify()).ok).toBe(true);
  });

  it("automatic changes take part in the caller's transaction: a rollback leaves nothing behind", async () => {
    const persons = await makePersons(env, city.street, 3);
    const journal = await env.deps.services.journal.count();
    await expect(
      inTx(env.deps.db, async (trx) => {
        await control().applyAutomatic(trx, system, { personIds: persons, to: 'pending_recheck', basis: { type: 'tube', id: 'T-RB' }, reason: '混管阳性' });
        throw new Error('lab upload failed');
      }),
    ).rejects.toThrow('lab upload failed');
    for (const p of persons) expect(await statusOf(p)).toBe('none');
    expect(await env.deps.services.journal.count()).toBe(journal);
  });

  it('a manual change over the threshold waits for a second approver; its requester cannot approve it', async () => {
    await control().setBulkThreshold(undefined, commander, 5);
    expect(await control().bulkThreshold()).toBe(5);
    const persons = await makePersons(env, city.street, 6);
    const r = await control().requestChange(undefined, officer, {
      personIds: persons,
      to: 'quarantined_home',
      basis: { type: 'risk_area', id: 'AREA-7' },
      reason: '高风险区居家隔离',
      endsAt: env.clock.now() + 7 * DAY,
    });
    expect(r.kind).toBe('pending');
    if (r.kind !== 'pending') return;
    const req = r.bulkRequest;
    expect(req).toMatchObject({ status: 'pending', personCount: 6, to: 'quarantined_home', requestedBy: { id: officer.userId } });
    expect(req.jurisdictionPath.startsWith(city.street.path)).toBe(true);
    for (const p of persons) expect(await statusOf(p)).toBe('none');
    expect((await control().listBulkRequests(officer2, { status: 'pending' })).items.map((x) => x.id)).toContain(req.id);
    // Another district's officer does not see it at all.
    expect((await control().listBulkRequests(wjgOfficer, { status: 'pending' })).items.map((x) => x.id)).not.toContain(req.id);
    expect(await appError(control().approveBulk(undefined, wjgOfficer, req.id))).toMatchObject({ code: 'CONTROL_BULK_REQUEST_NOT_FOUND', status: 404 });

    const self = await appError(control().approveBulk(undefined, officer, req.id, '我批准'));
    expect(self).toMatchObject({ code: 'CONTROL_SELF_APPROVAL', status: 403 });
    for (const p of persons) expect(await statusOf(p)).toBe('none');

    const journalBefore = await env.deps.services.journal.count();
    const done = await control().approveBulk(undefined, officer2, req.id, '核实无误');
    expect(done).toMatchObject({ status: 'applied', approvedBy: { id: officer2.userId, name: 'xiling_officer2' }, approvalNote: '核实无误' });
    for (const p of persons) expect(await statusOf(p)).toBe('quarantined_home');
    // One approval entry and one entry per person.
    const entries = await env.deps.services.journal.list(env.deps.db, { limit: 50 });
    const added = entries.filter((e) => e.seq > journalBefore);
    expect(added.filter((e) => e.action === 'control.bulk.approve')).toHaveLength(1);
    const perPerson = added.filter((e) => e.action === 'control.status.change');
    expect(perPerson.map((e) => e.entityId).sort()).toEqual([...persons].sort());
    expect(perPerson[0]).toMatchObject({ actorId: officer2.userId, payload: { mode: 'bulk', bulkRequestId: req.id, from: 'none', to: 'quarantined_home' } });
    const hist = await control().history(officer, persons[0]);
    expect(hist[0]).toMatchObject({
      mode: 'bulk',
      actor: { id: officer2.userId },
      bulkRequest: { id: req.id, requestedBy: { id: officer.userId }, approvedBy: { id: officer2.userId } },
    });
    // Decided once only.
    expect(await appError(control().approveBulk(undefined, commander, req.id))).toMatchObject({ code: 'CONTROL_BULK_NOT_PENDING', status: 409 });
    await control().setBulkThreshold(undefined, commander, 20);
  });

  it("an approval that no longer fits a person's status is refused whole (409) and the request stays pending", async () => {
    await control().setBulkThreshold(undefined, commander, 2);
    const persons = await makePersons(env, city.street, 3);
    const r = await control().requestChange(undefined, officer, {
      personIds: persons,
      to: 'pending_recheck',
      basis: { type: 'manual_review', id: rv },
      reason: '重点人员待复核',
    });
    if (r.kind !== 'pending') throw new Error('expected a pending bulk request');
    // Meanwhile one of them becomes a case contact in central quarantine.
    // (the cases module's automatic change: the officer's own manual changes are already past the threshold)
    await env.deps.db.transaction().execute((trx) =>
      control().applyAutomatic(trx, officer, {
        personIds: [persons[2]],
        to: 'quarantined_central',
        basis: { type: 'case', id: 'case-known' },
        reason: '确诊病例密接',
      }),
    );
    const err = await appError(control().approveBulk(undefined, officer2, r.bulkRequest.id));
    expect(err).toMatchObject({
      code: 'CONTROL_TRANSITION_INVALID',
      status: 409,
      details: { refused: [{ personId: persons[2], status: 'quarantined_central' }] },
    });
    expect(await statusOf(persons[0])).toBe('none');
    expect(await statusOf(persons[2])).toBe('quarantined_central');
    expect((await control().getBulkRequest(officer2, r.bulkRequest.id)).status).toBe('pending');
    // A change that could never apply is refused when asked, not sent for approval.
    const never = await appError(
      control().requestChange(undefined, officer, { personIds: persons, to: 'released', basis: { type: 'manual_review', id: rv }, reason: '解除' }),
    );
    expect(never.code).toBe('CONTROL_TRANSITION_INVALID');
    await control().setBulkThreshold(undefined, commander, 20);
  });

  it('a rejected bulk request changes nobody and can no longer be approved', async () => {
    await control().setBulkThreshold(undefined, commander, 2);
    const persons = await makePersons(env, city.street, 3);
    const r = await control().requestChange(undefined, officer, {
      personIds: persons,
      to: 'home_monitored',
      basis: { type: 'risk_area', id: 'AREA-8' },
      reason: '低风险区健康监测',
    });
    if (r.kind !== 'pending') throw new Error('expected a pending bulk request');
    expect(await appError(control().rejectBulk(undefined, officer2, r.bulkRequest.id, ''))).toMatchObject({ code: 'REASON_REQUIRED' });
    const rejected = await control().rejectBulk(undefined, officer2, r.bulkRequest.id, '范围过大，一刀切');
    expect(rejected).toMatchObject({ status: 'rejected', rejectedBy: { id: officer2.userId }, rejectReason: '范围过大，一刀切', appliedAt: null });
    for (const p of persons) {
      expect(await statusOf(p)).toBe('none');
      expect(await control().history(officer, p)).toEqual([]);
    }
    expect(await appError(control().approveBulk(undefined, commander, r.bulkRequest.id))).toMatchObject({ code: 'CONTROL_BULK_NOT_PENDING' });
    for (const p of persons) expect(await statusOf(p)).toBe('none');
    await control().setBulkThreshold(undefined, commander, 20);
  });

  it("explains a person's measure: the basis chain with who, when and why", async () => {
    const [p] = await makePersons(env, city.street, 1);
    const [review5, review6] = [await approvedReview(env, { jurisdictionId: city.xiling.id }), await approvedReview(env, { jurisdictionId: city.xiling.id })];
    const steps: { to: ControlStatus; basis: { type: 'tube' | 'case' | 'recheck' | 'manual_review'; id: string }; reason: string; by: Actor }[] = [
      { to: 'pending_recheck', basis: { type: 'tube', id: 'TUBE-77' }, reason: '混管阳性', by: system },
      { to: 'quarantined_central', basis: { type: 'recheck', id: 'RECHECK-77-3' }, reason: '单管复核阳性', by: officer },
      { to: 'home_monitored', basis: { type: 'manual_review', id: review5 }, reason: '隔离期满转居家健康监测', by: officer2 },
      { to: 'released', basis: { type: 'manual_review', id: review6 }, reason: '监测期满解除', by: officer },
    ];
    for (const [i, s] of steps.entries()) {
      env.clock.advance(DAY);
      if (i === 0) await inTx(env.deps.db, (trx) => control().applyAutomatic(trx, s.by, { personIds: [p], to: s.to, basis: s.basis, reason: s.reason }));
      else await control().requestChange(undefined, s.by, { personIds: [p], to: s.to, basis: s.basis, reason: s.reason });
    }
    const x = await control().explain(officer, p);
    expect(x).toMatchObject({ personId: p, status: 'released', since: env.clock.now(), basis: { type: 'manual_review', id: review6 }, reason: '监测期满解除' });
    expect(x.history.map((h) => [h.from, h.to, h.basis.id, h.reason, h.actor.name])).toEqual([
      ['none', 'pending_recheck', 'TUBE-77', '混管阳性', 'testing'],
      ['pending_recheck', 'quarantined_central', 'RECHECK-77-3', '单管复核阳性', 'xiling_officer'],
      ['quarantined_central', 'home_monitored', review5, '隔离期满转居家健康监测', 'xiling_officer2'],
      ['home_monitored', 'released', review6, '监测期满解除', 'xiling_officer'],
    ]);
    expect(x.history.map((h) => h.at)).toEqual([3, 2, 1, 0].map((d) => env.clock.now() - d * DAY));
    // A person never under a measure is `none` with an empty chain.
    const [q] = await makePersons(env, city.street, 1);
    expect(await control().explain(officer, q)).toMatchObject({ status: 'none', since: null, basis: null, history: [] });
  });

  it('a 西陵区 user cannot see or change a 伍家岗区 person (404, like a missing one)', async () => {
    const [other] = await makePersons(env, city.otherStreet, 1);
    expect(await appError(control().explain(officer, other))).toMatchObject({ code: 'CONTROL_PERSON_NOT_FOUND', status: 404 });
    expect(await appError(control().explain(officer, newId()))).toMatchObject({ code: 'CONTROL_PERSON_NOT_FOUND', status: 404 });
    const change = await appError(
      control().requestChange(undefined, officer, { personIds: [other], to: 'quarantined_home', basis: { type: 'contact', id: 'L2' }, reason: '密接' }),
    );
    expect(change).toMatchObject({ code: 'CONTROL_PERSON_NOT_FOUND', status: 404 });
    expect(await statusOf(other)).toBe('none');
    expect((await control().explain(wjgOfficer, other)).status).toBe('none');
  });

  it('keeps the per-jurisdiction counts equal to a full recount, and scopes the summary', async () => {
    const west = await makePersons(env, city.street, 4);
    const east = await makePersons(env, city.otherStreet, 3);
    await inTx(env.deps.db, (trx) =>
      control().applyAutomatic(trx, system, {
        personIds: [...west, ...east],
        to: 'pending_recheck',
        basis: { type: 'tube', id: 'TUBE-SUM' },
        reason: '混管阳性',
      }),
    );
    await control().requestChange(undefined, officer, {
      personIds: west.slice(0, 2),
      to: 'quarantined_central',
      basis: { type: 'recheck', id: 'RC-1' },
      reason: '复核阳性',
    });
    await control().requestChange(undefined, wjgOfficer, { personIds: [east[0]], to: 'none', basis: { type: 'recheck', id: 'RC-2' }, reason: '复核阴性' });
    await control().requestChange(undefined, officer, { personIds: [west[0]], to: 'released', basis: { type: 'manual_review', id: rv }, reason: '解除' });

    for (const path of ['/', city.city.path, city.xiling.path, city.wujiagang.path, city.street.path, city.otherStreet.path]) {
      expect(await control().summary(commander, path), path).toEqual(await control().recount(path));
    }
    const west1 = await control().summary(officer);
    expect(west1.jurisdictionPath).toBe(city.xiling.path);
    const east1 = await control().summary(wjgOfficer);
    expect(east1.counts.pending_recheck).toBe((await control().recount(city.wujiagang.path)).counts.pending_recheck);
    // Nothing outside the caller's district: not a sibling district, not the whole city.
    expect(await appError(control().summary(officer, city.wujiagang.path))).toMatchObject({ status: 404 });
    expect(await appError(control().summary(officer, city.city.path))).toMatchObject({ status: 404 });
    expect(await control().summaryOf(officer, city.xiling.id)).toEqual(west1);
    expect(await appError(control().summaryOf(officer, city.wujiagang.id))).toMatchObject({ status: 404 });
    // Someone moves house: the counts follow.
    await inTx(env.deps.db, (trx) => control().relocate(trx, west[1], city.otherStreet.path));
    for (const path of [city.xiling.path, city.wujiagang.path, '/']) {
      expect(await control().summary(commander, path), path).toEqual(await control().recount(path));
    }
  });

  it("a merge counts the person once: the merged record's measure is retired (journaled), the kept record carries the stricter one", async () => {
    const cityOfficer = userActor('city_officer', ['district_officer'], '/');
    const paths = ['/', city.city.path, city.xiling.path, city.wujiagang.path, city.street.path, city.otherStreet.path];
    const underMeasure = async () =>
      Object.fromEntries(await Promise.all(paths.map(async (p) => [p, (await control().summary(commander, p)).underMeasure] as const)));
    // A visitor staying in 伍家岗区 is a close contact in central quarantine; the same person's
    // resident record in 西陵区 has no status. A second visitor (home-monitored) matches a resident
    // who is already pending recheck, the stricter of the two.
    const contactVisitor = await makeVisitor(env, city.otherStreet);
    const monitoredVisitor = await makeVisitor(env, city.otherStreet);
    const [resident, pendingResident] = await makePersons(env, city.street, 2);
    await inTx(env.deps.db, (trx) =>
      control().applyAutomatic(trx, system, {
        personIds: [contactVisitor],
        to: 'quarantined_central',
        basis: { type: 'contact', id: 'LINK-M1' },
        reason: '密接',
      }),
    );
    await inTx(env.deps.db, (trx) =>
      control().applyAutomatic(trx, system, {
        personIds: [monitoredVisitor],
        to: 'home_monitored',
        basis: { type: 'risk_area', id: 'AREA-M' },
        reason: '低风险区',
      }),
    );
    await inTx(env.deps.db, (trx) =>
      control().applyAutomatic(trx, system, { personIds: [pendingResident], to: 'pending_recheck', basis: { type: 'tube', id: 'TUBE-M' }, reason: '混管阳性' }),
    );
    const before = await underMeasure();

    await env.deps.services.population.merge(undefined, cityOfficer, contactVisitor, resident, '同一人：护照与身份证登记');
    await env.deps.services.population.merge(undefined, cityOfficer, monitoredVisitor, pendingResident, '同一人：重复登记');

    // Counts equal a full recount everywhere, and each person is counted once, where the kept record lives.
    for (const path of paths) expect(await control().summary(commander, path), path).toEqual(await control().recount(path));
    const after = await underMeasure();
    expect(after['/']).toBe(before['/'] - 2 + 1); // two visitors retired, one resident newly quarantined
    expect(after[city.otherStreet.path]).toBe(before[city.otherStreet.path] - 2);
    expect(after[city.street.path]).toBe(before[city.street.path] + 1);
    expect((await control().summary(commander, city.street.path)).counts.quarantined_central).toBe(
      (await control().recount(city.street.path)).counts.quarantined_central,
    );

    // The kept records: the stricter measure, citing the basis it rests on.
    expect(await control().getStatus(commander, resident)).toMatchObject({ status: 'quarantined_central', basis: { type: 'contact', id: 'LINK-M1' } });
    expect(await control().getStatus(commander, pendingResident)).toMatchObject({ status: 'pending_recheck', basis: { type: 'tube', id: 'TUBE-M' } });

    // The merged record keeps its history, which now ends with the retirement on the same basis.
    const explained = await control().explain(commander, contactVisitor);
    expect(explained).toMatchObject({ status: 'none', basis: { type: 'contact', id: 'LINK-M1' } });
    expect(explained.history.map((c) => [c.from, c.to, c.mode])).toEqual([
      ['none', 'quarantined_central', 'automatic'],
      ['quarantined_central', 'none', 'automatic'],
    ]);
    const retire = explained.history[1];
    expect(retire.basis).toEqual({ type: 'contact', id: 'LINK-M1' });
    const [entry] = await env.deps.services.journal
      .list(env.deps.db, { entityType: 'person', entityId: contactVisitor, action: 'control.status.change', limit: 10 })
      .then((l) => l.filter((e) => e.seq === retire.journalSeq));
    expect(entry).toMatchObject({ payload: { from: 'quarantined_central', to: 'none', mergedInto: resident } });
    expect((await env.deps.services.journal.verify()).ok).toBe(true);

    // A visitor with no status merges without a control step.
    const plainVisitor = await makeVisitor(env, city.otherStreet);
    const [plainResident] = await makePersons(env, city.street, 1);
    const changesBefore = await rowsOf('control_status_changes');
    await env.deps.services.population.merge(undefined, cityOfficer, plainVisitor, plainResident, '同一人');
    expect(await rowsOf('control_status_changes')).toBe(changesBefore);
    expect(await statusOf(plainVisitor)).toBe('none');
  });

  it('a pending bulk request naming a merged record applies to the kept record once approved', async () => {
    await control().setBulkThreshold(undefined, commander, 2);
    const visitor = await makeVisitor(env, city.street);
    const [resident, ...others] = await makePersons(env, city.street, 3);
    const r = await control().requestChange(undefined, officer, {
      personIds: [visitor, ...others],
      to: 'home_monitored',
      basis: { type: 'risk_area', id: 'AREA-MERGE' },
      reason: '低风险区健康监测',
    });
    expect(r.kind).toBe('pending');
    if (r.kind !== 'pending') return;
    await env.deps.services.population.merge(undefined, officer, visitor, resident, '同一人');
    const req = await control().getBulkRequest(officer2, r.bulkRequest.id);
    expect(req.personIds).toEqual([resident, ...others]);
    expect(
      (await env.deps.services.journal.list(env.deps.db, { entityType: 'control_bulk_request', entityId: req.id, action: 'control.bulk.merge', limit: 5 }))[0],
    ).toMatchObject({ payload: { fromPersonId: visitor, intoPersonId: resident } });

    await control().approveBulk(undefined, officer2, req.id, '核实无误');
    expect(await statusOf(resident)).toBe('home_monitored');
    expect(await statusOf(visitor)).toBe('none');
    for (const path of ['/', city.xiling.path, city.street.path]) expect(await control().summary(commander, path), path).toEqual(await control().recount(path));
    await control().setBulkThreshold(undefined, commander, 20);
  });
});
