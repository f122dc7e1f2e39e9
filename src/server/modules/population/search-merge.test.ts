import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { makeResidentId } from './resident-id.js';
import { nameKeys, maskName } from './names.js';
import { classifySearch, upgradeOldResidentId } from './person-rules.js';
import { addResidents, buildAddress, residentInput, SEARCH_PURPOSE, type AddressTree } from './population.test-helpers.js';
import type { PersonInput } from './population.service.js';

type City = Awaited<ReturnType<typeof buildMiniCity>>;

function actorAt(j: JurisdictionRef, roles: Role[]): Actor {
  return {
    kind: 'user',
    userId: `u-${j.code}-${roles.join('-')}`,
    name: `tester-${j.code}`,
    unitId: null,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: j.path,
    sessionId: null,
  };
}

describe('name keys and search classification', () => {
  it('computes pinyin initials and full pinyin with surname readings', () => {
    expect(nameKeys('张三')).toEqual({ initials: 'zs', pinyin: 'zhangsan' });
    expect(nameKeys('曾国藩')).toEqual({ initials: 'zgf', pinyin: 'zengguofan' });
    expect(nameKeys('单田芳').pinyin).toBe('shantianfang');
    expect(nameKeys('吕布').pinyin).toBe('lvbu');
    expect(nameKeys('John Smith')).toEqual({ initials: 'js', pinyin: 'johnsmith' });
  });

  it('masks names for print, and reads queries as document, phone, pinyin or text', () => {
    expect([maskName('张三'), maskName('张三丰'), maskName('欧阳娜娜'), maskName('王')]).toEqual(['张*', '张*丰', '欧**娜', '*']);
    const id = makeResidentId('420502', '1985-06-01', 12, 'male');
    expect(classifySearch(id.toLowerCase())).toEqual({ kind: 'id', number: id });
    // A first-generation 15-digit number is read as its 18-digit form.
    const old = id.slice(0, 6) + id.slice(8, 17);
    expect(upgradeOldResidentId(old)).toBe(id);
    expect(classifySearch(old)).toEqual({ kind: 'id', number: id });
    expect(classifySearch('+86 138-1234-5678')).toEqual({ kind: 'phone', number: '13812345678' });
    expect(classifySearch('ZS')).toEqual({ kind: 'pinyin', text: 'zs' });
    expect(classifySearch('张')).toEqual({ kind: 'text', text: '张' });
  });
});

