import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';

describe.each(DIALECTS)('dashboard summary [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let hq: Record<string, string>;
  let xiling: Record<string, string>;
  let sampler: Record<string, string>;
  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const now = t.clock.now();
    const hqUnit = await buildUnit(t.deps.db, { name: '宜昌市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    const xiUnit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    const wuUnit = await buildUnit(t.deps.db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
    hq = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: hqUnit, roles: ['commander'] }), now);
    xiling = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: xiUnit, roles: ['district_officer'] }), now);
    sampler = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: xiUnit, roles: ['sampler'] }), now);
    await buildUser(t.deps.db, { unit: wuUnit, roles: ['district_officer'] });
    const sys = systemActor('test');
    await t.deps.services.tasks.create(undefined, sys, {
      title: '西陵区任务',
      sourceModule: 'manual',
      assigneeUnitId: xiUnit.id,
      jurisdictionPath: city.xiling.path,
      priority: 'normal',
    });
    await t.deps.services.tasks.create(undefined, sys, {
      title: '伍家岗区任务',
      sourceModule: 'manual',
      assigneeUnitId: wuUnit.id,
      jurisdictionPath: city.wujiagang.path,
      priority: 'high',
    });
    await t.deps.services.tasks.notify(undefined, sys, {
      jurisdictionPath: city.xiling.path,
      title: '预警',
      body: '西陵区',
      sourceModule: 'manual',
      severity: 'warning',
    });
  });
  afterAll(() => t.close());

  const get = async (headers: Record<string, string>) => {
    const r = await t.app.inject({ method: 'GET', url: '/api/dashboard/summary', headers });
    expect(r.statusCode).toBe(200);
    return r.json();
  };

  it('shows HQ the real city-wide counts', async () => {
    const s = await get(hq);
    const journal = await t.deps.services.journal.count();
    expect(s).toMatchObject({ jurisdictions: 5, users: 4, openTasks: 2, journalEntries: journal, unacknowledgedAlerts: 1 });
    expect(s.districts.map((d: { code: string }) => d.code).sort()).toEqual(['420502', '420503']);
  });

  it('limits a district officer to their district', async () => {
    const s = await get(xiling);
    expect(s).toMatchObject({ jurisdictions: 2, users: 2, openTasks: 1, unacknowledgedAlerts: 1 });
    expect(s.districts.map((d: { code: string }) => d.code)).toEqual(['420502']);
  });

  it('narrows to a chosen node inside the scope, and treats one outside as missing', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/api/dashboard/summary?jurisdictionId=${city.wujiagang.id}`, headers: hq });
    expect(r.json()).toMatchObject({ jurisdictions: 2, users: 1, openTasks: 1, unacknowledgedAlerts: 0 }); // the alert is about 西陵区
    const out = await t.app.inject({ method: 'GET', url: `/api/dashboard/summary?jurisdictionId=${city.wujiagang.id}`, headers: xiling });
    expect(out.statusCode).toBe(404);
  });

  it('is readable by every role, e.g. a sampler', async () => {
    expect((await get(sampler)).openTasks).toBe(1);
  });
});
