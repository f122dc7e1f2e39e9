import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { HOUR } from '../../platform/clock.js';
import { makePersons } from '../control/control.test-helpers.js';

/**
 * The tracer's worklist (issue 16, "Each role lands on its work"): open cases and contacts not yet
 * placed, ordered by the deadline their preset's speed targets give. The shipped presets' targets are
 * local parameters set by the HQ: core investigation 4 h and close contacts 24 h from confirmation,
 * placement 12 h from identification.
 */
describeDialects('cases: the tracer worklist', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let users: Record<'tracer' | 'wjgTracer' | 'sampler', Awaited<ReturnType<typeof buildUser>>>;
  const h = (u: keyof typeof users) => sessionHeaders(t.deps.db, users[u], t.clock.now());
  const post = async (url: string, payload?: unknown) => t.app.inject({ method: 'POST', url, headers: await h('tracer'), payload: payload as never });
  const worklist = async (u: keyof typeof users = 'tracer') => t.app.inject({ method: 'GET', url: '/api/tracing/worklist', headers: await h(u) });
  const newCase = async () => {
    const [p] = await makePersons(t, city.street, 1);
    const r = await post('/api/cases', { personId: p, kind: 'confirmed', reason: '病例' });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { id: string; personId: string; reportDate: string };
  };

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const xl = await buildUnit(db, { name: '西陵区流调专班', jurisdiction: city.xiling, kind: 'task_force' });
    const wjg = await buildUnit(db, { name: '伍家岗区流调专班', jurisdiction: city.wujiagang, kind: 'task_force' });
    users = {
      tracer: await buildUser(db, { unit: xl, roles: ['tracer'], username: 'xl_tracer' }),
      wjgTracer: await buildUser(db, { unit: wjg, roles: ['tracer'], username: 'wjg_tracer' }),
      sampler: await buildUser(db, { unit: xl, roles: ['sampler'], username: 'xl_sampler' }),
    };
  });
  afterAll(() => t.close());

  it('lists open cases and unplaced contacts by the earliest speed-target deadline, and drops what is done', async () => {
    const first = await newCase(); // confirmed at T: core investigation due T + 4 h
    t.clock.advance(HOUR);
    const second = await newCase(); // confirmed at T + 1 h: due T + 5 h
    const [p] = await makePersons(t, city.street, 1);
    const contact = await post(`/api/cases/${first.id}/contacts`, { category: 'close', exposureDate: first.reportDate, personId: p });
    expect(contact.statusCode, contact.body).toBe(200); // identified at T + 1 h: placement due T + 13 h
    // The first case's core investigation is done: its next deadline is close contacts, T + 24 h
    // (recording a close contact already set it, so it leaves the list).
    expect((await post(`/api/cases/${first.id}/core-investigation`)).statusCode).toBe(200);
    t.clock.advance(4 * HOUR + 60_000); // T + 5 h 1 min: the second case is overdue

    const r = await worklist();
    expect(r.statusCode, r.body).toBe(200);
    const items = r.json().items as {
      kind: string;
      id: string;
      caseId: string;
      measure: string;
      targetHours: number;
      overdue: boolean;
      dueAt: number;
      startedAt: number;
    }[];
    expect(items.map((i) => [i.kind, i.id, i.measure, i.targetHours, i.overdue])).toEqual([
      ['case', second.id, 'coreInvestigation', 4, true],
      ['contact', contact.json().id, 'contactToQuarantine', 12, false],
    ]);
    expect(items[1]!.caseId).toBe(first.id);
    expect(items[1]!.dueAt - items[1]!.startedAt).toBe(12 * HOUR);
    expect(r.json().items[0].nameMasked).not.toMatch(/^\p{Script=Han}{2,}$/u);
  });

  it('shows a district tracer only their district, and is closed to roles without case reading', async () => {
    const mine = (await worklist()).json().items.length;
    expect(mine).toBeGreaterThan(0);
    const other = await worklist('wjgTracer');
    expect(other.statusCode).toBe(200);
    expect(other.json().items).toEqual([]);
    expect((await worklist('sampler')).statusCode).toBe(403);
  });
});
