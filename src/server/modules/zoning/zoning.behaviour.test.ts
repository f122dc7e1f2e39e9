import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { addDays, calendarDay, DAY, startOfDay } from '../../platform/clock.js';
import { addNodes } from '../testing/testing.test-helpers.js';
import type { AreaDetailDto, AreaDto, DetectorReportDto, ZoningMapDto } from '../../../common/zoning.js';
import type { PublicZoningDto } from './zoning.schemas.js';

/**
 * Behaviour of each zoning sub-service on its own: proposals, lifecycle transitions and refusals,
 * the lifting rules, the detector's roll-up, the public list and the map. Every number is checked
 * against a count made here from what the test itself created.
 */
describe.each(DIALECTS)('zoning sub-services: proposals, lifecycle, lifting rules, detector, public list, map [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  const sys = systemActor('zoning-behaviour-test');
  const users: Record<'commander' | 'tracer' | 'wjgTracer', Awaited<ReturnType<typeof buildUser>>> = {} as never;
  const as: Record<'commander' | 'tracer' | 'wjgTracer', Record<string, string>> = {} as never;
  let serial = 0;

  const refresh = async () => {
    for (const k of Object.keys(users) as (keyof typeof users)[]) as[k] = await sessionHeaders(t.deps.db, users[k], t.clock.now());
  };
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, who: keyof typeof as = 'commander', payload?: unknown) =>
    t.app.inject({ method, url, headers: as[who], ...(payload === undefined ? {} : { payload: payload as never }) });
  const journalCount = () => t.deps.services.journal.count();

  /**
   * A community with one compound of `buildings` buildings, each with two entrances of `perEntrance`
   * residents. Returns the nodes and, per building, the ids of the persons living in it.
   */
  async function neighbourhood(parent: JurisdictionRef, code: string, centre: [number, number], buildings: number, perEntrance: number) {
    const [community] = await addNodes(t, parent, [{ code, name: `社区${code.slice(-3)}`, level: 'community' }]);
    const spec: { code: string; name: string; level: string; centre?: [number, number] }[] = [
      { code: `${code}001`, name: `小区${code.slice(-3)}`, level: 'compound', centre },
    ];
    for (let b = 1; b <= buildings; b++) {
      const bc = `${code}001${String(b).padStart(2, '0')}`;
      spec.push(
        { code: bc, name: `${b}号楼`, level: 'building', centre: [centre[0] + b * 0.0004, centre[1]] },
        { code: `${bc}1`, name: '1单元', level: 'entrance' },
        { code: `${bc}2`, name: '2单元', level: 'entrance' },
      );
    }
    const nodes = await addNodes(t, community, spec);
    const blds = nodes.filter((n) => n.level === 'building');
    const residentsOf = new Map<string, string[]>();
    for (const b of blds) {
      const ids: string[] = [];
      for (const e of nodes.filter((n) => n.level === 'entrance' && n.path.startsWith(b.path))) {
        const inputs = Array.from({ length: perEntrance }, (_, i) => ({
          name: `住户${++serial}`,
          idType: 'passport' as const,
          idNumber: `Y${String(serial).padStart(8, '0')}`,
          birthDate: '1975-05-05',
          sex: 'female' as const,
          resident: true,
          address: { jurisdictionId: e.id, room: String(201 + i) },
        }));
        ids.push(...(await t.deps.services.population.createMany(undefined, sys, inputs)).ids);
      }
      residentsOf.set(b.id, ids);
    }
    return { community, compound: nodes[0], buildings: blds, residentsOf };
  }
  const activate = async (key: string) => {
    const p = (await t.deps.services.cases.presets.list()).find((x) => x.key === key)!;
    if (!p.active) await t.deps.services.cases.presets.activate(undefined, sys, p.id, '测试切换方案');
  };
  const newCase = async (personId: string) => (await t.deps.services.cases.cases.create(undefined, sys, { personId, kind: 'confirmed', reason: '确诊' })).id;
  const propose = async (body: Record<string, unknown>, who: keyof typeof as = 'tracer') => {
    const r = await call('POST', '/api/zoning/areas', who, body);
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as AreaDetailDto;
  };
  const publish = async (id: string, body: Record<string, unknown> = { justification: '研判后发布' }) => {
    const r = await call('POST', `/api/zoning/areas/${id}/publish`, 'commander', body);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as AreaDetailDto;
  };
  const errorOf = (r: { statusCode: number; json: () => { error: { code: string } } }) => [r.statusCode, r.json().error.code];

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const hq = await buildUnit(t.deps.db, { name: '市指挥部', jurisdiction: city.city, kind: 'hq' });
    const xl = await buildUnit(t.deps.db, { name: '西陵区专班', jurisdiction: city.xiling, kind: 'task_force' });
    const wjg = await buildUnit(t.deps.db, { name: '伍家岗区专班', jurisdiction: city.wujiagang, kind: 'task_force' });
    users.commander = await buildUser(t.deps.db, { unit: hq, roles: ['commander'], username: 'zb_commander' });
    users.tracer = await buildUser(t.deps.db, { unit: xl, roles: ['tracer'], username: 'zb_tracer' });
    users.wjgTracer = await buildUser(t.deps.db, { unit: wjg, roles: ['tracer'], username: 'zb_wjg_tracer' });
    await refresh();
    await activate('optimisation-2022-11');
  });
  afterAll(() => t.close());

  it('proposals: node count, population and granularity follow each adjustment (recounted from the residents made here); one journal entry per write; a rejected proposal is closed to change', async () => {
    const n = await neighbourhood(city.street, '420502001201', [111.2, 30.6], 2, 3);
    const [b1, b2] = n.buildings;
    const caseId = await newCase(n.residentsOf.get(b1.id)![0]);
    const livingIn = (...bs: JurisdictionRef[]) => bs.reduce((s, b) => s + n.residentsOf.get(b.id)!.length, 0);
    const before = await journalCount();

    const a = await propose({ level: 'high', jurisdictionIds: [b1.id], basis: { caseIds: [caseId] } });
    expect(a).toMatchObject({ status: 'proposed', nodeCount: 1, population: livingIn(b1), granularity: 'building', source: 'manual' });
    expect(a.name).toBe(`${n.compound.name}${b1.name}`);

    const two = await call('PATCH', `/api/zoning/areas/${a.id}`, 'tracer', { addJurisdictionIds: [b2.id], reason: '相邻楼栋' });
    expect(two.json()).toMatchObject({ nodeCount: 2, population: livingIn(b1, b2), granularity: 'building' });
    expect(
      two
        .json()
        .nodes.map((x: { jurisdictionId: string }) => x.jurisdictionId)
        .sort(),
    ).toEqual([b1.id, b2.id].sort());
    // The compound contains both buildings: they fold into it (one node, the compound's granularity).
    const whole = await call('PATCH', `/api/zoning/areas/${a.id}`, 'tracer', { addJurisdictionIds: [n.compound.id], reason: '整个小区' });
    expect(whole.json()).toMatchObject({ nodeCount: 1, population: livingIn(b1, b2), granularity: 'compound', nodes: [{ jurisdictionId: n.compound.id }] });
    // Removing the only node leaves nothing to cover: refused.
    const empty = await call('PATCH', `/api/zoning/areas/${a.id}`, 'tracer', { removeJurisdictionIds: [n.compound.id], reason: '全部移除' });
    expect(errorOf(empty)).toEqual([422, 'ZONING_NODES_REQUIRED']);
    expect(await journalCount()).toBe(before + 3);

    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/reject`, 'commander', { reason: '  ' }))).toEqual([422, 'REASON_REQUIRED']);
    const rejected = await call('POST', `/api/zoning/areas/${a.id}/reject`, 'commander', { reason: '证据不足' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', rejectedBy: { name: 'zb_commander', reason: '证据不足' } });
    expect(rejected.json().history.map((h: { kind: string }) => h.kind)).toEqual(['proposed', 'adjusted', 'adjusted', 'rejected']);
    expect(await journalCount()).toBe(before + 4);

    // Closed: no adjustment, publication or second rejection; nothing written.
    expect(errorOf(await call('PATCH', `/api/zoning/areas/${a.id}`, 'tracer', { addJurisdictionIds: [b1.id], reason: '再加' }))).toEqual([
      409,
      'ZONING_NOT_PROPOSED',
    ]);
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/publish`, 'commander', { justification: '发布' }))).toEqual([409, 'ZONING_NOT_PROPOSED']);
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/reject`, 'commander', { reason: '再驳回' }))).toEqual([409, 'ZONING_NOT_PROPOSED']);
    expect(await journalCount()).toBe(before + 4);
    // Another district's tracer neither sees nor adjusts it.
    expect((await call('GET', `/api/zoning/areas/${a.id}`, 'wjgTracer')).statusCode).toBe(404);
  });

  it('lifecycle: publishing puts exactly the residents recounted here under the seal (the case keeps its own basis); a second publication, an early step, a step override without reason and a justification of a proposal are refused and write nothing', async () => {
    const n = await neighbourhood(city.street, '420502001202', [111.21, 30.61], 2, 2);
    const [b1, b2] = n.buildings;
    const [patient, ...neighbours] = n.residentsOf.get(b1.id)!;
    const caseId = await newCase(patient);
    const a = await propose({ level: 'high', jurisdictionIds: [b1.id], basis: { caseIds: [caseId] } });

    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/justify`, 'commander', { justification: '保留' }))).toEqual([409, 'ZONING_NOT_PUBLISHED']);
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/step`, 'commander', {}))).toEqual([409, 'ZONING_NOT_PUBLISHED']);

    const pub = await publish(a.id);
    const everyone = [...n.residentsOf.values()].flat();
    const statuses = [...(await t.deps.services.control.statusesOf(everyone)).values()];
    const sealedHere = statuses.filter((s) => s.status === 'sealed' && s.basis?.type === 'risk_area' && s.basis.id === a.id).map((s) => s.personId);
    expect(sealedHere.sort()).toEqual([...neighbours].sort());
    expect(pub.personsUnderMeasure).toBe(neighbours.length);
    expect(statuses.filter((s) => n.residentsOf.get(b2.id)!.includes(s.personId)).every((s) => s.status === 'none')).toBe(true);
    expect(statuses.find((s) => s.personId === patient)!.basis?.type).toBe('case');
    // The control summary's kept-current counter agrees with the recount.
    expect((await call('GET', `/api/control/summary?jurisdictionId=${b1.id}`)).json().counts.sealed).toBe(neighbours.length);
    const published = pub.history.find((h) => h.kind === 'published')!;
    expect(published.details).toMatchObject({ personsUnderMeasure: neighbours.length });

    const before = await journalCount();
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/publish`, 'commander', { justification: '再发布' }))).toEqual([409, 'ZONING_NOT_PROPOSED']);
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/step`, 'commander', {}))).toEqual([422, 'ZONING_STEP_NOT_DUE']);
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/step`, 'commander', { override: true }))).toEqual([422, 'REASON_REQUIRED']);
    expect(errorOf(await call('POST', `/api/zoning/areas/${a.id}/extensions/no-such-extension`, 'commander', { accept: true, reason: '接受' }))).toEqual([
      404,
      'ZONING_EXTENSION_NOT_FOUND',
    ]);
    expect(await journalCount()).toBe(before);
    expect((await call('GET', `/api/zoning/areas/${a.id}`)).json()).toMatchObject({
      status: 'published',
      level: 'high',
      personsUnderMeasure: neighbours.length,
    });

    // Justifying a published area records who kept it and why (one history row).
    const kept = await call('POST', `/api/zoning/areas/${a.id}/justify`, 'commander', { justification: '病例密接集中居住' });
    expect(kept.json()).toMatchObject({ justification: '病例密接集中居住' });
    expect(kept.json().history.filter((h: { kind: string }) => h.kind === 'justified')).toHaveLength(1);
  });

  it('lifting rules (November 2022: "高风险区连续5天无新增感染者…降为低风险区"): the countdown runs 5 calendar days from publication, one fewer each day; a low area is not lifted while a high area stands in its district, override or not', async () => {
    const n = await neighbourhood(city.street, '420502001203', [111.22, 30.62], 2, 1);
    const [b1, b2] = n.buildings;
    const caseId = await newCase(n.residentsOf.get(b1.id)![0]);
    const high = await publish((await propose({ level: 'high', jurisdictionIds: [b1.id], basis: { caseIds: [caseId] } })).id);
    const publishedDay = calendarDay(t.clock.now(), t.config.tz);
    expect(high.schedule).toMatchObject({ next: { to: 'low', daysWithoutNewCase: 5, negativeRoundDay: 5 }, daysLeft: 5, due: false, overdue: false });
    expect(high.schedule!.dueAt).toBe(startOfDay(addDays(publishedDay, 5), t.config.tz));
    expect(high.schedule!.negativeRound).toMatchObject({ dayNumber: 5, day: addDays(publishedDay, 5) });

    // A low area in the same district (November 2022 has high and low only): its next step is lifting, when the county is clear.
    const low = await publish((await propose({ level: 'low', jurisdictionIds: [b2.id], basis: { caseIds: [caseId] } })).id);
    expect(low.personsUnderMeasure).toBe(0);
    expect(low.schedule!.next).toMatchObject({ to: 'lifted', whenCountyClear: true });
    expect(low.schedule!.countyClear).toMatchObject({ clear: false });
    expect(low.schedule!.countyClear!.blocking.map((b) => b.id)).toContain(high.id);

    t.clock.advance(DAY);
    await refresh();
    expect((await call('GET', `/api/zoning/areas/${high.id}`)).json().schedule).toMatchObject({ daysLeft: 4, due: false });
    const before = await journalCount();
    for (const body of [{}, { override: true, reason: '提前解除' }]) {
      const r = await call('POST', `/api/zoning/areas/${low.id}/step`, 'commander', body);
      expect(errorOf(r)).toEqual([409, 'ZONING_COUNTY_NOT_CLEAR']);
      expect(r.json().error.details.areas.map((x: { id: string }) => x.id)).toContain(high.id);
    }
    expect(await journalCount()).toBe(before);
    expect((await call('GET', `/api/zoning/areas/${low.id}`)).json().status).toBe('published');
  });

  it('detector: the per-district roll-up equals a recount over its area rows, and each area population equals the residents made here', async () => {
    const west = await neighbourhood(city.street, '420502001204', [111.23, 30.63], 3, 2);
    const east = await neighbourhood(city.otherStreet, '420503001204', [111.33, 30.73], 2, 2);
    const wCase = await newCase(west.residentsOf.get(west.buildings[0].id)![0]);
    const eCase = await newCase(east.residentsOf.get(east.buildings[0].id)![0]);
    // West: the case's building (not flagged) and the whole compound (wider than the evidence: flagged).
    const exact = await propose({ level: 'high', jurisdictionIds: [west.buildings[0].id], basis: { caseIds: [wCase] } });
    const wide = await propose({ level: 'high', jurisdictionIds: [west.compound.id], basis: { caseIds: [wCase] } });
    const eastArea = await propose({ level: 'high', jurisdictionIds: [east.compound.id], basis: { caseIds: [eCase] } }, 'wjgTracer');
    const residents = (x: typeof west, bs = x.buildings) => bs.reduce((s, b) => s + x.residentsOf.get(b.id)!.length, 0);

    const report = (await call('GET', '/api/zoning/detector')).json() as DetectorReportDto;
    const row = (id: string) => report.areas.find((r) => r.areaId === id)!;
    expect(row(exact.id)).toMatchObject({
      population: residents(west, [west.buildings[0]]),
      evidenceFootprint: residents(west, [west.buildings[0]]),
      ratio: 1,
      flagged: false,
    });
    expect(row(wide.id)).toMatchObject({ population: residents(west), evidenceFootprint: residents(west, [west.buildings[0]]), flagged: true });
    expect(row(wide.id).ratio).toBe(Math.round((residents(west) / residents(west, [west.buildings[0]])) * 10) / 10);
    expect(row(eastArea.id)).toMatchObject({ population: residents(east), districtName: '伍家岗区' });

    // The roll-up, recounted here from the rows.
    const recount = new Map<
      string,
      { areas: number; flagged: number; population: number; evidenceFootprint: number; personsUnderMeasure: number; activeCases: number; pastLifting: number }
    >();
    for (const r of report.areas) {
      const d = recount.get(r.districtPath) ?? {
        areas: 0,
        flagged: 0,
        population: 0,
        evidenceFootprint: 0,
        personsUnderMeasure: 0,
        activeCases: 0,
        pastLifting: 0,
      };
      recount.set(r.districtPath, d);
      d.areas += 1;
      d.flagged += r.flagged ? 1 : 0;
      d.population += r.population;
      d.evidenceFootprint += r.evidenceFootprint;
      d.personsUnderMeasure += r.personsUnderMeasure;
      d.activeCases += r.activeCases;
      d.pastLifting += r.pastLifting ? 1 : 0;
    }
    expect(report.districts.map((d) => d.districtPath).sort()).toEqual([...recount.keys()].sort());
    for (const d of report.districts) {
      const mine = recount.get(d.districtPath)!;
      expect(d).toMatchObject(mine);
      expect(d.ratio).toBe(mine.evidenceFootprint ? Math.round((mine.population / mine.evidenceFootprint) * 10) / 10 : null);
    }
    // Flagged rows first.
    const flags = report.areas.map((r) => r.flagged);
    expect(flags).toEqual([...flags].sort((x, y) => Number(y) - Number(x)));
    // A district's tracer sees only their district's rows.
    const wjgReport = (await call('GET', '/api/zoning/detector', 'wjgTracer')).json() as DetectorReportDto;
    expect(new Set(wjgReport.areas.map((r) => r.districtPath))).toEqual(new Set([row(eastArea.id).districtPath]));
  });

  it('public list: exactly the published areas (recounted through the staff list), grouped by district, each publication a new version; the GeoJSON carries one feature per published node', async () => {
    const n = await neighbourhood(city.otherStreet, '420503001205', [111.34, 30.74], 2, 1);
    const caseId = await newCase(n.residentsOf.get(n.buildings[0].id)![0]);
    const v0 = ((await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).json() as PublicZoningDto).version;
    const proposedOnly = await propose({ level: 'high', jurisdictionIds: [n.buildings[1].id], basis: { caseIds: [caseId] } }, 'wjgTracer');
    const shown = await publish((await propose({ level: 'high', jurisdictionIds: [n.buildings[0].id], basis: { caseIds: [caseId] } }, 'wjgTracer')).id);

    const body = (await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).json() as PublicZoningDto;
    expect(body.version).toBeGreaterThan(v0);
    const listed = body.districts.flatMap((d) => d.areas);
    const staff = (await call('GET', '/api/zoning/areas?status=published&limit=500')).json().items as AreaDto[];
    expect(listed.map((a) => a.id).sort()).toEqual(staff.map((a) => a.id).sort());
    expect(listed.some((a) => a.id === proposedOnly.id)).toBe(false);
    expect(listed.find((a) => a.id === shown.id)).toMatchObject({
      level: 'high',
      street: '伍家岗街道',
      community: '社区205',
      places: [`小区205 · ${n.buildings[0].name}`],
    });
    // Grouped by district: each group holds only its district's areas.
    const districtOf = new Map(staff.map((a) => [a.id, a.districtName]));
    for (const g of body.districts) for (const a of g.areas) expect(districtOf.get(a.id)).toBe(g.districtName);
    expect(body.history[0]).toMatchObject({ areaId: shown.id, kind: 'published' });

    const geo = (await t.app.inject({ method: 'GET', url: '/api/public/zoning/geojson' })).json() as { features: { properties: { areaId: string } }[] };
    expect(geo.features.length).toBe(staff.reduce((s, a) => s + a.nodeCount, 0));
    expect(new Set(geo.features.map((f) => f.properties.areaId))).toEqual(new Set(staff.map((a) => a.id)));
    // Rejecting a proposal changes nothing public: the version stays.
    await call('POST', `/api/zoning/areas/${proposedOnly.id}/reject`, 'commander', { reason: '不发布' });
    expect(((await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).json() as PublicZoningDto).version).toBe(body.version);
  });

  it('map: a past day is rebuilt from the history (an area published today is absent yesterday); a proposal shows without a level; a node outside the scope is answered as missing', async () => {
    const n = await neighbourhood(city.street, '420502001206', [111.24, 30.64], 2, 1);
    const [b1, b2] = n.buildings;
    const caseId = await newCase(n.residentsOf.get(b1.id)![0]);
    const live = await publish((await propose({ level: 'high', jurisdictionIds: [b1.id], basis: { caseIds: [caseId] } })).id);
    const draft = await propose({ level: 'high', jurisdictionIds: [b2.id], basis: { caseIds: [caseId] } });
    const today = calendarDay(t.clock.now(), t.config.tz);

    const now = (await call('GET', `/api/zoning/map?jurisdictionId=${n.compound.id}`)).json() as ZoningMapDto;
    expect(now).toMatchObject({ date: today, truncated: false });
    const feature = (id: string, m: ZoningMapDto) => m.features.features.find((f) => f.properties.jurisdictionId === id)?.properties;
    expect(feature(b1.id, now)).toMatchObject({ effectiveLevel: 'high', areaIds: [live.id] });
    expect(feature(b2.id, now)).toMatchObject({ effectiveLevel: 'low', areaIds: [draft.id] });
    expect(now.areas.map((a) => a.id).sort()).toEqual([live.id, draft.id].sort());

    const yesterday = (await call('GET', `/api/zoning/map?jurisdictionId=${n.compound.id}&date=${addDays(today, -1)}`)).json() as ZoningMapDto;
    expect(yesterday.areas).toEqual([]);
    expect(yesterday.features.features).toEqual([]);

    const outside = await call('GET', `/api/zoning/map?jurisdictionId=${n.compound.id}`, 'wjgTracer');
    expect(errorOf(outside)).toEqual([404, 'ZONING_NODE_NOT_FOUND']);
  });

  it('port: areaLevelsUnder answers the published nodes under and above a scope with their measure; areaMeasures gives each resident the strictest published area over their home (9th edition: high inside medium)', async () => {
    await activate('ninth-edition-2022-06');
    const n = await neighbourhood(city.street, '420502001207', [111.25, 30.65], 2, 1);
    const [b1, b2] = n.buildings;
    const caseId = await newCase(n.residentsOf.get(b1.id)![0]);
    const outer = await publish((await propose({ level: 'medium', jurisdictionIds: [n.compound.id], basis: { caseIds: [caseId] } })).id);
    const inner = await publish((await propose({ level: 'high', jurisdictionIds: [b1.id], basis: { caseIds: [caseId] } })).id);
    await propose({ level: 'high', jurisdictionIds: [b2.id], basis: { caseIds: [caseId] } }); // proposed only: never counted
    const z = t.deps.services.zoning;

    const fromBuilding = await z.areaLevelsUnder([b2.path]);
    expect(fromBuilding).toEqual([{ path: n.compound.path, level: 'medium', areaId: outer.id, measure: 'controlled' }]);
    const fromCommunity = await z.areaLevelsUnder([n.community.path]);
    expect(fromCommunity.sort((x, y) => x.path.localeCompare(y.path))).toEqual([
      { path: n.compound.path, level: 'medium', areaId: outer.id, measure: 'controlled' },
      { path: b1.path, level: 'high', areaId: inner.id, measure: 'sealed' },
    ]);

    const [, inB1] = n.residentsOf.get(b1.id)!;
    const [inB2] = n.residentsOf.get(b2.id)!;
    const elsewhere = (await neighbourhood(city.street, '420502001208', [111.26, 30.66], 1, 1)).residentsOf.values().next().value![0];
    const measures = await z.areaMeasures(t.deps.db, [inB1, inB2, elsewhere]);
    expect(Object.fromEntries(measures)).toEqual({ [inB1]: { status: 'sealed', areaId: inner.id }, [inB2]: { status: 'controlled', areaId: outer.id } });
    expect((await z.areaMeasures(t.deps.db, [])).size).toBe(0);
  });

  it('the hourly job: what evaluate() reports equals a recount of the history rows it wrote, and a second run the same hour writes nothing', async () => {
    const z = t.deps.services.zoning;
    t.clock.advance(6 * DAY);
    await refresh();
    const kinds = { rounds: 'round_created', tasks: 'lift_due', alerts: 'overdue', resets: 'countdown_reset', extensions: 'extension_proposed' } as const;
    const recount = async (since: number) => {
      const out = { rounds: 0, tasks: 0, alerts: 0, resets: 0, extensions: 0 };
      const { items } = (await call('GET', '/api/zoning/areas?limit=500')).json() as { items: AreaDto[] };
      for (const a of items) {
        const history = ((await call('GET', `/api/zoning/areas/${a.id}`)).json() as AreaDetailDto).history;
        for (const [k, kind] of Object.entries(kinds)) out[k as keyof typeof out] += history.filter((h) => h.kind === kind && h.at >= since).length;
      }
      return out;
    };
    const since = t.clock.now();
    const first = await t.deps.db.transaction().execute((trx) => z.evaluate(trx, sys));
    // The November 2022 high areas published days ago are due and past due: something was done.
    expect(first.tasks).toBeGreaterThan(0);
    expect(first.alerts).toBeGreaterThan(0);
    expect(first).toEqual(await recount(since));
    const second = await t.deps.db.transaction().execute((trx) => z.evaluate(trx, sys));
    expect(second).toEqual({ rounds: 0, tasks: 0, alerts: 0, resets: 0, extensions: 0 });
    expect(await recount(since)).toEqual(first);
  });
});
