import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { DAY } from '../../platform/clock.js';
import bulkFixture from '../../../../test/helpers/auth-matrix/control-bulk-request.js';
import { makePersons, acceptAnyBasis, approvedReview } from './control.test-helpers.js';

describe.each(DIALECTS)('control routes [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  /** Session headers per user. */
  const as: Record<'officer' | 'officer2' | 'worker' | 'sampler' | 'wjgOfficer' | 'commander', Record<string, string>> = {} as never;

  let officer2: Awaited<ReturnType<typeof buildUser>>;
  beforeAll(async () => {
    t = await testApp(dialect);
    acceptAnyBasis(t.deps.services.control);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    const xl = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    const xlStreet = await buildUnit(db, { name: '西陵街道社区', jurisdiction: city.street, kind: 'community' });
    const wjg = await buildUnit(db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
    const now = t.clock.now();
    as.commander = await sessionHeaders(db, await buildUser(db, { unit: hq, roles: ['commander'], username: 'commander' }), now);
    as.officer = await sessionHeaders(db, await buildUser(db, { unit: xl, roles: ['district_officer'], username: 'xiling_officer' }), now);
    officer2 = await buildUser(db, { unit: xl, roles: ['district_officer'], username: 'xiling_officer2' });
    as.officer2 = await sessionHeaders(db, officer2, now);
    as.worker = await sessionHeaders(db, await buildUser(db, { unit: xlStreet, roles: ['community_worker'], username: 'worker' }), now);
    as.sampler = await sessionHeaders(db, await buildUser(db, { unit: xlStreet, roles: ['sampler'], username: 'sampler' }), now);
    as.wjgOfficer = await sessionHeaders(db, await buildUser(db, { unit: wjg, roles: ['district_officer'], username: 'wjg_officer' }), now);
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const statusOf = async (personId: string) => (await t.deps.services.control.statusesOf([personId])).get(personId)!.status;

  it('POST /api/control/changes without a basis → 422 CONTROL_BASIS_REQUIRED, nothing written', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const journal = await t.deps.services.journal.count();
    const r = await post('/api/control/changes', as.officer, { personIds: [p], to: 'quarantined_home', reason: '密接' });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('CONTROL_BASIS_REQUIRED');
    const noReason = await post('/api/control/changes', as.officer, { personIds: [p], to: 'quarantined_home', basis: { type: 'contact', id: 'L1' } });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().error.code).toBe('REASON_REQUIRED');
    expect(await statusOf(p)).toBe('none');
    expect(await t.deps.services.journal.count()).toBe(journal);
  });

  it('applies a small change at once (200), refuses an illegal one (409), and shows the explanation', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const endsAt = t.clock.now() + 14 * DAY;
    const r = await post('/api/control/changes', as.worker, {
      personIds: [p],
      to: 'quarantined_home',
      basis: { type: 'contact', id: 'LINK-1' },
      reason: '密接，居家隔离',
      endsAt,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ applied: 1, personIds: [p] });
    const bad = await post('/api/control/changes', as.worker, { personIds: [p], to: 'pending_recheck', basis: { type: 'tube', id: 'T' }, reason: '复核' });
    expect(bad.statusCode).toBe(409);
    expect(bad.json().error.code).toBe('CONTROL_TRANSITION_INVALID');
    const x = await get(`/api/control/persons/${p}`, as.officer);
    expect(x.statusCode).toBe(200);
    expect(x.json()).toMatchObject({
      status: 'quarantined_home',
      endsAt,
      basis: { type: 'contact', id: 'LINK-1' },
      reason: '密接，居家隔离',
      history: [{ from: 'none', to: 'quarantined_home', mode: 'manual', actor: { name: 'worker' } }],
    });
    const h = await get(`/api/control/persons/${p}/history`, as.officer);
    expect(h.json().items).toHaveLength(1);
  });

  it('a role without the change capability gets 403; an unknown field gets 400', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const body = { personIds: [p], to: 'quarantined_home', basis: { type: 'contact', id: 'L' }, reason: '密接' };
    expect((await post('/api/control/changes', as.sampler, body)).statusCode).toBe(403);
    expect((await post('/api/control/changes', as.officer, { ...body, force: true })).statusCode).toBe(400);
    expect(await statusOf(p)).toBe('none');
  });

  it('a bulk change waits (202), is refused for its own requester (403), is applied by a second approver', async () => {
    await t.deps.services.control.setBulkThreshold(undefined, systemActor(), 3);
    const persons = await makePersons(t, city.street, 4);
    const r = await post('/api/control/changes', as.officer, {
      personIds: persons,
      to: 'home_monitored',
      basis: { type: 'risk_area', id: 'AREA-1' },
      reason: '低风险区居家健康监测',
    });
    expect(r.statusCode).toBe(202);
    const req = r.json().bulkRequest;
    expect(req).toMatchObject({ status: 'pending', personCount: 4, requestedBy: { name: 'xiling_officer' } });
    for (const p of persons) expect(await statusOf(p)).toBe('none');

    const pending = await get('/api/control/bulk-requests?status=pending', as.officer2);
    expect(pending.json().items.map((x: { id: string }) => x.id)).toContain(req.id);
    const other = await get('/api/control/bulk-requests?status=pending', as.wjgOfficer);
    expect(other.json().items.map((x: { id: string }) => x.id)).not.toContain(req.id);
    expect((await get(`/api/control/bulk-requests/${req.id}`, as.wjgOfficer)).statusCode).toBe(404);
    expect((await post(`/api/control/bulk-requests/${req.id}/approve`, as.wjgOfficer, {})).statusCode).toBe(404);
    expect((await post(`/api/control/bulk-requests/${req.id}/approve`, as.worker, {})).statusCode).toBe(403);

    const self = await post(`/api/control/bulk-requests/${req.id}/approve`, as.officer, { note: '自批' });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('CONTROL_SELF_APPROVAL');
    for (const p of persons) expect(await statusOf(p)).toBe('none');

    const ok = await post(`/api/control/bulk-requests/${req.id}/approve`, as.officer2, { note: '已核实' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'applied', approvedBy: { name: 'xiling_officer2' }, approvalNote: '已核实' });
    for (const p of persons) expect(await statusOf(p)).toBe('home_monitored');
    const x = await get(`/api/control/persons/${persons[0]}`, as.officer);
    expect(x.json().history[0]).toMatchObject({
      mode: 'bulk',
      bulkRequest: { requestedBy: { name: 'xiling_officer' }, approvedBy: { name: 'xiling_officer2' } },
    });
    const journal = await t.deps.services.journal.list(t.deps.db, { limit: 20, action: 'control.status.change' });
    expect(journal.filter((e) => (e.payload as { bulkRequestId?: string }).bulkRequestId === req.id)).toHaveLength(4);
    expect((await post(`/api/control/bulk-requests/${req.id}/approve`, as.commander, {})).statusCode).toBe(409);
  });

  it('a rejected bulk request changes nothing', async () => {
    const persons = await makePersons(t, city.street, 4);
    const r = await post('/api/control/changes', as.officer, {
      personIds: persons,
      to: 'quarantined_home',
      basis: { type: 'risk_area', id: 'AREA-2' },
      reason: '整栋居家隔离',
    });
    const id = r.json().bulkRequest.id;
    const noReason = await post(`/api/control/bulk-requests/${id}/reject`, as.officer2, {});
    expect(noReason.statusCode).toBe(422);
    const rej = await post(`/api/control/bulk-requests/${id}/reject`, as.officer2, { reason: '依据不足' });
    expect(rej.statusCode).toBe(200);
    expect(rej.json()).toMatchObject({ status: 'rejected', rejectReason: '依据不足' });
    for (const p of persons) expect(await statusOf(p)).toBe('none');
    expect((await post(`/api/control/bulk-requests/${id}/approve`, as.commander, {})).statusCode).toBe(409);
    for (const p of persons) expect(await statusOf(p)).toBe('none');
  });

  it("counts one actor's manual changes over a window: a bulk change cut into small requests still needs a second person", async () => {
    await t.deps.services.control.setBulkThreshold(undefined, systemActor(), 3);
    const persons = await makePersons(t, city.street, 4);
    const body = (ids: string[]) => ({ personIds: ids, to: 'quarantined_home', basis: { type: 'contact', id: 'SPLIT' }, reason: '分批居家隔离' });
    // Two, then one more: three persons in the window, at the threshold — applied at once.
    expect((await post('/api/control/changes', as.officer2, body(persons.slice(0, 2)))).statusCode).toBe(200);
    expect((await post('/api/control/changes', as.officer2, body(persons.slice(2, 3)))).statusCode).toBe(200);
    // The fourth person within 24 h passes the threshold of 3: it waits for a second person.
    const fourth = await post('/api/control/changes', as.officer2, body(persons.slice(3)));
    expect(fourth.statusCode).toBe(202);
    expect(fourth.json().bulkRequest).toMatchObject({ status: 'pending', personCount: 1 });
    expect(await statusOf(persons[3])).toBe('none');
    // Past the window (24 h, a local parameter) the actor's count starts again.
    t.clock.advance(24 * 3_600_000 + 1);
    as.officer2 = await sessionHeaders(t.deps.db, officer2, t.clock.now());
    const [later] = await makePersons(t, city.street, 1);
    expect((await post('/api/control/changes', as.officer2, body([later]))).statusCode).toBe(200);
    t.clock.set(t.clock.now() - 24 * 3_600_000 - 1); // back, for the other sessions of this suite
  });

  it("a 西陵区 user cannot see a 伍家岗区 person's status (404)", async () => {
    const [other] = await makePersons(t, city.otherStreet, 1);
    await post('/api/control/changes', as.wjgOfficer, { personIds: [other], to: 'quarantined_home', basis: { type: 'contact', id: 'L9' }, reason: '密接' });
    const r = await get(`/api/control/persons/${other}`, as.officer);
    expect(r.statusCode).toBe(404);
    expect(JSON.stringify(r.json())).not.toContain('quarantined');
    expect((await get(`/api/control/persons/${other}/history`, as.officer)).statusCode).toBe(404);
    const review = await approvedReview(t, { jurisdictionId: city.xiling.id });
    const change = await post('/api/control/changes', as.officer, {
      personIds: [other],
      to: 'released',
      basis: { type: 'manual_review', id: review },
      reason: '解除',
    });
    expect(change.statusCode).toBe(404);
    expect(await statusOf(other)).toBe('quarantined_home');
    expect((await get(`/api/control/persons/${other}`, as.wjgOfficer)).json().status).toBe('quarantined_home');
  });

  it('GET /api/control/summary is scoped and equals a full recount', async () => {
    const mine = await get('/api/control/summary', as.officer);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual(await t.deps.services.control.recount(city.xiling.path));
    expect(mine.json().underMeasure).toBeGreaterThan(0);
    const byId = await get(`/api/control/summary?jurisdictionId=${city.street.id}`, as.officer);
    expect(byId.json()).toEqual(await t.deps.services.control.recount(city.street.path));
    expect((await get(`/api/control/summary?jurisdictionId=${city.wujiagang.id}`, as.officer)).statusCode).toBe(404);
    const all = await get(`/api/control/summary?jurisdictionId=${city.city.id}`, as.commander);
    expect(all.json()).toEqual(await t.deps.services.control.recount(city.city.path));
  });

  it('the route-matrix fixture gives one bulk request inside and one outside 西陵区', async () => {
    const { inScope, outOfScope } = await bulkFixture.make(t, city);
    const mine = await get(`/api/control/bulk-requests/${inScope}`, as.officer);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ id: inScope, status: 'pending', personCount: 2, personIds: expect.any(Array) });
    expect((await get(`/api/control/bulk-requests/${outOfScope}`, as.officer)).statusCode).toBe(404);
    expect((await post(`/api/control/bulk-requests/${outOfScope}/reject`, as.officer, { reason: '越权' })).statusCode).toBe(404);
    expect((await get(`/api/control/bulk-requests/${outOfScope}`, as.wjgOfficer)).statusCode).toBe(200);
    await t.deps.services.control.setBulkThreshold(undefined, systemActor(), 20);
  });

  it('a retried change with the same Idempotency-Key applies once and replays the answer', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const headers = { ...as.officer, 'idempotency-key': `control-${p}` };
    const body = { personIds: [p], to: 'pending_recheck', basis: { type: 'tube', id: 'TUBE-R' }, reason: '混管阳性' };
    const first = await post('/api/control/changes', headers, body);
    const again = await post('/api/control/changes', headers, body);
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await t.deps.services.control.history(systemActor(), p)).toHaveLength(1);
  });

  describe('review records (研判记录): what a manual_review basis names', () => {
    const newReview = (headers: Record<string, string>, over: Record<string, unknown> = {}) =>
      post('/api/control/reviews', headers, {
        jurisdictionId: city.street.id,
        subject: '滨江苑3栋聚集性就餐人员',
        reason: '同餐人员中一人确诊，研判需居家隔离',
        evidence: '流调报告 LD-2022-061 第3页',
        ...over,
      });

    it('a review is written by one person and approved by a second; its reviewer cannot approve it (403), and each step is journaled', async () => {
      const journal = await t.deps.services.journal.count();
      const created = await newReview(as.officer);
      expect(created.statusCode).toBe(200);
      const r = created.json();
      expect(r).toMatchObject({ status: 'pending', reviewer: { name: 'xiling_officer' }, jurisdictionPath: city.street.path, approvedBy: null });
      const self = await post(`/api/control/reviews/${r.id}/approve`, as.officer, {});
      expect(self.statusCode).toBe(403);
      expect(self.json().error.code).toBe('CONTROL_REVIEW_SELF_APPROVAL');
      expect((await get(`/api/control/reviews/${r.id}`, as.officer)).json().status).toBe('pending');
      const ok = await post(`/api/control/reviews/${r.id}/approve`, as.officer2, { note: '证据充分' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({
        status: 'approved',
        approvedBy: { name: 'xiling_officer2' },
        approvalNote: '证据充分',
        reviewer: { name: 'xiling_officer' },
      });
      const again = await post(`/api/control/reviews/${r.id}/approve`, as.commander, {});
      expect(again.json().error.code).toBe('CONTROL_REVIEW_NOT_PENDING');
      // create + approve: two entries (the refused attempts wrote nothing).
      expect(await t.deps.services.journal.count()).toBe(journal + 2);
      const list = await get('/api/control/reviews?status=approved', as.officer);
      expect(list.json().items.map((x: { id: string }) => x.id)).toContain(r.id);
    });

    it('a change citing a manual_review that does not exist, is pending or was rejected is refused (422); an approved one applies', async () => {
      const [p] = await makePersons(t, city.street, 1);
      const change = (id: string) =>
        post('/api/control/changes', as.worker, { personIds: [p], to: 'home_monitored', basis: { type: 'manual_review', id }, reason: '研判后居家健康监测' });
      const missing = await change('REVIEW-INVENTED-1');
      expect(missing.statusCode).toBe(422);
      expect(missing.json().error).toMatchObject({ code: 'CONTROL_REVIEW_NOT_APPROVED', details: { field: 'basis.id' } });
      const pending = (await newReview(as.officer)).json();
      expect((await change(pending.id)).json().error.code).toBe('CONTROL_REVIEW_NOT_APPROVED');
      const rejected = (await newReview(as.officer)).json();
      expect((await post(`/api/control/reviews/${rejected.id}/reject`, as.officer2, {})).json().error.code).toBe('REASON_REQUIRED');
      expect((await post(`/api/control/reviews/${rejected.id}/reject`, as.officer2, { reason: '证据不足，不得管控' })).json()).toMatchObject({
        status: 'rejected',
        rejectReason: '证据不足，不得管控',
      });
      expect((await post(`/api/control/reviews/${rejected.id}/approve`, as.commander, {})).json().error.code).toBe('CONTROL_REVIEW_NOT_PENDING');
      expect((await change(rejected.id)).json().error.code).toBe('CONTROL_REVIEW_NOT_APPROVED');
      expect(await statusOf(p)).toBe('none');
      await post(`/api/control/reviews/${pending.id}/approve`, as.officer2, {});
      const applied = await change(pending.id);
      expect(applied.statusCode).toBe(200);
      expect(await statusOf(p)).toBe('home_monitored');
      expect((await get(`/api/control/persons/${p}`, as.officer)).json().basis).toEqual({ type: 'manual_review', id: pending.id });
    });

    it('a review in 伍家岗区 is invisible to 西陵区 (404) and cannot be cited there, and an incomplete one names the field (422)', async () => {
      const other = await t.app.inject({
        method: 'POST',
        url: '/api/control/reviews',
        headers: as.wjgOfficer,
        payload: { jurisdictionId: city.otherStreet.id, subject: '伍家岗街道研判对象', reason: '伍家岗研判理由充分', evidence: '伍家岗流调报告' },
      });
      expect(other.statusCode).toBe(200);
      const id = other.json().id;
      await t.deps.services.control.reviews.approve(undefined, { ...systemActor('t'), kind: 'user', userId: 'second-person', name: 'second' }, id);
      expect((await get(`/api/control/reviews/${id}`, as.officer)).statusCode).toBe(404);
      expect((await post(`/api/control/reviews/${id}/approve`, as.officer, {})).statusCode).toBe(404);
      expect((await get('/api/control/reviews', as.officer)).json().items.map((x: { id: string }) => x.id)).not.toContain(id);
      const [p] = await makePersons(t, city.street, 1);
      const cite = await post('/api/control/changes', as.officer, {
        personIds: [p],
        to: 'home_monitored',
        basis: { type: 'manual_review', id },
        reason: '跨区引用',
      });
      expect(cite.json().error.code).toBe('CONTROL_REVIEW_NOT_APPROVED');
      const bad = await newReview(as.officer, { evidence: '  ' });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error).toMatchObject({ code: 'CONTROL_REVIEW_INVALID', details: { field: 'evidence' } });
      expect((await newReview(as.sampler)).statusCode).toBe(403);
    });
  });
});
