import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import { approvedReview, makePersons } from '../control/control.test-helpers.js';
import { makePositiveRecheck } from './cases.test-helpers.js';
import { SHIPPED_PRESETS } from './presets.schema.js';

describe.each(DIALECTS)('cases [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  const as: Record<'tracer' | 'wjgTracer' | 'commander', Record<string, string>> = {} as never;

  const users: Partial<Record<keyof typeof as, Awaited<ReturnType<typeof buildUser>>>> = {};
  /** Sessions idle out when the shared clock moves: sign everybody in again after advancing it. */
  async function advance(ms: number) {
    t.clock.advance(ms);
    for (const k of Object.keys(users) as (keyof typeof as)[]) as[k] = await sessionHeaders(t.deps.db, users[k]!, t.clock.now());
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    const xl = await buildUnit(db, { name: '西陵区流调专班', jurisdiction: city.xiling, kind: 'task_force' });
    const wjg = await buildUnit(db, { name: '伍家岗区流调专班', jurisdiction: city.wujiagang, kind: 'task_force' });
    users.commander = await buildUser(db, { unit: hq, roles: ['commander'], username: 'commander' });
    users.tracer = await buildUser(db, { unit: xl, roles: ['tracer'], username: 'xl_tracer' });
    users.wjgTracer = await buildUser(db, { unit: wjg, roles: ['tracer'], username: 'wjg_tracer' });
    await advance(0);
  });
  afterAll(() => t.close());

  const get = (url: string, headers = as.tracer) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload: unknown, headers = as.tracer) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const statusOf = async (personId: string) => (await t.deps.services.control.statusesOf([personId])).get(personId)!;

  it('confirms a positive recheck as a case: tube, recheck and case linked, hand-over acknowledged, central isolation with basis case', async () => {
    const rc = await makePositiveRecheck(t, city.street);
    await advance(2 * HOUR);
    const r = await post('/api/cases/confirm-from-recheck', { recheckTubeId: rc.recheckTubeId, kind: 'confirmed', reason: '单管复核阳性，专家组确诊' });
    expect(r.statusCode).toBe(200);
    const c = r.json();
    expect(c).toMatchObject({
      personId: rc.personId,
      kind: 'confirmed',
      detectionChannel: 'community',
      presetVersion: 'ninth-edition-2022-06@v1',
      links: { positiveTubeId: rc.poolTubeId, recheckId: rc.recheckId, recheckTubeId: rc.recheckTubeId },
    });
    expect(c.clusterId).toBeTruthy();
    const recheck = await t.deps.services.testing.rechecks.get(systemActor('t'), rc.recheckId);
    expect(recheck.handoverRef).toBe(c.id);
    expect(recheck.handoverAckAt).not.toBeNull();
    const st = await statusOf(rc.personId);
    expect(st.status).toBe('quarantined_central');
    expect(st.basis).toEqual({ type: 'case', id: c.id });
    // Speed: positive pool → confirmed, measured against the 9th edition's target.
    const d = (await get(`/api/cases/${c.id}`)).json();
    expect(d.speed.positiveToConfirmed.hours).toBeGreaterThanOrEqual(2);
    expect(d.speed.positiveToConfirmed.targetHours).toBe(SHIPPED_PRESETS[0].params.targets.positiveToConfirmedHours);
    expect(d.speed.coreInvestigation).toEqual({ hours: null, targetHours: 4, met: null });

    const again = await post('/api/cases/confirm-from-recheck', { handoverId: rc.recheckId, kind: 'confirmed', reason: '重复' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CASE_ALREADY_CONFIRMED');
    // Out of scope looks like missing.
    const other = await post('/api/cases/confirm-from-recheck', { handoverId: rc.recheckId, kind: 'confirmed', reason: 'x' }, as.wjgTracer);
    expect(other.statusCode).toBe(404);
  });

  it('marks core investigation done and measures it against 4 h (missed after 5 h)', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const c = (await post('/api/cases', { personId: p, kind: 'asymptomatic', reason: '医院报告' })).json();
    await advance(5 * HOUR);
    expect((await post(`/api/cases/${c.id}/core-investigation`, {})).statusCode).toBe(200);
    const d = (await get(`/api/cases/${c.id}`)).json();
    expect(d.speed.coreInvestigation).toEqual({ hours: 5, targetHours: 4, met: false });
  });

  it('finds a person already under a control measure "in control" (管控内), others in the community', async () => {
    const [p, q] = await makePersons(t, city.street, 2);
    await t.deps.services.control.requestChange(undefined, systemActor('t'), {
      personIds: [p],
      to: 'quarantined_home',
      basis: { type: 'manual_review', id: await approvedReview(t) },
      reason: '居家隔离',
    });
    const inControl = (await post('/api/cases', { personId: p, kind: 'confirmed', reason: '隔离期间检出' })).json();
    expect(inControl.detectionChannel).toBe('in_control');
    const community = (await post('/api/cases', { personId: q, kind: 'confirmed', reason: '社会面筛查' })).json();
    expect(community.detectionChannel).toBe('community');
  });

  it('refuses a cycle in the chain (422 CHAIN_CYCLE) and a second case for the same person in one cluster (409)', async () => {
    const [a, b, x] = await makePersons(t, city.street, 3);
    const ca = (await post('/api/cases', { personId: a, kind: 'confirmed', reason: '首例' })).json();
    const cb = (await post('/api/cases', { personId: b, kind: 'confirmed', sourceCaseId: ca.id, reason: '续发' })).json();
    expect(cb.clusterId).toBe(ca.clusterId);
    const cycle = await post(`/api/cases/${ca.id}/source`, { sourceCaseId: cb.id, reason: '回溯' });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().error.code).toBe('CHAIN_CYCLE');
    const self = await post(`/api/cases/${ca.id}/source`, { sourceCaseId: ca.id, reason: '回溯' });
    expect(self.json().error.code).toBe('CHAIN_CYCLE');
    expect((await get(`/api/cases/${ca.id}`)).json().sourceCaseId).toBeNull();
    const dup = await post('/api/cases', { personId: b, kind: 'confirmed', clusterId: ca.clusterId, reason: '重复' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('CASE_DUPLICATE_IN_CLUSTER');
    const ok = await post('/api/cases', { personId: x, kind: 'confirmed', clusterId: ca.clusterId, reason: '同一起' });
    expect(ok.statusCode).toBe(200);
  });

  it("names a new cluster as HQs do, by district and the first case's report day (西陵区 12·07 疫情), and renames it with a journal entry", async () => {
    const [a] = await makePersons(t, city.street, 1);
    const kase = (await post('/api/cases', { personId: a, kind: 'confirmed', reason: '首例' })).json();
    const [, mm, dd] = (kase.reportDate as string).split('-');
    const cluster = (await get(`/api/clusters/${kase.clusterId}`)).json();
    expect(cluster.name).toBe(`西陵区 ${mm}·${dd} 疫情`);
    // No person's (masked) name in it.
    expect(cluster.name).not.toContain(kase.nameMasked);

    const renamed = await post(`/api/clusters/${kase.clusterId}/rename`, { name: '  西陵区 12·07 聚集性疫情 ', reason: '指挥部统一命名' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ id: kase.clusterId, name: '西陵区 12·07 聚集性疫情' });
    expect((await get(`/api/clusters/${kase.clusterId}`)).json().name).toBe('西陵区 12·07 聚集性疫情');
    const [entry] = await t.deps.services.journal.list(t.deps.db, { entityId: kase.clusterId, action: 'cases.cluster.rename', limit: 5 } as never);
    expect(entry).toMatchObject({
      action: 'cases.cluster.rename',
      actorName: 'xl_tracer',
      payload: { from: `西陵区 ${mm}·${dd} 疫情`, to: '西陵区 12·07 聚集性疫情', reason: '指挥部统一命名' },
    });
    // Renaming to the same name writes nothing; a blank name is refused; another district's tracer finds no such cluster.
    const journalLength = await t.deps.services.journal.count();
    expect((await post(`/api/clusters/${kase.clusterId}/rename`, { name: '西陵区 12·07 聚集性疫情' })).statusCode).toBe(200);
    expect(await t.deps.services.journal.count()).toBe(journalLength);
    expect((await post(`/api/clusters/${kase.clusterId}/rename`, { name: '   ' })).statusCode).toBe(400);
    expect((await post(`/api/clusters/${kase.clusterId}/rename`, { name: '别人的疫情' }, as.wjgTracer)).statusCode).toBe(404);
    expect((await get(`/api/clusters/${kase.clusterId}`)).json().name).toBe('西陵区 12·07 聚集性疫情');
  });

  it('keeps existing cases on their preset version when the city switches presets', async () => {
    const [p, q] = await makePersons(t, city.street, 2);
    const before = (await post('/api/cases', { personId: p, kind: 'confirmed', reason: '切换前' })).json();
    const presets = await t.deps.services.cases.presets.list();
    const nov = presets.find((x) => x.key === 'optimisation-2022-11')!;
    expect((await post(`/api/presets/${nov.id}/activate`, { reason: '执行二十条' }, as.commander)).statusCode).toBe(200);
    const after = (await post('/api/cases', { personId: q, kind: 'confirmed', reason: '切换后' })).json();
    expect(after.presetVersion).toBe('optimisation-2022-11@v1');
    expect((await get(`/api/cases/${before.id}`)).json().presetVersion).toBe('ninth-edition-2022-06@v1');
    const ninth = presets.find((x) => x.key === 'ninth-edition-2022-06')!;
    await post(`/api/presets/${ninth.id}/activate`, { reason: '恢复' }, as.commander);
  });

  it('lists cases scoped to the district with keyset pages', async () => {
    const all = (await get('/api/cases?limit=200')).json().items as { jurisdictionPath: string }[];
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((c) => c.jurisdictionPath.startsWith(city.xiling.path))).toBe(true);
    expect((await get('/api/cases', as.wjgTracer)).json().items).toEqual([]);
    // A street-scoped reader goes through the path-range plan: same rows, nothing from outside.
    const streetActor = { ...systemActor('street'), scopePath: city.street.path };
    const streetItems = (await t.deps.services.cases.cases.list(streetActor, { limit: 200 })).items;
    expect(streetItems.map((c) => c.id)).toEqual(all.map((c) => (c as unknown as { id: string }).id));
    expect((await t.deps.services.cases.cases.list({ ...streetActor, scopePath: city.otherStreet.path }, {})).items).toEqual([]);
    const p1 = (await get('/api/cases?limit=2')).json();
    const p2 = (await get(`/api/cases?limit=2&cursor=${p1.nextCursor}`)).json();
    expect(p1.items).toHaveLength(2);
    expect(p2.items[0].id).not.toBe(p1.items[1].id);
    expect([...p1.items, ...p2.items].map((c: { id: string }) => c.id)).toEqual(all.slice(0, 4).map((c) => (c as unknown as { id: string }).id));
  });

  it('list rows carry the display name of their residence node, so the table fetches no names row by row', async () => {
    const rows = (await get('/api/cases?limit=200')).json().items as { jurisdictionPath: string; jurisdictionName: string | null }[];
    expect(rows.length).toBeGreaterThan(3);
    const nodes = await t.deps.db
      .selectFrom('jurisdictions')
      .select(['path', 'name'])
      .where('path', 'in', [...new Set(rows.map((r) => r.jurisdictionPath))])
      .execute();
    const nameAt = new Map(nodes.map((n) => [n.path, n.name]));
    expect(rows.every((r) => r.jurisdictionName !== null)).toBe(true);
    expect(rows.map((r) => r.jurisdictionName)).toEqual(rows.map((r) => nameAt.get(r.jurisdictionPath)));
  });
});
