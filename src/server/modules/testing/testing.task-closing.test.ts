import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { barcode, buildTestingCity, cid, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

/**
 * Issue 16, "Tasks are a to-do list", through the recheck flow: each recheck task names its person,
 * closes itself when the recheck is sampled (recording what closed it, journaled), a retry closes
 * nothing twice, an invalid recheck result opens a new task, the to-do list and the open-task count
 * drop the closed task; and one positive pool's alerts are one feed entry with its recipients,
 * acknowledged together only where the acknowledger may act.
 */
describeDialects('tasks close themselves; alerts about one pool are grouped', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let siteId: string;

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const journal = (action: string) => t.deps.db.selectFrom('journal').selectAll().where('action', '=', action).orderBy('seq').execute();

  /** A pool of these persons sampled, received and resulted `result`; returns its barcode and tube id. */
  async function resultedPool(persons: PersonFixture[], result: string): Promise<{ code: string; id: string }> {
    const code = barcode();
    const items = [
      { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize: 10 },
      ...persons.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p.idNumber })),
      { op: 'close', clientId: cid(), campaignId, barcode: code },
    ];
    const r = await post('/api/testing/scans/batch', city.users.sampler.headers, { items });
    expect(r.json().rejected, r.body).toBe(0);
    await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: `BOX-${code}`, barcodes: [code] });
    const res = await post('/api/testing/lab/results', city.users.lab.headers, { barcode: code, result, lab: '市疾控中心', ctOrf1ab: 27.5, ctN: 29.1 });
    expect(res.statusCode, res.body).toBe(200);
    return { code, id: r.json().items[0].tube.id };
  }
  const rechecksOf = async (tubeId: string) =>
    (await get(`/api/testing/rechecks?campaignId=${campaignId}`, city.users.commander.headers))
      .json()
      .items.filter((r: { parentTubeId: string }) => r.parentTubeId === tubeId);
  const task = async (id: string) => (await get(`/api/tasks/${id}`, city.users.commander.headers)).json();

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const officer = city.users.officer.headers;
    campaignId = (
      await post('/api/testing/campaigns', officer, { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id], poolSize: 10, recheckHours: 6 })
    ).json().id;
    await post(`/api/testing/campaigns/${campaignId}/activate`, officer);
    siteId = (
      await post('/api/testing/sites', officer, { name: '夷陵采样点', kind: 'tent', jurisdictionId: city.commA.id, location: [111.3, 30.7], lanes: 2 })
    ).json().id;
  });
  afterAll(() => t.close());

  it('names the person in each recheck task and closes it when the recheck is sampled, once, recording what closed it', async () => {
    const pool = await resultedPool(city.persons.a11.slice(0, 3), 'positive');
    const rechecks = await rechecksOf(pool.id);
    expect(rechecks).toHaveLength(3);
    const tasks = await Promise.all(rechecks.map((r: { taskId: string }) => task(r.taskId)));
    // Three people, three different rows: each names its person (masked), never a bare id.
    const subjects = tasks.map((x) => x.subject);
    expect(new Set(subjects.map((s) => s.text)).size).toBe(3);
    for (const [i, x] of tasks.entries()) {
      expect(x.subject).toEqual({ kind: 'person', text: rechecks[i].nameMasked });
      expect(x.titleParams.name).toBe(rechecks[i].nameMasked);
      expect(x.subject.text).not.toBe(city.persons.a11[i].name);
    }
    const open = async () => (await get('/api/tasks?box=unit&due=today', city.users.worker.headers)).json();
    const before = await open();
    expect(before.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(tasks.map((x) => x.id)));
    const openCount = async () => (await get('/api/dashboard/summary', city.users.commander.headers)).json().openTasks;
    const countBefore = await openCount();

    const r = rechecks[0];
    const person = city.persons.a11.find((p) => p.id === r.personId)!;
    const sample = { clientId: cid(), barcode: barcode('RC'), idNumber: person.idNumber };
    const closes = (await journal('task.close')).length;
    expect((await post(`/api/testing/rechecks/${r.id}/sample`, city.users.sampler.headers, sample)).json().status).toBe('applied');

    const closed = await task(r.taskId);
    expect(closed).toMatchObject({ status: 'verified', closedBy: { kind: 'recheck_sampled', id: r.id, at: t.clock.now() } });
    expect(closed.events.at(-1)).toMatchObject({ kind: 'closed', toStatus: 'verified' });
    const entries = await journal('task.close');
    expect(entries).toHaveLength(closes + 1);
    expect(entries.at(-1)).toMatchObject({ entity_id: r.taskId });
    expect(JSON.parse(entries.at(-1)!.payload as string)).toMatchObject({ closedByKind: 'recheck_sampled', closedById: r.id });
    // The others are still to do; the closed one leaves the to-do list and the open-task count.
    expect((await task(rechecks[1].taskId)).status).toBe('new');
    expect((await open()).items.map((x: { id: string }) => x.id)).not.toContain(r.taskId);
    expect(await openCount()).toBe(countBefore - 1);

    // The sampler's phone resends: nothing is closed twice.
    expect((await post(`/api/testing/rechecks/${r.id}/sample`, city.users.sampler.headers, sample)).json().status).toBe('duplicate');
    expect(await journal('task.close')).toHaveLength(closes + 1);
  });

  it('opens a new recheck task, naming the same person, when the recheck tube comes back invalid', async () => {
    const pool = await resultedPool([city.persons.a21[0]], 'positive');
    const [r] = await rechecksOf(pool.id);
    const code = barcode('RC');
    await post(`/api/testing/rechecks/${r.id}/sample`, city.users.sampler.headers, { clientId: cid(), barcode: code });
    expect((await task(r.taskId)).closedBy.kind).toBe('recheck_sampled');
    await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: `BOX-${code}`, barcodes: [code] });
    expect((await post('/api/testing/lab/results', city.users.lab.headers, { barcode: code, result: 'invalid', lab: '市疾控中心' })).statusCode).toBe(200);
    const [again] = await rechecksOf(pool.id);
    expect(again.status).toBe('awaiting_sample');
    expect(again.taskId).not.toBe(r.taskId);
    expect(await task(again.taskId)).toMatchObject({ status: 'new', subject: { kind: 'person', text: r.nameMasked }, closedBy: null });
  });

  it('lists to-dos by deadline: overdue, today, upcoming (no deadline last), open tasks only', async () => {
    const mk = (title: string, dueAt: number | null) =>
      post('/api/tasks', city.users.officer.headers, {
        title,
        assigneeUnitId: city.units.commA.id,
        jurisdictionPath: city.commA.path,
        ...(dueAt ? { dueAt } : {}),
      }).then((r) => r.json().id as string);
    const now = t.clock.now();
    const late = await mk('逾期的事', now - 60_000);
    const none = await mk('没有期限的事', null);
    const far = await mk('下周的事', now + 7 * 86_400_000);
    const ids = async (due: string) =>
      (await get(`/api/tasks?box=unit&due=${due}&pageSize=200`, city.users.worker.headers)).json().items.map((x: { id: string }) => x.id) as string[];
    expect(await ids('overdue')).toContain(late);
    const upcoming = await ids('upcoming');
    expect(upcoming.indexOf(far)).toBeGreaterThanOrEqual(0);
    expect(upcoming.indexOf(far)).toBeLessThan(upcoming.indexOf(none));
    for (const id of [late, none, far]) expect(await ids('today')).not.toContain(id);
    await post(`/api/tasks/${late}/cancel`, city.users.worker.headers, { reason: '重复派发' });
    expect(await ids('overdue')).not.toContain(late);
  });

  it('shows one positive pool once, with its recipients, and acknowledges it together only where the acknowledger may act', async () => {
    const pool = await resultedPool([city.persons.a12[0], city.persons.b11[0]], 'positive');
    const feed = async (headers: Record<string, string>) =>
      (await get('/api/notifications?alertsOnly=true&pageSize=200', headers))
        .json()
        .items.filter((n: { sourceEntityId: string; titleKey: string }) => n.sourceEntityId === pool.id && n.titleKey === 'testing.auto.pool.title');
    const hq = await feed(city.users.commander.headers);
    expect(hq).toHaveLength(1);
    const names = hq[0].group.recipients.map((r: { name: string }) => r.name).sort();
    expect(names).toEqual(['夷陵社区', '学院社区', '市疫情防控指挥部', '西陵区'].sort());
    expect(hq[0].group.open).toBe(4);
    // A community worker sees the entry once too, listing only what their feed holds (no other community).
    const mine = await feed(city.users.worker.headers);
    expect(mine).toHaveLength(1);
    expect(mine[0].group.recipients.map((r: { name: string }) => r.name)).not.toContain('学院社区');

    const acks = (await journal('notification.alert.ack')).length;
    // Each acts from their own feed's entry. The worker may close their community's alert, not the
    // district's that their feed also shows; it stays open and is counted.
    const worker = await post(`/api/notifications/${mine[0].id}/ack-group`, city.users.worker.headers, { note: '社区已知悉' });
    expect(worker.statusCode, worker.body).toBe(200);
    expect(worker.json()).toMatchObject({ acknowledged: 1, notYours: 1 });
    // The district officer acts for the other community and the district (the HQ unit's alert is not in their feed).
    const [district] = await feed(city.users.officer.headers);
    expect(district.group.recipients).toHaveLength(3);
    const officer = await post(`/api/notifications/${district.id}/ack-group`, city.users.officer.headers, { note: '已部署复核' });
    expect(officer.statusCode, officer.body).toBe(200);
    expect(officer.json()).toMatchObject({ acknowledged: 2, notYours: 0 });
    const entries = (await journal('notification.alert.ack')).slice(acks);
    expect(entries.map((e) => e.actor_id)).toEqual([city.users.worker.user.id, city.users.officer.user.id, city.users.officer.user.id]);
    for (const e of entries) expect(JSON.parse(e.payload as string)).toMatchObject({ for: expect.any(Object), groupKey: `testing_tube:${pool.id}:pool` });
    const after = (await feed(city.users.commander.headers))[0];
    expect(after.group.open).toBe(1);
    const hqAck = await post(`/api/notifications/${hq[0].id}/ack-group`, city.users.commander.headers, {});
    expect(hqAck.json()).toMatchObject({ acknowledged: 1, notYours: 0 });
    expect((await feed(city.users.commander.headers))[0].group.open).toBe(0);
    const again = await post(`/api/notifications/${hq[0].id}/ack-group`, city.users.commander.headers, {});
    expect(again.statusCode).toBe(409);
  });

  it('refuses a group acknowledgement to someone who may act on none of it, writing nothing', async () => {
    const pool = await resultedPool([city.persons.b11[1]], 'positive');
    const items = (await get('/api/notifications?alertsOnly=true&pageSize=200', city.users.commander.headers)).json().items;
    const entry = items.find((n: { sourceEntityId: string; titleKey: string }) => n.sourceEntityId === pool.id && n.titleKey === 'testing.auto.pool.title');
    const acks = (await journal('notification.alert.ack')).length;
    // 学院社区 is not the worker's community: its alert is not in their feed at all, so the entry looks missing.
    const r = await post(`/api/notifications/${entry.id}/ack-group`, city.users.worker.headers, {});
    expect([403, 404]).toContain(r.statusCode);
    expect(await journal('notification.alert.ack')).toHaveLength(acks);
  });
});
