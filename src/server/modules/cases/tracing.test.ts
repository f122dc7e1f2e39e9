import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildJurisdiction, buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { addDays, calendarDay, DAY, HOUR } from '../../platform/clock.js';
import { makePersons } from '../control/control.test-helpers.js';
import { addNodes } from '../testing/testing.test-helpers.js';

describe.each(DIALECTS)('investigation, contacts, 协查 and clusters [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  const as: Record<'tracer' | 'wjgTracer' | 'commander', Record<string, string>> = {} as never;
  const users: Partial<Record<keyof typeof as, Awaited<ReturnType<typeof buildUser>>>> = {};
  let wjgHq: Awaited<ReturnType<typeof buildUnit>>;
  let cityHq: Awaited<ReturnType<typeof buildUnit>>;
  async function advance(ms: number) {
    t.clock.advance(ms);
    for (const k of Object.keys(users) as (keyof typeof as)[]) as[k] = await sessionHeaders(t.deps.db, users[k]!, t.clock.now());
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    cityHq = await buildUnit(db, { name: '市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    const hq = cityHq;
    const xl = await buildUnit(db, { name: '西陵区流调专班', jurisdiction: city.xiling, kind: 'task_force' });
    wjgHq = await buildUnit(db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
    users.commander = await buildUser(db, { unit: hq, roles: ['commander'], username: 'commander' });
    users.tracer = await buildUser(db, { unit: xl, roles: ['tracer'], username: 'xl_tracer' });
    users.wjgTracer = await buildUser(db, { unit: wjgHq, roles: ['tracer'], username: 'wjg_tracer' });
    await advance(0);
  });
  afterAll(() => t.close());

  const get = (url: string, headers = as.tracer) => t.app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload: unknown, headers = as.tracer) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const today = () => calendarDay(t.clock.now(), t.config.tz);
  const newCase = async (onsetDate?: string) => {
    const [p] = await makePersons(t, city.street, 1);
    const r = await post('/api/cases', { personId: p, kind: 'confirmed', onsetDate, reason: '病例' });
    expect(r.statusCode).toBe(200);
    return r.json() as { id: string; personId: string; clusterId: string; reportDate: string };
  };
  const journalCount = () => t.deps.services.journal.count();

  it('records places by node or by coordinates snapped to the nearest compound/building, and feeds zoning', async () => {
    const c = await newCase();
    const [, compound, building] = await addNodes(t, city.street, [
      { code: '420502001777', name: '流调社区', level: 'community' },
      { code: '420502001777001', name: '江景小区', level: 'compound', centre: [111.3, 30.7] },
      { code: '42050200177700101', name: '3栋', level: 'building', centre: [111.3005, 30.7005] },
    ]);
    const now = t.clock.now();
    const byNode = await post(`/api/cases/${c.id}/places`, { jurisdictionId: compound.id, description: '超市', fromAt: now - 3 * HOUR, toAt: now - 2 * HOUR });
    expect(byNode.statusCode).toBe(200);
    expect(byNode.json()).toMatchObject({ placePath: compound.path, placeLevel: 'compound', snapped: false });
    const snapped = await post(`/api/cases/${c.id}/places`, { lng: 111.3004, lat: 30.7004, fromAt: now - HOUR, toAt: now });
    expect(snapped.json()).toMatchObject({ jurisdictionId: building.id, placeLevel: 'building', snapped: true });
    const far = await post(`/api/cases/${c.id}/places`, { lng: 112.5, lat: 31.5, fromAt: now - HOUR, toAt: now });
    expect(far.statusCode).toBe(422);
    expect(far.json().error.code).toBe('PLACE_INVALID');
    const backwards = await post(`/api/cases/${c.id}/places`, { jurisdictionId: compound.id, fromAt: now, toAt: now - HOUR });
    expect(backwards.statusCode).toBe(422);
    const proposals = await t.deps.services.cases.placesForProposals(true);
    expect(
      proposals
        .filter((p) => p.caseId === c.id)
        .map((p) => p.path)
        .sort(),
    ).toEqual([building.path, compound.path].sort());
  });

  it('refuses a contact who is the case itself, an exposure after the report date, and writes nothing', async () => {
    const c = await newCase();
    const before = await journalCount();
    const self = await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: c.reportDate, personId: c.personId });
    expect(self.statusCode).toBe(422);
    expect(self.json().error.code).toBe('CONTACT_IS_CASE');
    const [p] = await makePersons(t, city.street, 1);
    const j2 = await journalCount();
    const late = await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: addDays(c.reportDate, 1), personId: p });
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe('CONTACT_EXPOSURE_AFTER_REPORT');
    expect(await journalCount()).toBe(j2);
    expect(before).toBeLessThanOrEqual(j2);
    expect((await t.deps.services.control.statusesOf([p])).get(p)!.status).toBe('none');
    expect((await get(`/api/cases/${c.id}/contacts`)).json().items).toEqual([]);
  });

  it('puts a close contact in central quarantine through control (basis contact), flags exposure before the look-back window', async () => {
    const c = await newCase(addDays(today(), -1));
    const [p, q] = await makePersons(t, city.street, 2);
    await advance(3 * HOUR);
    const r = await post(`/api/cases/${c.id}/contacts`, {
      category: 'close',
      exposureDate: addDays(today(), -2),
      personId: p,
      relation: '同事',
      exposurePlace: '办公室',
    });
    expect(r.statusCode).toBe(200);
    const contact = r.json();
    expect(contact).toMatchObject({
      routing: 'local',
      controlStatus: 'awaiting_placement',
      quarantinedAt: null,
      beforeLookback: false,
      presetVersion: 'ninth-edition-2022-06@v1',
    });
    const st = (await t.deps.services.control.statusesOf([p])).get(p)!;
    expect(st).toMatchObject({ status: 'awaiting_placement', basis: { type: 'contact', id: contact.id }, presetVersion: 'ninth-edition-2022-06@v1' });
    // 9th edition: look back 4 days before onset; 6 days before onset is flagged but kept.
    const old = await post(`/api/cases/${c.id}/contacts`, { category: 'secondary', exposureDate: addDays(today(), -7), personId: q });
    expect(old.json()).toMatchObject({ beforeLookback: true, controlStatus: 'awaiting_placement' });
    const dup = await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: today(), personId: p });
    expect(dup.statusCode).toBe(409);
    // Awaiting placement (待转运, issue 16): not in quarantine until a stay starts.
    const waiting = (await get(`/api/cases/${c.id}`)).json();
    expect(waiting.speed.contactToQuarantine.hours).toBeNull();
    await advance(2 * HOUR);
    await t.deps.services.quarantine.assign(undefined, systemActor('test'), {
      personId: p,
      mode: 'home',
      basis: { type: 'contact', id: contact.id },
      reason: '居家隔离 home quarantine',
    });
    expect((await t.deps.services.control.statusesOf([p])).get(p)).toMatchObject({ status: 'quarantined_home', basis: { type: 'contact', id: contact.id } });
    const placed = (await get(`/api/cases/${c.id}/contacts`)).json().items.find((x: { id: string }) => x.id === contact.id);
    expect(placed).toMatchObject({ controlStatus: 'quarantined_home', quarantinedAt: t.clock.now() });
    const d = (await get(`/api/cases/${c.id}`)).json();
    expect(d.speed.closeContactsIdentified).toEqual({ hours: 3, targetHours: 24, met: true });
    expect(d.speed.contactToQuarantine.hours).toBe(2);
  });

  it('registers a non-resident contact through population', async () => {
    const c = await newCase();
    const [building] = await addNodes(t, city.street, [{ code: '420502001778', name: '宾馆社区', level: 'community' }]);
    const r = await post(`/api/cases/${c.id}/contacts`, {
      category: 'close',
      exposureDate: c.reportDate,
      relation: '同乘',
      newPerson: {
        name: '李四光',
        idType: 'passport',
        idNumber: 'E99887766',
        birthDate: '1990-02-03',
        sex: 'male',
        jurisdictionId: building.id,
        regionOfOrigin: '湖南省长沙市',
      },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ nameMasked: '李*光', routing: 'local', controlStatus: 'awaiting_placement' });
    const person = await t.deps.services.population.get(systemActor('t'), r.json().personId);
    expect(person.resident).toBe(false);
    // Later matched to a registered resident: the contact link follows the kept record.
    const [resident] = await makePersons(t, city.street, 1);
    await t.deps.services.population.merge(undefined, systemActor('t'), person.id, resident, '同一人，证件核实');
    expect((await get(`/api/cases/${c.id}/contacts`)).json().items[0].personId).toBe(resident);
  });

  it('hands a contact living in another district to that district (task), and one outside the city to an outgoing 协查 request', async () => {
    const c = await newCase();
    const [w, w2] = await makePersons(t, city.otherStreet, 2);
    // A 西陵区 tracer names a 伍家岗区 resident: handed over, never put under measures by the 西陵区 tracer.
    const h = await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: c.reportDate, personId: w });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ routing: 'handover', controlStatus: null, quarantinedAt: null });
    expect((await t.deps.services.control.statusesOf([w])).get(w)!.status).toBe('none');
    const changes = (p: string) => t.deps.db.selectFrom('control_status_changes').select('person_id').where('person_id', '=', p).execute();
    expect(await changes(w)).toEqual([]);
    const task = await t.deps.db.selectFrom('tasks').selectAll().where('id', '=', h.json().handoverTaskId).executeTakeFirstOrThrow();
    expect(task.assignee_unit_id).toBe(wjgHq.id);
    // The city commander covers both districts: the contact is handed over and put under measures at once.
    const hc = await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: c.reportDate, personId: w2 }, as.commander);
    expect(hc.statusCode).toBe(200);
    expect(hc.json()).toMatchObject({ routing: 'handover', controlStatus: 'awaiting_placement' });
    expect((await t.deps.services.control.statusesOf([w2])).get(w2)!.status).toBe('awaiting_placement');
    expect(await changes(w2)).toHaveLength(1);
    // The receiving district places the contact: the hand-over task closes itself, naming the contact (issue 16).
    const hcTask = () => t.deps.db.selectFrom('tasks').selectAll().where('id', '=', hc.json().handoverTaskId).executeTakeFirstOrThrow();
    expect(await hcTask()).toMatchObject({ status: 'new', subject_kind: 'person', subject: hc.json().nameMasked, closed_by_kind: null });
    await t.deps.services.quarantine.assign(undefined, systemActor('test'), {
      personId: w2!,
      mode: 'home',
      basis: { type: 'contact', id: hc.json().id },
      reason: '居家隔离 home quarantine',
    });
    expect(await hcTask()).toMatchObject({ status: 'verified', closed_by_kind: 'handover_accepted', closed_by_id: hc.json().id });
    // A district with no unit of its own: the hand-over goes to the city HQ, still without measures.
    const dianjun = await buildJurisdiction(t.deps.db, { code: '420504', name: '点军区', level: 'district', parent: city.city });
    const djStreet = await buildJurisdiction(t.deps.db, { code: '420504001000', name: '点军街道', level: 'street', parent: dianjun });
    const [dj] = await makePersons(t, djStreet, 1);
    const hd = await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: c.reportDate, personId: dj });
    expect(hd.json()).toMatchObject({ routing: 'handover', controlStatus: null });
    const djTask = await t.deps.db.selectFrom('tasks').selectAll().where('id', '=', hd.json().handoverTaskId).executeTakeFirstOrThrow();
    expect(djTask.assignee_unit_id).toBe(cityHq.id);
    expect((await t.deps.services.control.statusesOf([dj!])).get(dj!)!.status).toBe('none');
    // A missing person id is a 404, and nothing is written.
    const before = await journalCount();
    const missing = await post(`/api/cases/${c.id}/contacts`, {
      category: 'close',
      exposureDate: c.reportDate,
      personId: '01900000-0000-7000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
    expect(await journalCount()).toBe(before);
    const o = await post(`/api/cases/${c.id}/contacts`, {
      category: 'close',
      exposureDate: c.reportDate,
      outsideCity: { region: '湖北省武汉市', name: '王五', note: '返汉' },
    });
    expect(o.statusCode).toBe(200);
    expect(o.json()).toMatchObject({ routing: 'assist', personId: null, nameMasked: '王*' });
    const list = (await get('/api/cases/assist-requests?direction=outgoing')).json().items;
    const req = list.find((a: { contactId: string }) => a.contactId === o.json().id);
    expect(req).toMatchObject({ status: 'pending', region: '湖北省武汉市' });
    expect((await post(`/api/cases/assist-requests/${req.id}/status`, { status: 'sent' })).json().status).toBe('sent');
    expect((await post(`/api/cases/assist-requests/${req.id}/status`, { status: 'sent' })).statusCode).toBe(409);
    const inc = await post('/api/cases/assist-requests/incoming', {
      region: '荆州市',
      subjectName: '赵六',
      jurisdictionId: city.street.id,
      category: 'close',
      externalRef: 'JZ-001',
    });
    expect(inc.json()).toMatchObject({ direction: 'incoming', status: 'pending', subjectMasked: '赵*' });
    expect((await get('/api/cases/assist-requests', as.wjgTracer)).json().items.some((a: { id: string }) => a.id === inc.json().id)).toBe(false);
  });

  it('refuses secondary contacts when the active preset does not trace them, and records contacts on their own preset version', async () => {
    const c = await newCase();
    const [p, q] = await makePersons(t, city.street, 2);
    const first = (await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: c.reportDate, personId: p })).json();
    const presets = await t.deps.services.cases.presets.list();
    const nov = presets.find((x) => x.key === 'optimisation-2022-11')!;
    const ninth = presets.find((x) => x.key === 'ninth-edition-2022-06')!;
    await post(`/api/presets/${nov.id}/activate`, { reason: '执行二十条' }, as.commander);
    try {
      const r = await post(`/api/cases/${c.id}/contacts`, { category: 'secondary', exposureDate: c.reportDate, personId: q });
      expect(r.statusCode).toBe(422);
      expect(r.json().error.code).toBe('CONTACT_CATEGORY_NOT_TRACED');
      const close = (await post(`/api/cases/${c.id}/contacts`, { category: 'close', exposureDate: c.reportDate, personId: q })).json();
      expect(close.presetVersion).toBe('optimisation-2022-11@v1');
      const all = (await get(`/api/cases/${c.id}/contacts`)).json().items as { id: string; presetVersion: string }[];
      expect(all.find((x) => x.id === first.id)!.presetVersion).toBe('ninth-edition-2022-06@v1');
    } finally {
      await post(`/api/presets/${ninth.id}/activate`, { reason: '恢复' }, as.commander);
    }
  });

  it('draws the chain graph with masked names and filters; the board shows the cluster and its measures', async () => {
    const a = await newCase();
    const [b, x] = await makePersons(t, city.street, 2);
    const cb = (await post('/api/cases', { personId: b, kind: 'asymptomatic', sourceCaseId: a.id, reason: '续发' })).json();
    const k = (await post(`/api/cases/${a.id}/contacts`, { category: 'close', exposureDate: a.reportDate, personId: x })).json();
    const g = (await get(`/api/clusters/${a.clusterId}/graph`)).json();
    expect(g.nodes.map((n: { id: string }) => n.id).sort()).toEqual([a.id, cb.id, k.id].sort());
    expect(g.edges).toEqual(
      expect.arrayContaining([
        { from: a.id, to: cb.id, kind: 'transmission' },
        { from: a.id, to: k.id, kind: 'contact' },
      ]),
    );
    expect(g.nodes.every((n: { label: string }) => n.label.includes('*'))).toBe(true);
    const casesOnly = (await get(`/api/clusters/${a.clusterId}/graph?contacts=false&kind=confirmed`)).json();
    expect(casesOnly.nodes.map((n: { id: string }) => n.id)).toEqual([a.id]);
    expect((await get(`/api/clusters/${a.clusterId}/graph`, as.wjgTracer)).statusCode).toBe(404);
    const board = (await get('/api/clusters/board')).json().items;
    const row = board.find((r: { id: string }) => r.id === a.clusterId);
    // The contact awaits placement (待转运): not yet under control until a stay starts (issue 16).
    expect(row).toMatchObject({ status: 'active', cases: 2, daysSinceLastCase: 0, inControlShare: 0, openContacts: 1, uncontrolledContacts: 1 });
    expect(row.speed.coreInvestigation).toMatchObject({ targetHours: 4, measured: 0 });
    const [node] = await t.deps.db.selectFrom('jurisdictions').select('name').where('path', '=', row.jurisdictionPath).execute();
    expect(row.jurisdictionName).toBe(node.name);
    expect((await get('/api/clusters/board', as.wjgTracer)).json().items.find((r: { id: string }) => r.id === a.clusterId)).toBeUndefined();
  });

  it('moves clusters active → contained → extinguished by the preset rule in the recurring job, journaled', async () => {
    const a = await newCase();
    const sys = systemActor('job');
    const run = () => t.deps.db.transaction().execute((trx) => t.deps.services.cases.clusters.evaluate(trx, sys));
    expect((await run()).find((x) => x.clusterId === a.clusterId)).toBeUndefined();
    await advance(7 * DAY); // 9th edition: contained after 7 days without a community case
    expect((await run()).find((x) => x.clusterId === a.clusterId)).toEqual({ clusterId: a.clusterId, from: 'active', to: 'contained' });
    await advance(7 * DAY); // extinguished after 14 days without any case
    expect((await run()).find((x) => x.clusterId === a.clusterId)).toEqual({ clusterId: a.clusterId, from: 'contained', to: 'extinguished' });
    expect((await get(`/api/clusters/${a.clusterId}`)).json().status).toBe('extinguished');
    const entries = await t.deps.db
      .selectFrom('journal')
      .select(['payload'])
      .where('action', '=', 'cases.cluster.status')
      .where('entity_id', '=', a.clusterId)
      .orderBy('seq')
      .execute();
    expect(entries.map((e) => JSON.parse(e.payload as string).to)).toEqual(['contained', 'extinguished']);
    expect((await get('/api/clusters/board')).json().items.find((r: { id: string }) => r.id === a.clusterId)).toBeUndefined();
    // A new case linked to it reopens the cluster (journaled).
    const [p] = await makePersons(t, city.street, 1);
    expect((await post('/api/cases', { personId: p, kind: 'confirmed', sourceCaseId: a.id, reason: '再发' })).statusCode).toBe(200);
    expect((await get(`/api/clusters/${a.clusterId}`)).json().status).toBe('active');
  });
});