describe.each(DIALECTS)('population search and merge [%s]', (dialect) => {
  let t: TestApp;
  let city: City;
  let xi: AddressTree;
  let wu: AddressTree;
  let h: Record<'officer' | 'otherOfficer' | 'tracer', Record<string, string>>;
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((p) => p.id);
  const named = (entrance: string, name: string, o: Parameters<typeof residentInput>[1] = {}): PersonInput => ({ ...residentInput(entrance, o), name });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    xi = await buildAddress(t, city.street);
    wu = await buildAddress(t, city.otherStreet);
    const now = t.clock.now();
    const user = async (j: JurisdictionRef, roles: Role[]) =>
      sessionHeaders(
        t.deps.db,
        await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: `单位${j.code}${roles[0]}`, jurisdiction: j }), roles }),
        now,
      );
    h = {
      officer: await user(city.xiling, ['district_officer']),
      otherOfficer: await user(city.wujiagang, ['district_officer']),
      tracer: await user(city.xiling, ['tracer']),
    };
  });
  afterAll(() => t.close());

  it('finds 张三 by pinyin initials and full pinyin, within scope only', async () => {
    const [zhang, zhangFeng, zeng] = await addResidents(t, [named(xi.entrance.id, '张三'), named(xi.entrance.id, '张三丰'), named(xi.entrance.id, '曾少华')]);
    const [wuZhang] = await addResidents(t, [named(wu.entrance.id, '张珊', { region: '420503' })]);
    expect(ids(await get('/api/persons?q=zs', h.officer)).sort()).toEqual([zhang, zhangFeng, zeng].sort());
    expect(ids(await get('/api/persons?q=zsf', h.officer))).toEqual([zhangFeng]);
    expect(ids(await get('/api/persons?q=ZhangSan', h.officer)).sort()).toEqual([zhang, zhangFeng].sort());
    expect(ids(await get('/api/persons?q=zengs', h.officer))).toEqual([zeng]);
    // 伍家岗区's 张珊 (zs) is not shown to a 西陵区 officer, but is to theirs.
    expect(ids(await get('/api/persons?q=zs', h.otherOfficer))).toEqual([wuZhang]);
    expect(ids(await get(`/api/persons?q=${encodeURIComponent('张三')}`, h.officer)).sort()).toEqual([zhang, zhangFeng].sort());
  });

  it('finds by full ID or phone through the HMAC, never by a fragment', async () => {
    const input = residentInput(xi.entrance.id, { phone: '13677778888' });
    const [id] = await addResidents(t, [input]);
    expect(ids(await get(`/api/persons?q=${input.idNumber}${SEARCH_PURPOSE}`, h.officer))).toEqual([id]);
    expect(ids(await get(`/api/persons?q=136-7777-8888${SEARCH_PURPOSE}`, h.officer))).toEqual([id]);
    // No partial matching on protected numbers: the first 17 characters or 10 digits find nothing.
    expect((await get(`/api/persons?q=${input.idNumber.slice(0, 17)}${SEARCH_PURPOSE}`, h.officer)).json().total).toBe(0);
    expect((await get(`/api/persons?q=1367777888${SEARCH_PURPOSE}`, h.officer)).json().total).toBe(0);
  });

  it('finds the residents of a compound, or of one building of it, by name', async () => {
    const other = await t.deps.services.geo.create(undefined, systemActor('test'), {
      parentId: xi.compound.id,
      code: `${xi.compound.code}02`,
      name: '2栋',
      level: 'building',
      kind: 'apartment',
    });
    const [inOne] = await addResidents(t, [residentInput(xi.entrance.id)]);
    const [inTwo] = await addResidents(t, [{ ...residentInput(other.id), address: { jurisdictionId: other.id, room: '301' } }]);
    const compound = ids(await get(`/api/persons?q=${encodeURIComponent('滨江苑')}&pageSize=200`, h.officer));
    expect(compound).toContain(inOne);
    expect(compound).toContain(inTwo);
    const building = ids(await get(`/api/persons?q=${encodeURIComponent('滨江苑 2栋')}&pageSize=200`, h.officer));
    expect(building).toEqual([inTwo]);
    // 伍家岗区 has a 滨江苑 too; its officer sees only their own.
    const theirs = (await get(`/api/persons?q=${encodeURIComponent('滨江苑')}&pageSize=200`, h.otherOfficer)).json().items as { location: { path: string } }[];
    expect(theirs.every((p) => p.location.path.startsWith(city.wujiagang.path))).toBe(true);
  });

  it('merges a non-resident into a resident: both records and histories kept, journaled, counters and statuses combined', async () => {
    const birthDate = '1988-08-08';
    const visitor = await t.deps.services.population.create(undefined, systemActor('test'), {
      name: '李访客',
      idType: 'passport',
      idNumber: 'E12345678',
      birthDate,
      sex: 'female',
      resident: false,
      jurisdictionId: xi.building.id,
      regionOfOrigin: '湖南省长沙市',
      phone: '13711112222',
    });
    const [resident] = await addResidents(t, [named(xi.entrance.id, '李芳', { birthDate, sex: 'female', phone: null })]);
    // The visitor is a close contact under home quarantine; the resident record has no status.
    // (Contact links belong to the cases module, which is not part of this test: any id is valid.)
    t.deps.services.control.registerBasisValidator('contact', async () => true);
    await inTx(t.deps.db, (trx) =>
      t.deps.services.control.applyAutomatic(trx, systemActor('cases'), {
        personIds: [visitor.id],
        to: 'quarantined_home',
        basis: { type: 'contact', id: 'contact-42' },
        reason: '密接',
      }),
    );
    const handled: [string, string][] = [];
    t.deps.services.population.registerMergeHandler(async (_trx, from, into) => {
      handled.push([from, into]);
    });
    const before = await t.deps.services.population.count();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/persons/${visitor.id}/merge`,
      headers: h.officer,
      payload: { intoPersonId: resident, reason: '同一人：护照与身份证登记' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: visitor.id,
      mergedInto: resident,
      merges: [{ fromPersonId: visitor.id, intoPersonId: resident, method: 'manual', reason: '同一人：护照与身份证登记' }],
    });
    expect(handled).toEqual([[visitor.id, resident]]);
    // The merged record is no longer counted or listed; the kept record shows the merge too.
    expect(await t.deps.services.population.count()).toBe(before - 1);
    const kept = (await get(`/api/persons/${resident}`, h.officer)).json();
    expect(kept.merges).toHaveLength(1);
    expect(kept.merges[0].details.control).toEqual({ from: 'quarantined_home', into: 'none', kept: 'quarantined_home' });
    expect((await get(`/api/persons?q=E12345678${SEARCH_PURPOSE}`, h.officer)).json().items.map((p: { id: string }) => p.id)).toEqual([resident]);
    expect((await get(`/api/persons?q=13711112222${SEARCH_PURPOSE}`, h.officer)).json().items.map((p: { id: string }) => p.id)).toEqual([resident]);
    const found = await t.deps.services.population.findByIdNumber(actorAt(city.xiling, ['district_officer']), 'E12345678');
    expect(found?.id).toBe(resident);
    // The stricter measure now applies to the kept record, citing the same basis; both histories remain.
    const status = await t.deps.services.control.getStatus(actorAt(city.xiling, ['district_officer']), resident);
    expect(status).toMatchObject({ status: 'quarantined_home', basis: { type: 'contact', id: 'contact-42' } });
    // The merged record's history stays; control retires its own measure (the person is counted once).
    const merged = await t.deps.services.control.history(actorAt(city.xiling, ['district_officer']), visitor.id);
    expect(merged.map((c) => [c.from, c.to])).toEqual([
      ['none', 'quarantined_home'],
      ['quarantined_home', 'none'],
    ]);
    const journal = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.merge', limit: 5 });
    expect(journal[0]).toMatchObject({
      entityId: visitor.id,
      reason: '同一人：护照与身份证登记',
      payload: { fromPersonId: visitor.id, intoPersonId: resident, method: 'manual' },
    });
    expect(JSON.stringify(journal)).not.toContain('E12345678');
    expect((await t.deps.services.journal.verify()).ok).toBe(true);
    // The merged record's own history (its registration) is still there.
    expect(
      await t.deps.services.journal.list(t.deps.db, { entityType: 'person', entityId: visitor.id, action: 'population.person.create', limit: 5 }),
    ).toHaveLength(1);
    // Counters still equal a recount of current records.
    const recount = await t.deps.services.population.countByPath();
    const entrance = (await t.deps.services.geo.getById(xi.entrance.id))!;
    const building = (await t.deps.services.geo.getById(xi.building.id))!;
    expect(entrance.population).toBe(recount.get(xi.entrance.path) ?? 0);
    expect(building.population - entrance.population).toBe([...recount].filter(([p]) => p === xi.building.path).reduce((s, [, n]) => s + n, 0));
  });

  it('refuses bad merges: twice, into itself, a resident into a non-resident, out of scope, without capability', async () => {
    const [a, b] = await addResidents(t, [residentInput(xi.entrance.id), residentInput(xi.entrance.id)]);
    const [far] = await addResidents(t, [residentInput(wu.entrance.id, { region: '420503' })]);
    const nonResident = await t.deps.services.population.create(undefined, systemActor('test'), {
      name: '王过客',
      idType: 'resident_id',
      idNumber: makeResidentId('430100', '1970-01-02', 9, 'male'),
      birthDate: '1970-01-02',
      sex: 'male',
      resident: false,
      jurisdictionId: xi.building.id,
      regionOfOrigin: '430100',
    });
    const merge = (from: string, into: string, headers = h.officer) =>
      t.app.inject({ method: 'POST', url: `/api/persons/${from}/merge`, headers, payload: { intoPersonId: into, reason: '重复登记' } });
    expect((await merge(a, a)).json().error.code).toBe('PERSON_MERGE_SAME');
    expect((await merge(a, nonResident.id)).json().error.code).toBe('PERSON_MERGE_DIRECTION');
    expect((await merge(a, far)).statusCode).toBe(404);
    expect((await merge(far, a, h.otherOfficer)).statusCode).toBe(404);
    expect((await merge(a, b, h.tracer)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/api/persons/${a}/merge`, headers: h.officer, payload: { intoPersonId: b } })).statusCode).toBe(400);
    expect((await merge(a, b)).statusCode).toBe(200);
    const again = await merge(a, b);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('PERSON_MERGE_ALREADY_MERGED');
  });

  it('a chain of merges leads to the last kept record, and the counters equal a recount of current records on every node', async () => {
    const inputs = [residentInput(xi.entrance.id), residentInput(xi.entrance.id), residentInput(xi.entrance.id)];
    const [p, q, r] = await addResidents(t, inputs);
    const manage = actorAt(city.xiling, ['district_officer']);
    const before = await t.deps.services.population.count(manage);
    await t.deps.services.population.merge(undefined, manage, p, q, '重复登记');
    await t.deps.services.population.merge(undefined, manage, q, r, '重复登记');
    // p was merged into q before q was merged into r: p now points at r, the last kept record.
    expect((await t.deps.services.population.get(manage, p)).mergedInto).toBe(r);
    expect((await t.deps.services.population.findByIdNumber(manage, inputs[0].idNumber))?.id).toBe(r);
    expect([...(await t.deps.services.population.briefs(manage, [p, q, r])).values()].map((b) => b.id)).toEqual([r, r, r]);
    expect(await t.deps.services.population.count(manage)).toBe(before - 2);
    await expect(t.deps.services.population.merge(undefined, manage, p, r, '重复登记')).rejects.toMatchObject({ code: 'PERSON_MERGE_ALREADY_MERGED' });
    await expect(t.deps.services.population.merge(undefined, manage, r, q, '重复登记')).rejects.toMatchObject({ code: 'PERSON_MERGE_ALREADY_MERGED' });
    // The recount, written here: current (unmerged) records per node, expanded to every ancestor.
    const rows = await t.deps.db.selectFrom('persons').select(['jurisdiction_path']).where('merged_into', 'is', null).execute();
    const expected = new Map<string, number>();
    for (const row of rows) {
      let acc = '/';
      for (const code of row.jurisdiction_path.split('/').filter(Boolean)) expected.set((acc += `${code}/`), (expected.get(acc) ?? 0) + 1);
    }
    const wrong = (await t.deps.services.geo.populations()).filter((n) => n.population !== (expected.get(n.path) ?? 0));
    expect(wrong).toEqual([]);
    expect(expected.get(xi.entrance.path)).toBeGreaterThan(0);
  });

  it("registering a resident with a non-resident's document absorbs the non-resident (a document merge)", async () => {
    const idNumber = makeResidentId('420502', '1995-05-05', 77, 'female');
    const visitor = await t.deps.services.population.create(undefined, systemActor('test'), {
      name: '周敏',
      idType: 'resident_id',
      idNumber,
      birthDate: '1995-05-05',
      sex: 'female',
      resident: false,
      jurisdictionId: xi.building.id,
      regionOfOrigin: '420502',
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/persons',
      headers: h.officer,
      payload: { ...named(xi.entrance.id, '周敏'), idNumber, birthDate: '1995-05-05', sex: 'female' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const resident = res.json().id;
    const old = (await get(`/api/persons/${visitor.id}`, h.officer)).json();
    expect(old).toMatchObject({ mergedInto: resident, merges: [{ method: 'document', intoPersonId: resident }] });
    expect((await get(`/api/persons?q=${idNumber}${SEARCH_PURPOSE}`, h.officer)).json().items.map((p: { id: string }) => p.id)).toEqual([resident]);
    // Registering the same document again is a conflict as before.
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/persons',
      headers: h.officer,
      payload: { ...named(xi.entrance.id, '周敏'), idNumber, birthDate: '1995-05-05', sex: 'female' },
    });
    expect(dup.statusCode).toBe(409);
  });
});
