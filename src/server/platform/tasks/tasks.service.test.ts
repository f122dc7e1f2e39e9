import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, type UnitRef, type UserRef } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../actor.js';
import { HOUR, MINUTE } from '../clock.js';
import { actorOf } from './tasks.test-helpers.js';
import type { TaskDto } from './tasks.service.js';

describe.each(DIALECTS)('tasks service [%s]', (dialect) => {
  let env: TestEnv;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let hq: UnitRef, street: UnitRef, other: UnitRef, wjg: UnitRef;
  let commander: Actor, streetWorker: Actor, streetSampler: Actor, wjgWorker: Actor, otherWorker: Actor;

  beforeAll(async () => {
    env = await testEnv(dialect);
    const db = env.deps.db;
    city = await buildMiniCity(db);
    hq = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    street = await buildUnit(db, { name: '西陵街道办', jurisdiction: city.street });
    other = await buildUnit(db, { name: '西陵区流调专班', jurisdiction: city.xiling });
    wjg = await buildUnit(db, { name: '伍家岗街道办', jurisdiction: city.otherStreet });
    const mk = async (unit: UnitRef, roles: UserRef['roles']) => actorOf(await buildUser(db, { unit, roles }));
    commander = await mk(hq, ['district_officer']);
    streetWorker = await mk(street, ['community_worker']);
    streetSampler = await mk(street, ['sampler']);
    wjgWorker = await mk(wjg, ['community_worker']);
    otherWorker = await mk(other, ['tracer']);
  });
  afterAll(() => env.close());

  const newTask = (o: Partial<Parameters<TestEnv['deps']['services']['tasks']['create']>[2]> = {}, actor = commander) =>
    env.deps.services.tasks.create(undefined, actor, {
      title: '上门采样 12 栋',
      sourceModule: 'testing',
      assigneeUnitId: street.id,
      jurisdictionPath: city.street.path,
      priority: 'high',
      ...o,
    });

  it('creates a task for a unit and walks it new → acknowledged → in_progress → reported → verified, journaling each step', async () => {
    const { tasks, journal, outbox } = env.deps.services;
    const head = await outbox.head();
    const t = await newTask({ dueAt: env.clock.now() + 4 * HOUR, description: '独居老人 3 人' });
    expect(t).toMatchObject({
      status: 'new',
      assigneeUnit: { id: street.id, name: '西陵街道办' },
      creatorUnit: { id: hq.id, name: '西陵区指挥部' },
      priority: 'high',
      overdue: false,
      jurisdictionPath: city.street.path,
    });
    let cur: TaskDto = t;
    for (const to of ['acknowledged', 'in_progress', 'reported'] as const)
      cur = await tasks.transition(undefined, streetSampler, t.id, to, to === 'reported' ? '已完成 3 人' : undefined);
    cur = await tasks.transition(undefined, commander, t.id, 'verified');
    expect(cur.status).toBe('verified');
    expect(cur.events!.map((e) => [e.kind, e.fromStatus, e.toStatus])).toEqual([
      ['created', null, 'new'],
      ['transition', 'new', 'acknowledged'],
      ['transition', 'acknowledged', 'in_progress'],
      ['transition', 'in_progress', 'reported'],
      ['transition', 'reported', 'verified'],
    ]);
    expect(cur.events![3]).toMatchObject({ note: '已完成 3 人', unit: { id: street.id, name: '西陵街道办' } });
    expect(cur.events![3].actorName).toMatch(/^测试/); // the user's display name
    const entries = await journal.list(env.deps.db, { entityType: 'task', entityId: t.id, limit: 10 });
    expect(entries.map((e) => e.action).reverse()).toEqual(['task.create', 'task.transition', 'task.transition', 'task.transition', 'task.transition']);
    expect(entries[0]).toMatchObject({ payload: { from: 'reported', to: 'verified' }, jurisdictionPath: city.street.path });
    const events = (await outbox.readAfter(head)).filter((m) => m.topic === 'task.changed');
    expect(events).toHaveLength(5);
    expect(events.every((m) => m.unitId === street.id)).toBe(true);
  });

  it('refuses an illegal move with 409 TASK_TRANSITION_INVALID naming from, to and the allowed moves', async () => {
    const { tasks } = env.deps.services;
    const t = await newTask();
    await expect(tasks.transition(undefined, streetWorker, t.id, 'reported')).rejects.toMatchObject({
      code: 'TASK_TRANSITION_INVALID',
      status: 409,
      details: { from: 'new', to: 'reported', allowed: ['acknowledged'] },
    });
    await expect(tasks.transition(undefined, streetWorker, t.id, 'cancelled')).rejects.toMatchObject({ code: 'TASK_TRANSITION_INVALID' });
    expect((await tasks.get(streetWorker, t.id)).status).toBe('new');
  });

  it('lets only the assignee unit work a task, and only a verifier verify it', async () => {
    const { tasks } = env.deps.services;
    const t = await newTask();
    await expect(tasks.transition(undefined, otherWorker, t.id, 'acknowledged')).rejects.toMatchObject({ code: 'TASK_NOT_ASSIGNEE', status: 403 });
    await tasks.transition(undefined, streetWorker, t.id, 'acknowledged');
    await tasks.transition(undefined, streetWorker, t.id, 'in_progress');
    await tasks.transition(undefined, streetWorker, t.id, 'reported');
    await expect(tasks.transition(undefined, streetWorker, t.id, 'verified')).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    // A verifier may send the report back for rework.
    expect((await tasks.transition(undefined, commander, t.id, 'in_progress', '照片不清晰')).status).toBe('in_progress');
  });

  it('keeps every hand-off between units in the history, with notes, and resets the status to new', async () => {
    const { tasks, journal } = env.deps.services;
    const t = await newTask();
    await tasks.transition(undefined, streetWorker, t.id, 'acknowledged');
    await expect(tasks.handoff(undefined, commander, t.id, { unitId: other.id, note: ' ' })).rejects.toMatchObject({ code: 'TASK_NOTE_REQUIRED', status: 422 });
    await expect(tasks.handoff(undefined, commander, t.id, { unitId: street.id, note: 'x' })).rejects.toMatchObject({ code: 'TASK_HANDOFF_SAME_UNIT' });
    await tasks.handoff(undefined, commander, t.id, { unitId: other.id, note: '涉及密接，转流调专班' });
    // The 西陵 district officer cannot hand it to a neighbouring district's unit (the 404 of a missing unit);
    // the city commander, whose scope holds both districts, can.
    await expect(tasks.handoff(undefined, commander, t.id, { unitId: wjg.id, note: '人员已转至伍家岗' })).rejects.toMatchObject({
      code: 'TASK_UNIT_NOT_FOUND',
      status: 404,
    });
    const cityCommander = actorOf(
      await buildUser(env.deps.db, { unit: await buildUnit(env.deps.db, { name: '市指挥部', jurisdiction: city.city }), roles: ['commander'] }),
    );
    const h = await tasks.handoff(undefined, cityCommander, t.id, { unitId: wjg.id, note: '人员已转至伍家岗' });
    expect(h).toMatchObject({ status: 'new', assigneeUnit: { id: wjg.id } });
    const handoffs = h.events!.filter((e) => e.kind === 'handoff');
    expect(handoffs.map((e) => [e.fromUnit?.name, e.unit?.name, e.fromStatus, e.toStatus, e.note])).toEqual([
      ['西陵街道办', '西陵区流调专班', 'acknowledged', 'new', '涉及密接，转流调专班'],
      ['西陵区流调专班', '伍家岗街道办', 'new', 'new', '人员已转至伍家岗'],
    ]);
    const entries = await journal.list(env.deps.db, { entityType: 'task', entityId: t.id, action: 'task.handoff', limit: 5 });
    expect(entries.map((e) => e.reason)).toEqual(['人员已转至伍家岗', '涉及密接，转流调专班']);
    // Now the task touches two jurisdictions: visible to the 伍家岗 unit (assignee) and to 西陵 (its path).
    expect((await tasks.get(wjgWorker, t.id)).id).toBe(t.id);
    expect((await tasks.list(wjgWorker, { box: 'unit' })).items.map((x) => x.id)).toContain(t.id);
    // The old unit can no longer move it.
    await expect(tasks.transition(undefined, streetWorker, t.id, 'acknowledged')).rejects.toMatchObject({ code: 'TASK_NOT_ASSIGNEE' });
  });

  it('cancels only with a reason, from a non-final state, and keeps the reason', async () => {
    const { tasks } = env.deps.services;
    const t = await newTask();
    await expect(tasks.cancel(undefined, commander, t.id, '  ')).rejects.toMatchObject({ code: 'TASK_CANCEL_REASON_REQUIRED', status: 422 });
    const c = await tasks.cancel(undefined, commander, t.id, '重复派发');
    expect(c).toMatchObject({ status: 'cancelled', cancelReason: '重复派发' });
    expect(c.events!.at(-1)).toMatchObject({ kind: 'cancelled', fromStatus: 'new', toStatus: 'cancelled', note: '重复派发' });
    await expect(tasks.cancel(undefined, commander, t.id, '再次取消')).rejects.toMatchObject({ code: 'TASK_TRANSITION_INVALID', status: 409 });
    await expect(tasks.transition(undefined, streetWorker, t.id, 'acknowledged')).rejects.toMatchObject({ code: 'TASK_TRANSITION_INVALID' });
  });

  it('adds comments to the history', async () => {
    const { tasks } = env.deps.services;
    const t = await newTask();
    await expect(tasks.comment(undefined, streetWorker, t.id, '')).rejects.toMatchObject({ code: 'TASK_NOTE_REQUIRED' });
    const c = await tasks.comment(undefined, streetWorker, t.id, '已联系楼栋长');
    expect(c.events!.at(-1)).toMatchObject({ kind: 'comment', note: '已联系楼栋长', fromStatus: null, toStatus: null });
  });

  it('scopes lists and reads: a 伍家岗 user sees neither 西陵 tasks in "all" nor one by id', async () => {
    const { tasks } = env.deps.services;
    const t = await newTask();
    await expect(tasks.get(wjgWorker, t.id)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', status: 404 });
    const all = await tasks.list(wjgWorker, { box: 'all', pageSize: 200 });
    expect(all.items.map((x) => x.id)).not.toContain(t.id);
    const mine = await tasks.list(commander, { box: 'all', pageSize: 200 });
    expect(mine.items.map((x) => x.id)).toContain(t.id);
    expect(mine.total).toBeGreaterThanOrEqual(mine.items.length);
    const inbox = await tasks.list(streetWorker, { box: 'unit', status: ['new'], pageSize: 200 });
    expect(inbox.items.every((x) => x.assigneeUnit.id === street.id && x.status === 'new')).toBe(true);
    expect((await tasks.list(commander, { box: 'created', pageSize: 1 })).items).toHaveLength(1);
    // Users cannot create tasks about a jurisdiction outside their own.
    await expect(newTask({ jurisdictionPath: city.otherStreet.path })).rejects.toMatchObject({ code: 'TASK_OUT_OF_SCOPE', status: 403 });
    await expect(newTask({ assigneeUnitId: 'nope' })).rejects.toMatchObject({ code: 'TASK_UNIT_NOT_FOUND', status: 404 });
  });

  it('alerts the assignee unit once when a task becomes overdue, however often the check runs', async () => {
    const { tasks, jobs } = env.deps.services;
    const t = await newTask({ title: '核酸结果复核', dueAt: env.clock.now() + HOUR, priority: 'urgent' });
    await jobs.runDueNow();
    expect((await tasks.get(streetWorker, t.id)).overdue).toBe(false);
    env.clock.advance(2 * HOUR);
    await jobs.runDueNow();
    await jobs.runDueNow();
    env.clock.advance(MINUTE);
    await jobs.runDueNow();
    await jobs.createRunner({ owner: 'another-process' }).runUntilIdle();
    const got = await tasks.get(streetWorker, t.id);
    expect(got.overdue).toBe(true);
    expect(got.events!.filter((e) => e.kind === 'overdue')).toHaveLength(1);
    const feed = await tasks.notifications.list(streetWorker, { alertsOnly: true });
    const alerts = feed.items.filter((n) => n.sourceEntityId === t.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ isAlert: true, severity: 'critical', link: `/tasks/${t.id}`, sourceEntityType: 'task' });
    // The other district's users are not alerted.
    expect((await tasks.notifications.list(wjgWorker)).items.filter((n) => n.sourceEntityId === t.id)).toEqual([]);
    // Finished tasks are never overdue.
    await tasks.cancel(undefined, commander, t.id, '已由他人完成');
    expect((await tasks.get(streetWorker, t.id)).overdue).toBe(false);
  });

  it('lets other modules create tasks as the system inside their own transaction', async () => {
    const { tasks } = env.deps.services;
    const before = (await tasks.list(streetWorker, { box: 'unit', pageSize: 200 })).total;
    await expect(
      env.deps.db.transaction().execute(async (trx) => {
        await tasks.create(trx, systemActor('testing'), {
          title: '单管复核',
          sourceModule: 'testing',
          sourceEntityType: 'tube',
          sourceEntityId: 'T-1',
          assigneeUnitId: street.id,
          jurisdictionPath: city.street.path,
          priority: 'urgent',
        });
        throw new Error('the caller rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await tasks.list(streetWorker, { box: 'unit', pageSize: 200 })).total).toBe(before);
    const t = await tasks.create(undefined, systemActor('testing'), {
      title: '单管复核',
      sourceModule: 'testing',
      sourceEntityType: 'tube',
      sourceEntityId: 'T-1',
      assigneeUnitId: street.id,
      jurisdictionPath: city.street.path,
      priority: 'urgent',
    });
    expect(t).toMatchObject({ creatorUnit: null, sourceEntityType: 'tube', sourceEntityId: 'T-1' });
  });
});
