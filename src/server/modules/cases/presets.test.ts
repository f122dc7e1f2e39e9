import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { numberPaths, presetParamsSchema, provenanceOf, SHIPPED_PRESETS } from './presets.schema.js';

describe.each(DIALECTS)('protocol presets [%s]', (dialect) => {
  let t: TestApp;
  const as: Record<'commander' | 'tracer', Record<string, string>> = {} as never;

  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    const hq = await buildUnit(t.deps.db, { name: '市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    as.commander = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: hq, roles: ['commander'], username: 'cmd' }), t.clock.now());
    as.tracer = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: hq, roles: ['tracer'], username: 'tracer' }), t.clock.now());
  });
  afterAll(() => t.close());

  const get = (url: string, headers = as.commander) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload: unknown, headers = as.commander) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });

  it('ships the two presets at first use, the 9th edition active', async () => {
    const r = await get('/api/presets', as.tracer);
    expect(r.statusCode).toBe(200);
    const items = r.json().items as { key: string; version: number; active: boolean; params: unknown }[];
    expect(items.map((p) => p.key).sort()).toEqual(SHIPPED_PRESETS.map((p) => p.key).sort());
    expect(items.filter((p) => p.active).map((p) => p.key)).toEqual(['ninth-edition-2022-06']);
    const active = await t.deps.services.cases.presets.active();
    expect(active.label).toBe('ninth-edition-2022-06@v1');
    expect(active.params.contacts.close.quarantine.centralDays).toBe(7);
    expect((await t.deps.services.cases.presets.getVersion(active.id)).id).toBe(active.id);
  });

  it('refuses a preset missing a required parameter with 422 PRESET_INVALID and the issues, writing nothing', async () => {
    const params = structuredClone(SHIPPED_PRESETS[1].params) as Record<string, unknown>;
    delete (params.targets as Record<string, unknown>).coreInvestigationHours;
    const before = (await get('/api/presets')).json().items.length;
    const r = await post('/api/presets', { key: 'yichang-custom', name: '宜昌方案', params });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('PRESET_INVALID');
    expect(r.json().error.details.issues.map((i: { path: string }) => i.path)).toContain('targets.coreInvestigationHours');
    expect((await get('/api/presets')).json().items.length).toBe(before);
  });

  it('ships presets in which every number names its text or is marked local with a source', async () => {
    for (const p of SHIPPED_PRESETS) {
      expect(presetParamsSchema.safeParse(p.params).success).toBe(true);
      for (const path of numberPaths(p.params)) expect(provenanceOf(p.params.provenance, path), `${p.key}: ${path}`).toBeDefined();
    }
    const ninth = SHIPPED_PRESETS[0]!.params;
    const nov = SHIPPED_PRESETS[1]!.params;
    expect(ninth.sources.ninth!.title).toContain('第九版');
    expect(provenanceOf(ninth.provenance, 'contacts.close.quarantine.centralDays')?.entry).toMatchObject({ text: 'ninth' });
    // Numbers the texts do not give are local parameters: speed targets, cluster thresholds, the "near" distance.
    for (const path of ['targets.positiveToConfirmedHours', 'clusters.extinguishedAfterDaysWithoutCase', 'zoning.nearDistanceM']) {
      expect(provenanceOf(ninth.provenance, path)?.entry).toMatchObject({ local: true });
      expect(provenanceOf(nov.provenance, path)?.entry).toMatchObject({ local: true });
    }
    // Close contacts' test days per phase, as the texts give them.
    expect(ninth.contacts.close.quarantine).toMatchObject({ centralDays: 7, homeMonitoringDays: 3, tests: { central: [1, 2, 3, 5, 7], homeMonitoring: [3] } });
    expect(nov.contacts.close.quarantine).toMatchObject({ centralDays: 5, homeQuarantineDays: 3, tests: { central: [1, 2, 3, 5], homeQuarantine: [1, 3] } });
  });

  it('refuses a custom preset number with neither a source text nor a local mark, naming the field (422, nothing written)', async () => {
    const params = structuredClone(SHIPPED_PRESETS[1].params);
    delete (params.provenance as Record<string, unknown>).targets;
    const before = (await get('/api/presets')).json().items.length;
    const r = await post('/api/presets', { key: 'yichang-unsourced', name: '无来源方案', params });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('PRESET_INVALID');
    const issues = r.json().error.details.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toContain('targets.coreInvestigationHours');
    expect(issues.find((i) => i.path === 'targets.coreInvestigationHours')!.message).toMatch(/neither a source text nor a local mark/);

    // A citation of a text the preset does not list is refused too; a local mark without its source as well.
    const cites = structuredClone(SHIPPED_PRESETS[1].params);
    cites.provenance.targets = { text: 'no-such-text' };
    const r2 = await post('/api/presets', { key: 'yichang-unsourced', name: '无来源方案', params: cites });
    expect(r2.statusCode).toBe(422);
    expect(r2.json().error.details.issues.map((i: { path: string }) => i.path)).toContain('provenance.targets.text');
    const bare = structuredClone(SHIPPED_PRESETS[1].params) as unknown as { provenance: Record<string, unknown> };
    bare.provenance.targets = { local: true, source: ' ' };
    expect((await post('/api/presets', { key: 'yichang-unsourced', name: '无来源方案', params: bare })).statusCode).toBe(422);
    expect((await get('/api/presets')).json().items.length).toBe(before);

    // Marked local with its source, the same number is accepted.
    const local = structuredClone(SHIPPED_PRESETS[1].params);
    local.provenance.targets = { local: true, source: '宜昌市指挥部2022年第12号令' };
    local.targets.contactToQuarantineHours = 8;
    expect((await post('/api/presets', { key: 'yichang-local', name: '宜昌方案', params: local })).statusCode).toBe(200);
  });

  it('reads a preset stored before numbers carried sources: a shipped one as shipped, a custom one with its test days placed in their phases and marked local', async () => {
    const legacy = {
      contacts: {
        close: { traced: true, lookbackDays: 4, quarantine: { centralDays: 5, homeQuarantineDays: 3, homeMonitoringDays: 0, testDays: [1, 2, 3, 5, 8] } },
        secondary: { traced: false, lookbackDays: 0, quarantine: { centralDays: 0, homeQuarantineDays: 0, homeMonitoringDays: 0, testDays: [] } },
      },
      dayCounting: { firstDay: 0 },
      clusters: SHIPPED_PRESETS[1].params.clusters,
      zoning: SHIPPED_PRESETS[1].params.zoning,
      targets: SHIPPED_PRESETS[1].params.targets,
    };
    await t.deps.db
      .insertInto('case_presets')
      .values({
        id: 'legacy-1',
        key: 'legacy',
        version: 1,
        name: '旧方案',
        name_en: null,
        params: JSON.stringify(legacy),
        shipped: 0,
        active: 0,
        activated_at: null,
        created_by: null,
        created_by_name: 'x',
        created_at: t.clock.now(),
      })
      .execute();
    const p = await t.deps.services.cases.presets.getVersion('legacy-1');
    expect(p.params.contacts.close.quarantine.tests).toEqual({ central: [1, 2, 3, 5], homeQuarantine: [3], homeMonitoring: [] });
    expect(provenanceOf(p.params.provenance, 'contacts.close.quarantine.centralDays')?.entry).toMatchObject({ local: true });
    expect(presetParamsSchema.safeParse(p.params).success).toBe(true);
  });

  it('only preset.manage may create or activate (403 for a tracer)', async () => {
    const r = await post('/api/presets', { key: 'x', name: 'x', params: SHIPPED_PRESETS[0].params }, as.tracer);
    expect(r.statusCode).toBe(403);
  });

  it('versions a custom preset per key and switches the active one with a journaled reason', async () => {
    const params = structuredClone(SHIPPED_PRESETS[1].params);
    const v1 = await post('/api/presets', { key: 'yichang-custom', name: '宜昌方案', params });
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ version: 1, active: false, label: 'yichang-custom@v1' });
    params.contacts.close.quarantine.centralDays = 6;
    const v2 = await post('/api/presets', { key: 'yichang-custom', name: '宜昌方案（修订）', params });
    expect(v2.json()).toMatchObject({ version: 2, label: 'yichang-custom@v2' });

    const noReason = await post(`/api/presets/${v2.json().id}/activate`, {});
    expect(noReason.statusCode).toBe(400);
    const act = await post(`/api/presets/${v2.json().id}/activate`, { reason: '市指挥部决定执行修订方案' });
    expect(act.statusCode).toBe(200);
    expect(act.json().active).toBe(true);
    const active = (await get('/api/presets/active', as.tracer)).json();
    expect(active.id).toBe(v2.json().id);
    expect(active.params.contacts.close.quarantine.centralDays).toBe(6);
    expect((await get('/api/presets')).json().items.filter((p: { active: boolean }) => p.active)).toHaveLength(1);
    const again = await post(`/api/presets/${v2.json().id}/activate`, { reason: 'again' });
    expect(again.statusCode).toBe(409);

    const entries = await t.deps.db.selectFrom('journal').selectAll().where('action', '=', 'cases.preset.activate').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0].reason).toBe('市指挥部决定执行修订方案');
    expect(JSON.parse(entries[0].payload as string)).toEqual({ from: 'ninth-edition-2022-06@v1', to: 'yichang-custom@v2' });
  });
});
