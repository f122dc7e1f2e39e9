import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { renderMessage } from '../../../common/message-text.js';
import { addDays, calendarDay, DAY, HOUR, startOfDay, utcDay } from '../../platform/clock.js';
import { addNodes, barcode, cid } from '../testing/testing.test-helpers.js';
import type { AreaDetailDto, DetectorReportDto, ZoningMapDto } from '../../../common/zoning.js';
import type { PublicZoningDto } from './zoning.schemas.js';

let serial = 0;

describe.each(DIALECTS)('risk areas: proposals, publication, lifting, the 一刀切 detector, the public list [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  const sys = systemActor('zoning-test');
  const users: Record<string, Awaited<ReturnType<typeof buildUser>>> = {};
  const as: Record<'commander' | 'tracer' | 'wjgTracer', Record<string, string>> = {} as never;
  let hqId: string;
  let hqRef: Awaited<ReturnType<typeof buildUnit>>;

  async function advance(ms: number) {
    t.clock.advance(ms);
    for (const k of Object.keys(as) as (keyof typeof as)[]) as[k] = await sessionHeaders(t.deps.db, users[k]!, t.clock.now());
  }
  const get = (url: string, headers = as.commander) => t.app.inject({ method: 'GET', url, headers });
  const send = (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: unknown, headers = as.commander) =>
    t.app.inject({ method, url, headers, payload: payload as never });

  /** A compound with `buildings` buildings of two entrances (`perEntrance` residents each) under `parent` (a community). */
  async function compound(
    parent: JurisdictionRef,
    code: string,
    centre: [number, number],
    buildings: number,
    perEntrance: number,
    o: { bareBuilding?: boolean } = {},
  ) {
    const spec: { code: string; name: string; level: string; centre?: [number, number] }[] = [
      { code, name: `小区${code.slice(-3)}`, level: 'compound', centre },
    ];
    for (let b = 1; b <= buildings; b++) {
      const bc = `${code}${String(b).padStart(2, '0')}`;
      spec.push({ code: bc, name: `${b}栋`, level: 'building', centre: [centre[0] + b * 0.0005, centre[1]] });
      spec.push({ code: `${bc}1`, name: '1单元', level: 'entrance' }, { code: `${bc}2`, name: '2单元', level: 'entrance' });
    }
    if (o.bareBuilding) spec.push({ code: `${code}99`, name: '99栋', level: 'building', centre: [centre[0], centre[1] + 0.0005] });
    const nodes = await addNodes(t, parent, spec);
    const entrances = nodes.filter((n) => n.level === 'entrance');
    const persons = new Map<string, string[]>();
    for (const e of entrances) {
      const inputs = Array.from({ length: perEntrance }, (_, i) => ({
        name: `居民${++serial}`,
        idType: 'passport' as const,
        idNumber: `Z${String(serial).padStart(8, '0')}`,
        birthDate: '1980-01-01',
        sex: 'male' as const,
        resident: true,
        address: { jurisdictionId: e.id, room: String(101 + i) },
      }));
      const ids = (await t.deps.services.population.createMany(undefined, sys, inputs)).ids;
      ids.forEach((id, i) => idNumbers.set(id, inputs[i].idNumber));
      persons.set(e.id, ids);
    }
    return { compound: nodes[0], buildings: nodes.filter((n) => n.level === 'building'), entrances, persons };
  }
  const statusOf = async (ids: string[]) => [...(await t.deps.services.control.statusesOf(ids)).values()];
  const activate = async (key: string) => {
    const p = (await t.deps.services.cases.presets.list()).find((x) => x.key === key)!;
    if (!p.active) await t.deps.services.cases.presets.activate(undefined, sys, p.id, '测试切换方案');
  };
  const newCase = async (personId: string) => (await t.deps.services.cases.cases.create(undefined, sys, { personId, kind: 'confirmed', reason: '确诊' })).id;
  const discharge = (caseId: string) => t.deps.services.cases.cases.setClinicalStatus(undefined, sys, caseId, 'discharged', '出院');
  const area = async (id: string) => (await get(`/api/zoning/areas/${id}`)).json() as AreaDetailDto;
  /** Passport numbers of the residents made by compound(), by person id. */
  const idNumbers = new Map<string, string>();

  /**
   * Samples persons in the area's lifting round (one tube each: sealed areas are sampled single
   * tube) and records `result` for each tube, through the testing services as a sampling team and
   * a lab would.
   */
  async function sampleRound(campaignId: string, personIds: string[], result: 'negative' | 'positive' = 'negative') {
    const testing = t.deps.services.testing;
    const campaign = await testing.campaigns.get(sys, campaignId);
    const site = await testing.sites.create(undefined, sys, {
      name: `解封核酸点${++serial}`,
      kind: 'tent',
      jurisdictionId: campaign.scope[0].jurisdictionId,
      location: [111.3, 30.7],
      lanes: 1,
    });
    const codes: string[] = [];
    for (const personId of personIds) {
      const code = barcode('LR');
      const open = await testing.sampling.openTube(sys, { clientId: cid(), campaignId, siteId: site.id, barcode: code, poolSize: 1 });
      const tubeId = open.tube!.id;
      const scan = await testing.sampling.scan(sys, { clientId: cid(), tubeId, idNumber: idNumbers.get(personId)!, idType: 'passport' });
      expect(scan.status, JSON.stringify(scan)).not.toBe('error');
      // A single tube closes itself when its one person is scanned.
      codes.push(code);
    }
    await testing.lab.receive(undefined, sys, { boxCode: `BOX-${++serial}`, barcodes: codes });
    for (const code of codes)
      await testing.lab.recordOne(undefined, sys, {
        barcode: code,
        result,
        ...(result === 'positive' ? { ctOrf1ab: 28, ctN: 30 } : {}),
        lab: '解封核酸实验室',
      } as never);
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    hqId = hq.id;
    hqRef = hq;
    const xl = await buildUnit(db, { name: '西陵区流调专班', jurisdiction: city.xiling, kind: 'task_force' });
    const wjg = await buildUnit(db, { name: '伍家岗区流调专班', jurisdiction: city.wujiagang, kind: 'task_force' });
    users.commander = await buildUser(db, { unit: hq, roles: ['commander'], username: 'zoning_commander' });
    users.tracer = await buildUser(db, { unit: xl, roles: ['tracer'], username: 'zoning_tracer' });
    users.wjgTracer = await buildUser(db, { unit: wjg, roles: ['tracer'], username: 'zoning_wjg_tracer' });
    for (const k of Object.keys(users)) (as as Record<string, Record<string, string>>)[k] = {};
    await advance(0);
  });
  afterAll(() => t.close());

  it('November 2022: proposes by building, flags a widened compound, publishes, counts down 5 days, tasks the owner, lifts and ends the measures', async () => {
    await activate('optimisation-2022-11');
    const [community] = await addNodes(t, city.street, [{ code: '420502001101', name: '江南社区', level: 'community' }]);
    const c = await compound(community, '420502001101001', [111.3, 30.7], 4, 4);
    const [b1, b2] = c.buildings;
    const [e1a, e1b] = c.entrances;
    const patient = c.persons.get(e1a.id)![0];
    const caseId = await newCase(patient);

    // Proposal at the preset's granularity: the case's building.
    const gen = await send('POST', '/api/zoning/proposals', {}, as.tracer);
    expect(gen.statusCode).toBe(201);
    const proposed = gen.json().created.find((a: AreaDetailDto) => a.basis.caseIds.includes(caseId));
    expect(proposed).toMatchObject({
      status: 'proposed',
      level: 'high',
      granularity: 'building',
      presetVersion: expect.stringContaining('optimisation-2022-11'),
      proposedBy: { name: 'zoning_tracer' },
    });
    expect((await area(proposed.id)).nodes.map((n) => n.jurisdictionId)).toEqual([b1.id]);
    // The same evidence is not proposed twice.
    expect((await send('POST', '/api/zoning/proposals', {}, as.tracer)).json().created).toEqual([]);

    // Widened to the whole compound: the detector flags it (ratio and granularity) and publishing needs a justification.
    const wide = await send('PATCH', `/api/zoning/areas/${proposed.id}`, { addJurisdictionIds: [c.compound.id], reason: '扩大到整个小区' }, as.tracer);
    expect(wide.statusCode).toBe(200);
    expect(wide.json()).toMatchObject({ granularity: 'compound', nodeCount: 1, population: 32 });
    const det = (await get('/api/zoning/detector')).json() as DetectorReportDto;
    const row = det.areas.find((a) => a.areaId === proposed.id)!;
    // The footprint is the case's building (8 residents, the unit the preset draws high areas at).
    expect(row).toMatchObject({ flagged: true, population: 32, evidenceFootprint: 8, ratio: 4, presetGranularity: 'building', granularity: 'compound' });
    expect(row.flags.map((f) => f.kind).sort()).toEqual(['granularity', 'ratio']);
    expect(det.districts.find((d) => d.districtName === '西陵区')).toMatchObject({ flagged: 1 });
    const refused = await send('POST', `/api/zoning/areas/${proposed.id}/publish`, {});
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('ZONING_JUSTIFICATION_REQUIRED');
    // The export HQ downloads carries the flagged row.
    const xlsx = await get('/api/zoning/detector/export');
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as never);
    const cells = wb.worksheets[0].getSheetValues().flat().map(String);
    expect(cells.some((v) => v.includes('人口比 4'))).toBe(true);

    // Narrowed back to the building: no flag; published by the commander (the approval).
    const narrow = await send(
      'PATCH',
      `/api/zoning/areas/${proposed.id}`,
      { removeJurisdictionIds: [c.compound.id], addJurisdictionIds: [b1.id], reason: '按楼栋划定' },
      as.tracer,
    );
    expect(narrow.json()).toMatchObject({ granularity: 'building', flagged: false, population: 8 });
    // Drawn exactly as the preset asks, the building is its own footprint although the case lives in one of its two entrances.
    const narrowRow = ((await get('/api/zoning/detector')).json() as DetectorReportDto).areas.find((a) => a.areaId === proposed.id)!;
    expect(narrowRow).toMatchObject({ ratio: 1, evidenceFootprint: 8, flags: [] });
    const pub = await send('POST', `/api/zoning/areas/${proposed.id}/publish`, { note: '发布' });
    expect(pub.statusCode).toBe(200);
    expect(pub.json()).toMatchObject({
      status: 'published',
      approvedBy: { name: 'zoning_commander' },
      publishedBy: { name: 'zoning_commander' },
      proposedBy: { name: 'zoning_tracer' },
    });

    // Residents of the building: home quarantine resting on the area; the neighbours and the case (held on its own basis) untouched.
    const inside = [...c.persons.get(e1a.id)!.slice(1), ...c.persons.get(e1b.id)!];
    for (const s of await statusOf(inside)) expect(s).toMatchObject({ status: 'sealed', basis: { type: 'risk_area', id: proposed.id } });
    for (const s of await statusOf(c.persons.get(c.entrances[2].id)!)) expect(s.status).toBe('none');
    expect((await statusOf([patient]))[0].basis?.type).not.toBe('risk_area');
    expect((await area(proposed.id)).personsUnderMeasure).toBe(7);

    // Sealing is an area measure, not quarantine: the summary counts the 7 under an area measure; only the case (held on its own basis) is under a person measure.
    const sum = (await get(`/api/control/summary?jurisdictionId=${b1.id}`)).json();
    expect(sum).toMatchObject({ underMeasure: 1, underAreaMeasure: 7, counts: { sealed: 7, quarantined_home: 0 } });
    // A person measure found for a sealed resident replaces the seal; when it ends, the seal comes back.
    const [held] = inside;
    await t.deps.db.transaction().execute(async (trx) => {
      await t.deps.services.control.applyAutomatic(trx, sys, {
        personIds: [held],
        to: 'quarantined_home',
        basis: { type: 'case', id: caseId },
        reason: '密接居家隔离',
      });
      const r = await t.deps.services.control.applyAutomatic(trx, sys, {
        personIds: [held],
        to: 'released',
        basis: { type: 'case', id: caseId },
        reason: '隔离期满',
      });
      expect(r.changes).toEqual([{ personId: held, from: 'quarantined_home', to: 'sealed' }]);
    });
    expect((await statusOf([held]))[0]).toMatchObject({ status: 'sealed', basis: { type: 'risk_area', id: proposed.id } });
    const hist = await t.deps.services.control.history(sys, held);
    expect(hist.slice(-2).map((h) => [h.from, h.to])).toEqual([
      ['quarantined_home', 'released'],
      ['released', 'sealed'],
    ]);
    // Nobody can seal a person on anything but a risk area.
    const manualSeal = await send('POST', '/api/control/changes', {
      personIds: [c.persons.get(c.entrances[2].id)![0]],
      to: 'sealed',
      basis: { type: 'case', id: caseId },
      reason: '封控',
    });
    expect(manualSeal.json().error.code).toBe('CONTROL_AREA_MEASURE_BASIS');

    // The public list shows it without personal data.
    const pubList = (await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).json() as PublicZoningDto;
    const listed = pubList.districts.flatMap((d) => d.areas).find((a) => a.id === proposed.id)!;
    // Current areas and since when; no projected lifting date (residents read one as a promise).
    // Its street and community, and the building written in full below them, never a bare 1栋 (issue 16).
    expect(listed).toMatchObject({ level: 'high', street: '西陵街道', community: '江南社区', places: ['小区001 · 1栋'], levelSince: listed.publishedAt });
    expect(listed).not.toHaveProperty('expectedStep');
    // Staff read its places in full too, from the community down.
    const detail = (await get(`/api/zoning/areas/${proposed.id}`)).json();
    expect(detail.nodes.map((n: { place: string }) => n.place)).toEqual(['江南社区 · 小区001 · 1栋']);
    expect(JSON.stringify(pubList)).not.toMatch(/居民|Z0\d{7}/);
    const etag = (await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).headers.etag as string;
    expect(etag).toBe(`"zoning-${pubList.version}"`);
    expect((await t.app.inject({ method: 'GET', url: '/api/public/zoning', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    const geo = await t.app.inject({ method: 'GET', url: '/api/public/zoning/geojson' });
    expect(geo.json().features.some((f: { properties: { areaId: string } }) => f.properties.areaId === proposed.id)).toBe(true);
    const publishedDay = calendarDay(t.clock.now(), t.config.tz);

    // Not due yet.
    const early = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe('ZONING_STEP_NOT_DUE');

    // Past 5 days without a new case (November 2022: 5 days, and a negative round on day 5): the job
    // creates the lifting round over the building and the lift task for the owner (the publisher's unit).
    await advance(5 * DAY + HOUR);
    await t.deps.services.jobs.runDueNow();
    const after5 = await area(proposed.id);
    expect(after5.schedule).toMatchObject({ due: true, next: { to: 'low', daysWithoutNewCase: 5, negativeRoundDay: 5 } });
    const round = after5.schedule!.negativeRound!;
    // Everyone in the building is targeted, sealed residents included; only the case (central quarantine, tested at its facility) is not.
    expect(round).toMatchObject({
      dayNumber: 5,
      day: calendarDay(t.clock.now(), t.config.tz),
      campaignId: expect.any(String),
      target: 7,
      sampled: 0,
      passed: false,
    });
    const campaign = await t.deps.services.testing.campaigns.get(sys, round.campaignId!);
    expect(campaign).toMatchObject({ status: 'active', poolSize: 1, scope: [{ jurisdictionId: b1.id }] });
    expect(after5.history.map((h) => h.kind)).toContain('round_created');
    expect(after5.liftTaskId).toBeTruthy();
    const task = await t.deps.services.tasks.get(sys, after5.liftTaskId!);
    expect(task).toMatchObject({ sourceModule: 'zoning', sourceEntityId: proposed.id, assigneeUnit: { id: hqId } });
    expect(task.description).toContain(`第5天（${round.day}）`);
    expect(after5.history.map((h) => h.kind)).toContain('lift_due');

    // A day past the lifting date and still not lifted: an alert to HQ (once).
    await advance(DAY);
    await t.deps.services.jobs.runDueNow();
    expect((await area(proposed.id)).history.filter((h) => h.kind === 'overdue')).toHaveLength(1);
    const feed = await t.deps.services.tasks.notifications.list(sys, { alertsOnly: true, pageSize: 100 });
    expect(feed.items.filter((n) => n.sourceEntityId === proposed.id)).toMatchObject([{ severity: 'warning', isAlert: true }]);
    // The due time is a Beijing midnight (16:00 UTC the day before): every text names the Beijing day, never the UTC one.
    const dueDay = calendarDay(after5.schedule!.dueAt!, t.config.tz);
    const dueUtcDay = utcDay(after5.schedule!.dueAt!);
    expect(dueUtcDay).not.toBe(dueDay);
    const alert = feed.items.find((n) => n.sourceEntityId === proposed.id)!;
    expect(alert.body).toContain(`应于 ${dueDay} 降为低风险区`);
    expect(alert.body).not.toContain(dueUtcDay);
    expect(task.description).toContain(`自 ${dueDay} 起已满 5 天无新增感染者`);
    const pastFlag = ((await get('/api/zoning/detector')).json() as DetectorReportDto).areas
      .find((a) => a.areaId === proposed.id)!
      .flags.find((f) => f.kind === 'past_lifting')!;
    expect(pastFlag.message).toContain(`已超过解封日期（${dueDay}）`);
    expect(pastFlag.message).not.toContain(dueUtcDay);
    // One language at a time: the stored rendering is Chinese only; the key renders English for an English reader.
    expect(pastFlag.message).not.toContain('Past its lifting date');
    expect(renderMessage('en', pastFlag.messageKey, pastFlag.messageParams)).toMatch(/^Past its lifting date \(/);
    expect((await area(proposed.id)).history.find((h) => h.kind === 'overdue')!.reason).toContain(dueDay);

    // The case is still in treatment and lives inside: refused with the explanation, unless overridden.
    const blocked = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().error).toMatchObject({ code: 'ZONING_ACTIVE_CASE_INSIDE', details: { cases: 1 } });
    await discharge(caseId);
    // Without its negative round the step is refused, naming the round; an override does not replace it.
    for (const body of [{}, { override: true, reason: '指挥部决定' }]) {
      const noRound = await send('POST', `/api/zoning/areas/${proposed.id}/step`, body);
      expect(noRound.statusCode).toBe(422);
      expect(noRound.json().error).toMatchObject({
        code: 'ZONING_NEGATIVE_ROUND_REQUIRED',
        details: { round: { campaignId: round.campaignId, dayNumber: 5, target: 7, passed: false } },
      });
      expect(noRound.json().error.details.explanation).toContain(`第5天（${round.day}）区域内全员核酸`);
    }
    // Six of seven sampled negative: still refused.
    await sampleRound(round.campaignId!, inside.slice(0, 6));
    const partial = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(partial.json().error).toMatchObject({ code: 'ZONING_NEGATIVE_ROUND_REQUIRED', details: { round: { sampled: 6, negative: 6, passed: false } } });
    await sampleRound(round.campaignId!, inside.slice(6));
    expect((await area(proposed.id)).schedule!.negativeRound).toMatchObject({ target: 7, sampled: 7, negative: 7, positive: 0, passed: true });

    // Everyone negative: the building becomes LOW (its state is "low", not "lifted"); the seal ends.
    const low = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(low.statusCode).toBe(200);
    expect(low.json()).toMatchObject({
      status: 'published',
      level: 'low',
      personsUnderMeasure: 0,
      schedule: { next: { to: 'lifted', whenCountyClear: true } },
    });
    for (const s of await statusOf(inside)) expect(s).toMatchObject({ status: 'released', basis: { type: 'risk_area', id: proposed.id } });
    expect((await statusOf([patient]))[0].basis?.type).not.toBe('risk_area');

    // A low area lifts when no high area stands in its county: none does, so it lifts.
    const lifted = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(lifted.statusCode).toBe(200);
    expect(lifted.json()).toMatchObject({ status: 'lifted', liftedBy: { name: 'zoning_commander' }, personsUnderMeasure: 0 });
    const publicAfter = (await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).json() as PublicZoningDto;
    expect(publicAfter.version).toBeGreaterThan(pubList.version);
    expect(publicAfter.districts.flatMap((d) => d.areas).some((a) => a.id === proposed.id)).toBe(false);
    expect(publicAfter.history.filter((h) => h.areaId === proposed.id).map((h) => h.kind)).toEqual(['lifted', 'stepped', 'published']);

    // The map on the publication day is rebuilt from the history; today the building is clear.
    const past = (await get(`/api/zoning/map?date=${publishedDay}`)).json() as ZoningMapDto;
    expect(past.features.features.find((f) => f.properties.jurisdictionId === b1.id)?.properties.effectiveLevel).toBe('high');
    const now = (await get('/api/zoning/map')).json() as ZoningMapDto;
    expect(now.features.features.some((f) => f.properties.jurisdictionId === b1.id)).toBe(false);
    expect(b2).toBeTruthy();
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    await activate('optimisation-2022-11');
    const [community] = await addNodes(t, city.street, [{ code: '420502001102', name: '江北社区', level: 'community' }]);
    const c = await compound(community, '420502001102001', [111.31, 30.71], 1, 1, { bareBuilding: true });
    const caseId = await newCase(c.persons.get(c.entrances[0].id)![0]);
    const before = await t.deps.services.journal.count();
    const post = (body: unknown, headers = as.tracer) => send('POST', '/api/zoning/areas', body, headers);

    const noBasis = await post({ level: 'high', jurisdictionIds: [c.buildings[0].id], basis: {} });
    expect([noBasis.statusCode, noBasis.json().error.code]).toEqual([422, 'ZONING_BASIS_REQUIRED']);
    const level = await post({ level: 'medium', jurisdictionIds: [c.buildings[0].id], basis: { caseIds: [caseId] } });
    expect([level.statusCode, level.json().error.code]).toEqual([422, 'ZONING_LEVEL_NOT_IN_PRESET']);
    expect(level.json().error.details.allowed).toEqual(['high', 'low']);
    const bare = c.buildings.find((b) => b.name === '99栋')!;
    const fine = await post({ level: 'high', jurisdictionIds: [bare.id], drawAt: 'entrance', basis: { caseIds: [caseId] } });
    expect([fine.statusCode, fine.json().error.code]).toEqual([422, 'ZONING_GRANULARITY_UNAVAILABLE']);
    expect(fine.json().error.details.nodes[0]).toMatchObject({ id: bare.id, name: '99栋' });
    const outside = await post({ level: 'high', jurisdictionIds: [city.otherStreet.id], basis: { caseIds: [caseId] } });
    // Another district's node is answered exactly like a missing one, and never named.
    expect([outside.statusCode, outside.json().error.code]).toEqual([404, 'ZONING_NODE_NOT_FOUND']);
    expect(JSON.stringify(outside.json())).not.toContain(city.otherStreet.name);
    const ghost = await post({ level: 'high', jurisdictionIds: [c.buildings[0].id], basis: { caseIds: ['no-such-case'] } });
    expect([ghost.statusCode, ghost.json().error.code]).toEqual([422, 'ZONING_BASIS_NOT_FOUND']);
    expect(await t.deps.services.journal.count()).toBe(before);

    // Drawn at entrances where the map has them: both entrances of the building.
    const ok = await post({ level: 'high', jurisdictionIds: [c.buildings[0].id], drawAt: 'entrance', basis: { caseIds: [caseId] } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ granularity: 'entrance', nodeCount: 2 });
    // A tracer proposes; only a holder of area.publish publishes; another district's tracer does not see it.
    expect((await send('POST', `/api/zoning/areas/${ok.json().id}/publish`, {}, as.tracer)).statusCode).toBe(403);
    expect((await get(`/api/zoning/areas/${ok.json().id}`, as.wjgTracer)).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/zoning/areas?status=proposed', headers: as.wjgTracer }))
        .json()
        .items.some((a: { id: string }) => a.id === ok.json().id),
    ).toBe(false);

    // No sealing by one person: an area drawn by hand (not a proposal from evidence) is published by someone other than its proposer.
    const own = await post({ level: 'high', jurisdictionIds: [c.buildings[0].id], basis: { caseIds: [caseId] }, note: '指挥长自行划定' }, as.commander);
    expect(own.json()).toMatchObject({ source: 'manual', needsSecondPerson: true });
    const selfPublish = await send('POST', `/api/zoning/areas/${own.json().id}/publish`, { justification: '我认为有必要' });
    expect([selfPublish.statusCode, selfPublish.json().error.code]).toEqual([422, 'ZONING_SECOND_PERSON_REQUIRED']);
    expect((await area(own.json().id)).status).toBe('proposed');
    await send('POST', `/api/zoning/areas/${own.json().id}/reject`, { reason: '测试' });
  });

  it("no sealing by one person: a proposal from evidence covering more people than control's bulk threshold is refused to its proposer and published by a second person", async () => {
    await activate('optimisation-2022-11');
    const [community] = await addNodes(t, city.street, [{ code: '420502001106', name: '阈值社区', level: 'community' }]);
    const c = await compound(community, '420502001106001', [111.6, 30.95], 1, 3); // one building, 6 residents
    await newCase(c.persons.get(c.entrances[0].id)![0]);
    await t.deps.services.control.setBulkThreshold(undefined, sys, 5); // the threshold, as HQ sets it: 6 people are "more than" it
    try {
      const gen = (await send('POST', '/api/zoning/proposals', {}, as.commander)).json();
      const mine = gen.created.find((a: AreaDetailDto) => a.nodeCount === 1 && a.population === 6)!;
      expect(mine).toMatchObject({ source: 'proposal', needsSecondPerson: true, proposedBy: { name: 'zoning_commander' } });
      const refused = await send('POST', `/api/zoning/areas/${mine.id}/publish`, { justification: '理由' });
      expect([refused.statusCode, refused.json().error.code]).toEqual([422, 'ZONING_SECOND_PERSON_REQUIRED']);
      expect(refused.json().error.details).toMatchObject({ population: 6, bulkThreshold: 5 });
      for (const s of await statusOf(c.persons.get(c.entrances[1].id)!)) expect(s.status).toBe('none');
      // A second holder of area.publish publishes it.
      const second = await buildUser(t.deps.db, { unit: hqRef, roles: ['commander'], username: 'zoning_commander2' });
      const ok = await send('POST', `/api/zoning/areas/${mine.id}/publish`, {}, await sessionHeaders(t.deps.db, second, t.clock.now()));
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'published', proposedBy: { name: 'zoning_commander' }, publishedBy: { name: 'zoning_commander2' } });
      await send('POST', `/api/zoning/areas/${mine.id}/step`, { override: true, reason: '测试结束' }).then((r) =>
        expect(r.json().error.code).toBe('ZONING_NEGATIVE_ROUND_REQUIRED'),
      );
    } finally {
      await t.deps.services.control.setBulkThreshold(undefined, sys, 20);
    }
  });

  it('proposals: the residence becomes a high area at the preset granularity; a place only visited becomes a medium area (9th edition) or a notice to its owner unit (November 2022), never a high area', async () => {
    const [community] = await addNodes(t, city.street, [{ code: '420502001107', name: '到访社区', level: 'community' }]);
    const home = await compound(community, '420502001107001', [111.7, 31.0], 1, 1);
    const work = await compound(community, '420502001107002', [111.75, 31.05], 1, 1);
    const shop = await compound(community, '420502001107003', [111.8, 31.1], 1, 1);
    await activate('ninth-edition-2022-06');
    const caseId = await newCase(home.persons.get(home.entrances[0].id)![0]);
    const visit = { fromAt: t.clock.now() - 2 * DAY, toAt: t.clock.now() - 2 * DAY + HOUR };
    await t.deps.services.cases.tracing.addPlace(undefined, sys, caseId, { jurisdictionId: work.buildings[0].id, description: '工作单位', ...visit });
    const gen = (await send('POST', '/api/zoning/proposals', {}, as.tracer)).json();
    const mine = (gen.created as AreaDetailDto[]).filter((a) => a.basis.caseIds.includes(caseId));
    expect(mine.map((a) => [a.level, a.granularity]).sort()).toEqual([
      ['high', 'compound'],
      ['medium', 'building'],
    ]);
    const medium = mine.find((a) => a.level === 'medium')!;
    expect((await area(medium.id)).nodes.map((n) => n.jurisdictionId)).toEqual([work.buildings[0].id]);
    for (const a of mine) await send('POST', `/api/zoning/areas/${a.id}/reject`, { reason: '测试' });

    // November 2022: no medium level; the place's owner unit (西陵区流调专班 owns 西陵区) gets a task, once.
    await activate('optimisation-2022-11');
    const case2 = await newCase(home.persons.get(home.entrances[1].id)![0]);
    await t.deps.services.cases.tracing.addPlace(undefined, sys, case2, { jurisdictionId: shop.buildings[0].id, description: '超市', ...visit });
    const nov = (await send('POST', '/api/zoning/proposals', {}, as.tracer)).json();
    expect((nov.created as AreaDetailDto[]).filter((a) => a.basis.caseIds.includes(case2)).map((a) => a.level)).toEqual(['high']);
    expect((nov.created as AreaDetailDto[]).some((a) => a.level !== 'high')).toBe(false);
    const notice = nov.notices.find((n: { caseId: string }) => n.caseId === case2)!;
    expect(notice).toMatchObject({ unitName: '西陵区流调专班' });
    const task = await t.deps.services.tasks.get(sys, notice.taskId);
    expect(task.description).toContain(`病例于 ${calendarDay(visit.fromAt, t.config.tz)} 到访1栋（超市）`);
    expect((await send('POST', '/api/zoning/proposals', {}, as.tracer)).json().notices.some((n: { caseId: string }) => n.caseId === case2)).toBe(false);
  });

  it("one area's lifting round refused by the testing service rolls back only its own writes; the other areas' rounds are made, and the next run makes it", async () => {
    await activate('optimisation-2022-11');
    const [community] = await addNodes(t, city.street, [{ code: '420502001108', name: '轮次社区', level: 'community' }]);
    const a = await compound(community, '420502001108001', [111.9, 31.2], 1, 1);
    const b = await compound(community, '420502001108002', [111.95, 31.25], 1, 1);
    const ids: string[] = [];
    for (const c of [a, b]) {
      const caseId = await newCase(c.persons.get(c.entrances[0].id)![0]);
      const r = await send('POST', '/api/zoning/areas', { level: 'high', jurisdictionIds: [c.buildings[0].id], basis: { caseIds: [caseId] } }, as.tracer);
      expect((await send('POST', `/api/zoning/areas/${r.json().id}/publish`, {})).statusCode).toBe(200);
      ids.push(r.json().id);
    }
    await advance(5 * DAY + HOUR);
    const campaigns = t.deps.services.testing.campaigns;
    /** Campaigns over one of the two buildings (other tests' areas may get their rounds in the same run). */
    const over = async () =>
      (await campaigns.list(sys, { limit: 500 })).items
        .filter((c) => [a.buildings[0].id, b.buildings[0].id].includes(c.scope[0]?.jurisdictionId))
        .map((c) => c.scope[0].jurisdictionId);
    expect(await over()).toEqual([]);
    const activate0 = campaigns.activate;
    let refused = 0;
    campaigns.activate = (async (trx: never, actor: never, id: string) => {
      const c = await campaigns.get(sys, id, trx);
      if (c.scope[0].jurisdictionId === a.buildings[0].id && refused++ === 0) throw new AppError('CAMPAIGN_NOT_PLANNED', 409, 'refused for the test');
      return activate0(trx, actor, id);
    }) as typeof campaigns.activate;
    try {
      await t.deps.services.jobs.runDueNow();
    } finally {
      campaigns.activate = activate0;
    }
    expect(refused).toBe(1);
    const [ra, rb] = [await area(ids[0]), await area(ids[1])];
    expect(ra.schedule!.negativeRound!.campaignId).toBeNull();
    expect(rb.schedule!.negativeRound!.campaignId).toEqual(expect.any(String));
    expect(ra.history.map((h) => h.kind)).not.toContain('round_created');
    // Only b's campaign exists: a's half-made one was rolled back with its journal entry.
    expect(await over()).toEqual([b.buildings[0].id]);
    await advance(HOUR);
    await t.deps.services.jobs.runDueNow();
    expect((await area(ids[0])).schedule!.negativeRound!.campaignId).toEqual(expect.any(String));
    expect(await t.deps.services.journal.verify()).toMatchObject({ ok: true });
  });

  it('sheds public-list load with 503 + Retry-After, and keeps the ratio threshold as a journaled setting', async () => {
    const z = t.deps.services.zoning;
    let held = 0;
    while (z.tryEnterPublic()) held++;
    try {
      const busy = await t.app.inject({ method: 'GET', url: '/api/public/zoning' });
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.json().error.code).toBe('ZONING_PUBLIC_BUSY');
    } finally {
      for (let i = 0; i < held; i++) z.leavePublic();
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/public/zoning' })).statusCode).toBe(200);

    const bad = await send('PUT', '/api/zoning/settings', { ratioThreshold: 0.5 });
    expect(bad.statusCode).toBe(400);
    expect((await send('PUT', '/api/zoning/settings', { ratioThreshold: 4 }, as.tracer)).statusCode).toBe(403);
    const ok = await send('PUT', '/api/zoning/settings', { ratioThreshold: 4 });
    expect(ok.json()).toEqual({ ratioThreshold: 4 });
    expect((await get('/api/zoning/detector')).json().ratioThreshold).toBe(4);
    await send('PUT', '/api/zoning/settings', { ratioThreshold: 3 });
  });

  it("a case within the preset's near distance raises a proposal to extend that a person accepts or rejects with a reason (一区一策), one farther away raises nothing; the demo seeder proposes and publishes in one call", async () => {
    await activate('optimisation-2022-11'); // near = 300 m
    const [community] = await addNodes(t, city.street, [{ code: '420502001104', name: '近邻社区', level: 'community' }]);
    const home = await compound(community, '420502001104001', [111.4, 30.8], 1, 2);
    const near = await compound(community, '420502001104002', [111.4015, 30.8], 1, 1); // ~150 m east
    const far = await compound(community, '420502001104003', [111.42, 30.8], 1, 1); // ~1.9 km east
    const first = await newCase(home.persons.get(home.entrances[0].id)![0]);
    const published = await t.deps.services.zoning.proposeAndPublish(undefined, sys, '演示');
    const mine = published.find((a) => a.basis.caseIds.includes(first))!;
    expect(mine).toMatchObject({ status: 'published', level: 'high', granularity: 'building', publishedBy: { name: 'zoning-test' } });
    const before = (await area(mine.id)).schedule!;
    expect(before.lastCase).toMatchObject({ caseId: first, where: 'inside' });

    await advance(DAY);
    await newCase(far.persons.get(far.entrances[0].id)![0]);
    expect((await area(mine.id)).schedule!.dueAt).toBe(before.dueAt);
    // A case near the area does not restart the countdown by itself (一区一策): it raises a proposal to extend, with the evidence.
    const nearCase = await newCase(near.persons.get(near.entrances[0].id)![0]);
    expect((await area(mine.id)).schedule!.dueAt).toBe(before.dueAt);
    await t.deps.services.jobs.runDueNow();
    const proposed = await area(mine.id);
    expect(proposed.schedule!.dueAt).toBe(before.dueAt);
    const ext = proposed.extensions.find((e) => e.caseId === nearCase)!;
    expect(ext).toMatchObject({ status: 'proposed', decidedBy: null });
    expect(ext.distanceM).toBeGreaterThan(50);
    expect(ext.distanceM).toBeLessThanOrEqual(300);
    expect(ext.evidence).toContain(`距区域 ${ext.distanceM} 米（${calendarDay(t.clock.now(), t.config.tz)} 确诊）`);
    expect(proposed.extensions.some((e) => e.caseId !== nearCase && e.caseId !== first)).toBe(false); // the far case raises nothing
    expect(proposed.history.map((h) => h.kind)).toContain('extension_proposed');
    // Raised once, however often the job runs.
    await t.deps.services.jobs.runDueNow();
    expect((await area(mine.id)).extensions.filter((e) => e.caseId === nearCase)).toHaveLength(1);

    // Deciding needs a reason; accepted, the countdown restarts from the near case (journaled).
    const noReason = await send('POST', `/api/zoning/areas/${mine.id}/extensions/${ext.id}`, { accept: true, reason: ' ' });
    expect([noReason.statusCode, noReason.json().error.code]).toEqual([422, 'REASON_REQUIRED']);
    const accepted = await send('POST', `/api/zoning/areas/${mine.id}/extensions/${ext.id}`, { accept: true, reason: '同一楼栋电梯相通，延长' });
    expect(accepted.statusCode).toBe(200);
    const after = (accepted.json() as AreaDetailDto).schedule!;
    expect(after.lastCase).toMatchObject({ caseId: nearCase, where: 'near', reason: expect.stringContaining('米内新增病例') });
    expect(after.dueAt!).toBe(before.dueAt! + DAY);
    expect((accepted.json() as AreaDetailDto).extensions.find((e) => e.id === ext.id)).toMatchObject({
      status: 'accepted',
      decidedBy: { name: 'zoning_commander', reason: '同一楼栋电梯相通，延长' },
    });
    const again = await send('POST', `/api/zoning/areas/${mine.id}/extensions/${ext.id}`, { accept: false, reason: '改主意' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'ZONING_EXTENSION_DECIDED']);

    // A second near case, rejected with a reason: the countdown runs on.
    await advance(HOUR);
    const nearCase2 = await newCase(near.persons.get(near.entrances[1].id)![0]);
    await t.deps.services.jobs.runDueNow();
    const ext2 = (await area(mine.id)).extensions.find((e) => e.caseId === nearCase2)!;
    const rejected = await send('POST', `/api/zoning/areas/${mine.id}/extensions/${ext2.id}`, { accept: false, reason: '与本楼无交集' });
    expect(rejected.json().schedule.dueAt).toBe(before.dueAt! + DAY);
    expect(rejected.json().history.map((h: { kind: string }) => h.kind)).toContain('extension_rejected');
  });

  it('9th edition: by compound, a new case resets the countdown, high → medium on day 7 with a negative round, → low 3 days later', async () => {
    await activate('ninth-edition-2022-06');
    const [community] = await addNodes(t, city.street, [{ code: '420502001103', name: '九版社区', level: 'community' }]);
    const c = await compound(community, '420502001103001', [111.32, 30.72], 2, 2);
    const residents = [...c.persons.values()].flat();
    const first = await newCase(residents[0]);
    const gen = (await send('POST', '/api/zoning/proposals', {}, as.tracer)).json();
    const proposed = gen.created.find((a: AreaDetailDto) => a.basis.caseIds.includes(first))!;
    expect(proposed).toMatchObject({ level: 'high', granularity: 'compound' });
    const pub = await send('POST', `/api/zoning/areas/${proposed.id}/publish`, { justification: '小区内多点暴露' });
    expect(pub.statusCode).toBe(200);
    const others = residents.slice(1);
    for (const s of await statusOf(others)) expect(s).toMatchObject({ status: 'sealed', basis: { type: 'risk_area', id: proposed.id } });

    // Two days later, at 00:30 in Beijing (the previous day in UTC), a new case inside: the countdown
    // restarts from it, with the reason shown and journaled, every date a Beijing calendar day.
    expect(t.config.tz).toBe('Asia/Shanghai');
    const beijingMidnight = startOfDay(addDays(calendarDay(t.clock.now() + 2 * DAY, t.config.tz), 0), t.config.tz);
    await advance(beijingMidnight + 30 * 60_000 - t.clock.now());
    const caseDay = calendarDay(t.clock.now(), t.config.tz);
    const utcToday = utcDay(t.clock.now());
    expect(utcToday).not.toBe(caseDay);
    const second = await newCase(residents[3]);
    const reset = await area(proposed.id);
    expect(reset.schedule!.lastCase).toMatchObject({ caseId: second, where: 'inside', reason: expect.stringContaining(`区域内新增病例（${caseDay}）`) });
    expect(reset.schedule!.lastCase!.reason).not.toContain(utcToday);
    expect(calendarDay(reset.schedule!.dueAt!, t.config.tz)).toBe(addDays(caseDay, 7));
    await advance(HOUR);
    await t.deps.services.jobs.runDueNow();
    const resetEvent = (await area(proposed.id)).history.find((h) => h.kind === 'countdown_reset')!;
    expect(resetEvent.reason).toContain(caseDay);
    await discharge(first);
    await discharge(second);

    // Day 7 after the last case (9th edition: 7 days, a negative round of everyone on day 7): the schedule creates the round.
    await advance(7 * DAY - HOUR);
    await t.deps.services.jobs.runDueNow();
    const due = await area(proposed.id);
    const round = due.schedule!.negativeRound!;
    expect(round).toMatchObject({ dayNumber: 7, day: addDays(caseDay, 7), campaignId: expect.any(String), passed: false });
    // Everyone in the compound but the two cases (central quarantine) is targeted; the sealed residents are not exempt.
    expect(round.target).toBe(residents.length - 2);
    expect((await t.deps.services.testing.campaigns.get(sys, round.campaignId!)).name).toContain(`第7天解封核酸（${addDays(caseDay, 7)}）`);
    const task = await t.deps.services.tasks.get(sys, due.liftTaskId!);
    expect(task.description).toContain(`自 ${addDays(caseDay, 7)} 起已满 7 天无新增感染者，并须第7天（${addDays(caseDay, 7)}）区域内全员核酸阴性`);
    const noRound = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect([noRound.statusCode, noRound.json().error.code]).toEqual([422, 'ZONING_NEGATIVE_ROUND_REQUIRED']);
    // The typed note of old is gone: the body refuses it.
    const typed = await send('POST', `/api/zoning/areas/${proposed.id}/step`, { negativeRoundNote: '第7天全员核酸阴性' });
    expect(typed.statusCode).toBe(400);
    const tested = residents.filter((p) => p !== residents[0] && p !== residents[3]);
    await sampleRound(round.campaignId!, tested);
    expect(task).toMatchObject({ status: 'new', subject: { kind: 'area', text: due.name }, closedBy: null });
    const medium = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(medium.statusCode).toBe(200);
    // The lift task's work is done: it closed itself, naming the area that stepped (journaled).
    expect(await t.deps.services.tasks.get(sys, due.liftTaskId!)).toMatchObject({
      status: 'verified',
      closedBy: { kind: 'area_stepped', id: proposed.id },
      events: expect.arrayContaining([expect.objectContaining({ kind: 'closed', toStatus: 'verified' })]),
    });
    // Stepped down from high: 3 more days, no round (9th edition).
    expect(medium.json()).toMatchObject({
      status: 'published',
      level: 'medium',
      schedule: { next: { to: 'low', daysWithoutNewCase: 3, negativeRoundDay: null }, negativeRound: null },
    });
    for (const s of await statusOf(tested)) expect(s).toMatchObject({ status: 'controlled', basis: { type: 'risk_area', id: proposed.id } });

    // Three days later: low (individual protection; no control status).
    await advance(3 * DAY);
    const low = await send('POST', `/api/zoning/areas/${proposed.id}/step`, {});
    expect(low.json()).toMatchObject({ level: 'low', schedule: { next: { to: 'lifted', whenCountyClear: true } } });
    for (const s of await statusOf(tested)) expect(s.status).toBe('released');
    // Low areas lift only when every high and medium area of the county has: a high area elsewhere in the district blocks it.
    const other = await compound(community, '420502001103002', [111.33, 30.73], 1, 1);
    const otherCase = await newCase(other.persons.get(other.entrances[0].id)![0]);
    const drawn = await send('POST', '/api/zoning/areas', { level: 'high', jurisdictionIds: [other.compound.id], basis: { caseIds: [otherCase] } }, as.tracer);
    expect((await send('POST', `/api/zoning/areas/${drawn.json().id}/publish`, { justification: '同小区' })).statusCode).toBe(200);
    const county = await send('POST', `/api/zoning/areas/${proposed.id}/step`, { override: true, reason: '试图提前解除' });
    expect([county.statusCode, county.json().error.code]).toEqual([409, 'ZONING_COUNTY_NOT_CLEAR']);
    expect(county.json().error.details.areas).toContainEqual({ id: drawn.json().id, name: drawn.json().name, level: 'high' });
    expect((await area(proposed.id)).schedule).toMatchObject({ due: false, countyClear: { clear: false } });
  });

  it('nested areas: a high building inside a medium compound; the map shows the highest level; stepping the building down and lifting the compound move only area-held persons', async () => {
    await activate('ninth-edition-2022-06');
    const [community] = await addNodes(t, city.street, [{ code: '420502001105', name: '嵌套社区', level: 'community' }]);
    const c = await compound(community, '420502001105001', [111.5, 30.9], 2, 2);
    const [b1] = c.buildings;
    const patient = c.persons.get(c.entrances[0].id)![0];
    const caseId = await newCase(patient);
    const inB1 = [...c.persons.get(c.entrances[0].id)!.slice(1), ...c.persons.get(c.entrances[1].id)!];
    const inB2 = [...c.persons.get(c.entrances[2].id)!, ...c.persons.get(c.entrances[3].id)!];
    const mk = async (level: string, ids: string[]) => {
      // Drawn by hand by the tracer, published by the commander (a second person).
      const r = await send('POST', '/api/zoning/areas', { level, jurisdictionIds: ids, basis: { caseIds: [caseId] } }, as.tracer);
      expect(r.statusCode).toBe(201);
      const p = await send('POST', `/api/zoning/areas/${r.json().id}/publish`, { justification: '嵌套测试' });
      expect(p.statusCode).toBe(200);
      return r.json().id as string;
    };
    const outer = await mk('medium', [c.compound.id]);
    const inner = await mk('high', [b1.id]);
    for (const s of await statusOf(inB1)) expect(s).toMatchObject({ status: 'sealed', basis: { id: inner } });
    for (const s of await statusOf(inB2)) expect(s).toMatchObject({ status: 'controlled', basis: { id: outer } });
    const map = (await get(`/api/zoning/map?jurisdictionId=${c.compound.id}`)).json() as ZoningMapDto;
    const level = (id: string) => map.features.features.find((f) => f.properties.jurisdictionId === id)?.properties.effectiveLevel;
    expect([level(b1.id), level(c.compound.id)]).toEqual(['high', 'medium']);

    // Day 7: the rounds of both areas (the building: single tube; the designated medium compound: 10-in-1, 9th edition day 7).
    await advance(7 * DAY + HOUR);
    await t.deps.services.jobs.runDueNow();
    const innerRound = (await area(inner)).schedule!.negativeRound!;
    const outerRound = (await area(outer)).schedule!.negativeRound!;
    expect(outerRound).toMatchObject({ dayNumber: 7, campaignId: expect.any(String) });
    expect((await t.deps.services.testing.campaigns.get(sys, outerRound.campaignId!)).poolSize).toBe(10);
    await sampleRound(innerRound.campaignId!, inB1);
    // The building steps down (override for the case still in treatment, with a reason): its residents keep the compound's measure.
    const down = await send('POST', `/api/zoning/areas/${inner}/step`, { override: true, reason: '病例已转运定点医院' });
    expect(down.statusCode).toBe(200);
    for (const s of await statusOf(inB1)) expect(s.status).toBe('controlled');
    const low = await send('POST', `/api/zoning/areas/${inner}/step`, { override: true, reason: '提前降级（测试）' });
    expect(low.json().level).toBe('low');
    for (const s of await statusOf(inB1)) expect(s.status).toBe('controlled');
    // The compound steps down after its own round: everyone held by either area is released; the case (held on its own basis) is not.
    await sampleRound(outerRound.campaignId!, [...inB1, ...inB2]);
    const lowOuter = await send('POST', `/api/zoning/areas/${outer}/step`, { override: true, reason: '病例已转运定点医院' });
    expect(lowOuter.json().level).toBe('low');
    for (const s of await statusOf([...inB1, ...inB2])) expect(s.status).toBe('released');
    expect((await statusOf([patient]))[0].basis?.type).toBe('case');
  });
});
