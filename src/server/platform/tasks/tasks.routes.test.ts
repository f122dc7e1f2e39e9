import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type UnitRef, type UserRef } from '../../../../test/helpers/factories.js';
import { makePersons } from '../../modules/control/control.test-helpers.js';

describe.each(DIALECTS)('task routes [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let street: UnitRef, other: UnitRef, wjg: UnitRef;
  let officer: Record<string, string>,
    worker: Record<string, string>,
    sampler: Record<string, string>,
    wjgOfficer: Record<string, string>,
    auditor: Record<string, string>;

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    street = await buildUnit(db, { name: '西陵街道办', jurisdiction: city.street });
    other = await buildUnit(db, { name: '西陵区流调专班', jurisdiction: city.xiling });
    wjg = await buildUnit(db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang });
    const login = async (unit: UnitRef, roles: UserRef['roles']) => sessionHeaders(db, await buildUser(db, { unit, roles }), t.clock.now());
    officer = await login(hq, ['district_officer']);
    worker = await login(street, ['community_worker']);
    sampler = await login(street, ['sampler']);
    wjgOfficer = await login(wjg, ['district_officer']);
    auditor = await login(hq, ['auditor']);
  });
  afterAll(() => t.close());

  const create = (headers: Record<string, string>, body: Record<string, unknown> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/tasks',
      headers,
      payload: { title: '上门采样 12 栋', assigneeUnitId: street.id, jurisdictionPath: city.street.path, priority: 'high', ...body },
    });
  const post = (headers: Record<string, string>, url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('creates a task (201) and the unit works it through to verified; GET returns the history', async () => {
    const res = await create(officer, { dueAt: t.clock.now() + 3_600_000, sourceModule: 'testing' });
    expect(res.statusCode).toBe(201);
    const task = res.json();
    expect(task).toMatchObject({
      status: 'new',
      priority: 'high',
      assigneeUnit: { id: street.id, name: '西陵街道办' },
      overdue: false,
      sourceModule: 'testing',
    });
    for (const to of ['acknowledged', 'in_progress', 'reported']) {
      const r = await post(sampler, `/api/tasks/${task.id}/transition`, { to, note: to === 'reported' ? '已完成' : undefined });
      expect(r.statusCode, to).toBe(200);
    }
    expect((await post(worker, `/api/tasks/${task.id}/transition`, { to: 'verified' })).json().error.code).toBe('FORBIDDEN');
    const verified = await post(officer, `/api/tasks/${task.id}/transition`, { to: 'verified' });
    expect(verified.json().status).toBe('verified');
    const got = await t.app.inject({ method: 'GET', url: `/api/tasks/${task.id}`, headers: worker });
    expect(got.statusCode).toBe(200);
    expect(got.json().events.map((e: { kind: string; toStatus: string }) => `${e.kind}:${e.toStatus}`)).toEqual([
      'created:new',
      'transition:acknowledged',
      'transition:in_progress',
      'transition:reported',
      'transition:verified',
    ]);
  });

  it('answers an illegal move with 409 TASK_TRANSITION_INVALID {from, to, allowed}', async () => {
    const task = (await create(officer)).json();
    const r = await post(worker, `/api/tasks/${task.id}/transition`, { to: 'verified' });
    expect(r.statusCode).toBe(409);
    expect(r.json().error).toMatchObject({ code: 'TASK_TRANSITION_INVALID', details: { from: 'new', to: 'verified', allowed: ['acknowledged'] } });
    expect((await post(worker, `/api/tasks/${task.id}/transition`, { to: 'done' })).statusCode).toBe(400);
  });

  it('scope-checks every id in the body: assignee unit inside or above the caller, claimed source in scope; else the 404 of a missing id, nothing written', async () => {
    const cityHq = await buildUnit(t.deps.db, { name: '市疫情防控指挥部', jurisdiction: city.city });
    const [mine] = await makePersons(t, city.street, 1);
    const [theirs] = await makePersons(t, city.otherStreet, 1);
    const missingId = '01900000-0000-7000-8000-000000000000';
    const counts = async () => [
      Number(
        (
          await t.deps.db
            .selectFrom('tasks')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      await t.deps.services.journal.count(),
    ];
    const before = await counts();
    const foreignUnit = await create(officer, { assigneeUnitId: wjg.id });
    const missingUnit = await create(officer, { assigneeUnitId: missingId });
    expect(foreignUnit.statusCode).toBe(404);
    expect(foreignUnit.json().error.code).toBe(missingUnit.json().error.code);
    const foreignSource = await create(officer, { sourceEntityType: 'person', sourceEntityId: theirs });
    const missingSource = await create(officer, { sourceEntityType: 'person', sourceEntityId: missingId });
    expect(foreignSource.statusCode).toBe(404);
    expect(foreignSource.json().error.code).toBe('TASK_SOURCE_NOT_FOUND');
    expect(missingSource.json().error.code).toBe('TASK_SOURCE_NOT_FOUND');
    const noType = await create(officer, { sourceEntityId: mine });
    expect(noType.statusCode).toBe(422);
    expect(noType.json().error.details).toMatchObject({ field: 'sourceEntityType' });
    const unknownType = await create(officer, { sourceEntityType: 'spaceship', sourceEntityId: mine });
    expect(unknownType.json().error.details).toMatchObject({ field: 'sourceEntityType' });
    expect(await counts()).toEqual(before);
    // Escalating to the city HQ above the district, with a source of its own district, is allowed.
    const up = await create(officer, { assigneeUnitId: cityHq.id, sourceEntityType: 'person', sourceEntityId: mine });
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({ assigneeUnit: { id: cityHq.id }, sourceEntityType: 'person', sourceEntityId: mine });
    // A hand-off to another district's unit looks like one to a missing unit, and changes nothing.
    const task = (await create(officer)).json();
    const mid = await counts();
    const away = await post(officer, `/api/tasks/${task.id}/handoff`, { unitId: wjg.id, note: '转伍家岗' });
    expect(away.statusCode).toBe(404);
    expect(away.json().error.code).toBe((await post(officer, `/api/tasks/${task.id}/handoff`, { unitId: missingId, note: '转' })).json().error.code);
    expect(await counts()).toEqual(mid);
    expect((await t.app.inject({ method: 'GET', url: `/api/tasks/${task.id}`, headers: officer })).json().assigneeUnit.id).toBe(street.id);
  });

  it('hands off with a note, keeps the history, and cancels only with a reason', async () => {
    const task = (await create(officer)).json();
    expect((await post(officer, `/api/tasks/${task.id}/handoff`, { unitId: other.id })).statusCode).toBe(400);
    const h = await post(officer, `/api/tasks/${task.id}/handoff`, { unitId: other.id, note: '转流调专班' });
    expect(h.statusCode).toBe(200);
    expect(h.json().events.at(-1)).toMatchObject({
      kind: 'handoff',
      fromUnit: { id: street.id },
      unit: { id: other.id, name: '西陵区流调专班' },
      note: '转流调专班',
    });
    const noReason = await post(officer, `/api/tasks/${task.id}/cancel`, { reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().error.code).toBe('TASK_CANCEL_REASON_REQUIRED');
    expect((await post(sampler, `/api/tasks/${task.id}/cancel`, { reason: '不需要了' })).statusCode).toBe(403); // samplers lack task.assign
    const cancelled = await post(officer, `/api/tasks/${task.id}/cancel`, { reason: '重复派发' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelReason: '重复派发' });
  });

  it('lists the unit inbox, what my unit created, and all in scope; scopes reads to 404', async () => {
    const task = (await create(officer, { title: '西陵任务' })).json();
    const list = (headers: Record<string, string>, qs: string) => t.app.inject({ method: 'GET', url: `/api/tasks?${qs}`, headers }).then((r) => r.json());
    expect((await list(worker, 'box=unit&status=new&pageSize=200')).items.map((x: { id: string }) => x.id)).toContain(task.id);
    expect((await list(officer, 'box=created&pageSize=200')).items.map((x: { id: string }) => x.id)).toContain(task.id);
    const all = await list(wjgOfficer, 'box=all&pageSize=200');
    expect(all.items.map((x: { id: string }) => x.id)).not.toContain(task.id);
    expect(all.total).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: `/api/tasks/${task.id}`, headers: wjgOfficer })).statusCode).toBe(404);
    expect((await post(wjgOfficer, `/api/tasks/${task.id}/comment`, { note: 'x' })).statusCode).toBe(404);
    const filtered = await list(worker, 'box=unit&priority=low,urgent&pageSize=200');
    expect(filtered.items.every((x: { priority: string }) => x.priority === 'low' || x.priority === 'urgent')).toBe(true);
  });

  it('needs the capability: an auditor cannot create tasks, nobody signed out can list them', async () => {
    expect((await create(auditor)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/tasks' })).statusCode).toBe(401);
    expect((await create(officer, { extra: 1 })).statusCode).toBe(400);
  });

  it('comments are kept and journaled', async () => {
    const task = (await create(officer)).json();
    const r = await post(worker, `/api/tasks/${task.id}/comment`, { note: '已联系楼栋长' });
    expect(r.json().events.at(-1)).toMatchObject({ kind: 'comment', note: '已联系楼栋长' });
    const [entry] = await t.deps.services.journal.list(t.deps.db, { entityType: 'task', entityId: task.id, action: 'task.comment', limit: 1 });
    expect(entry.reason).toBe('已联系楼栋长');
  });
});
