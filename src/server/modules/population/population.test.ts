import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, dropSchema, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { buildApp, createDeps, createLogger } from '../../app.js';
import { testConfig } from '../../config.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { ManualClock } from '../../platform/clock.js';
import { makeResidentId } from './resident-id.js';
import { addResidents, buildAddress, maskedId, residentInput, SEARCH_PURPOSE, type AddressTree } from './population.test-helpers.js';
import type { PersonInput } from './population.service.js';

type City = Awaited<ReturnType<typeof buildMiniCity>>;

function actorAt(j: JurisdictionRef, roles: Role[]): Actor {
  return {
    kind: 'user',
    userId: `u-${j.code}`,
    name: `tester-${j.code}`,
    unitId: null,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: j.path,
    sessionId: null,
  };
}

/** Counts per node from the person rows themselves, expanded to every ancestor: the recount. */
async function recount(t: TestApp): Promise<Map<string, number>> {
  const rows = await t.deps.db.selectFrom('persons').select(['jurisdiction_path']).execute();
  const out = new Map<string, number>();
  for (const r of rows) {
    const parts = r.jurisdiction_path.split('/').filter(Boolean);
    let acc = '/';
    for (const p of parts) {
      acc += `${p}/`;
      out.set(acc, (out.get(acc) ?? 0) + 1);
    }
  }
  return out;
}

async function expectCountersMatchRecount(t: TestApp): Promise<void> {
  const expected = await recount(t);
  const nodes = await t.deps.services.geo.populations();
  const wrong = nodes
    .filter((n) => n.population !== (expected.get(n.path) ?? 0))
    .map((n) => ({ path: n.path, counter: n.population, recount: expected.get(n.path) ?? 0 }));
  expect(wrong).toEqual([]);
}

describe.each(DIALECTS)('population [%s]', (dialect) => {
  let t: TestApp;
  let city: City;
  let xi: AddressTree;
  let wu: AddressTree;
  let h: Record<'admin' | 'officer' | 'worker' | 'otherOfficer' | 'tracer', Record<string, string>>;
  const post = (url: string, headers: Record<string, string>, payload: unknown, extra: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { ...headers, ...extra }, payload: payload as object });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

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
      admin: await user(city.city, ['admin']),
      officer: await user(city.xiling, ['district_officer']),
      worker: await user(city.street, ['community_worker']),
      otherOfficer: await user(city.wujiagang, ['district_officer']),
      tracer: await user(city.xiling, ['tracer']),
    };
  });
  afterAll(() => t.close());

  it('registers a resident: masked ID and phone, address text, a household per room, counters on every ancestor', async () => {
    const input = residentInput(xi.entrance.id, { room: '1203', phone: '13812345678', vulnerable: ['chronic'] });
    const res = await post('/api/persons', h.admin, input);
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    expect(p.idNumberMasked).toBe(maskedId(input.idNumber));
    expect(p.phoneMasked).toBe('138****5678');
    expect(res.body).not.toContain(input.idNumber);
    expect(res.body).not.toContain('13812345678');
    expect(p.address.text).toBe('西陵区西陵街道测试001社区滨江苑1栋1单元1203室');
    expect(p.address.jurisdictionId).toBe(xi.entrance.id);
    expect(p.vulnerable).toEqual(['chronic']);
    const spouse = await post('/api/persons', h.admin, residentInput(xi.entrance.id, { room: '1203', phone: null }));
    expect(spouse.statusCode, spouse.body).toBe(201);
    expect(spouse.json().householdId).toBe(p.householdId);
    expect(spouse.json().phoneMasked).toBeNull();
    const other = await post('/api/persons', h.admin, residentInput(xi.entrance.id, { room: '1204' }));
    expect(other.json().householdId).not.toBe(p.householdId);
    for (const node of [xi.entrance, xi.building, xi.compound, xi.community, city.street, city.xiling, city.city]) {
      expect((await t.deps.services.geo.getById(node.id))!.population).toBe(3);
    }
    expect((await t.deps.services.geo.getById(city.wujiagang.id))!.population).toBe(0);
    await expectCountersMatchRecount(t);
  });

  it('stores ID and phone only encrypted, hashed and masked', async () => {
    const input = residentInput(xi.entrance.id, { phone: '13900001111' });
    const [id] = await addResidents(t, [input]);
    const row = await t.deps.db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const text = JSON.stringify(row);
    expect(text).not.toContain(input.idNumber);
    expect(text).not.toContain('13900001111');
    expect(row.id_cipher).toMatch(/^v1\./);
    expect(row.id_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(row.phone_masked).toBe('139****1111');
  });

  it("rejects invalid persons with the rule's own code", async () => {
    const base = residentInput(xi.entrance.id);
    const cases: [Partial<PersonInput>, number, string][] = [
      [{ idNumber: base.idNumber.slice(0, 17) + (base.idNumber[17] === '1' ? '2' : '1') }, 422, 'RESIDENT_ID_CHECKSUM'],
      [{ birthDate: '1901-01-01' }, 422, 'RESIDENT_ID_BIRTH_MISMATCH'],
      [{ sex: base.sex === 'male' ? 'female' : 'male' }, 422, 'RESIDENT_ID_SEX_MISMATCH'],
      [{ phone: '12345' }, 422, 'PHONE_FORMAT'],
      [{ birthDate: '2030-01-01' }, 422, 'PERSON_BIRTH_DATE_INVALID'],
      [{ address: { jurisdictionId: xi.compound.id, room: '1' } }, 422, 'PERSON_ADDRESS_LEVEL'],
      [{ address: null }, 422, 'PERSON_ADDRESS_REQUIRED'],
      [{ resident: false, address: null, jurisdictionId: xi.building.id }, 422, 'PERSON_NON_RESIDENT_FIELDS'],
      [{ idType: 'passport', idNumber: 'E12@34#5' }, 422, 'ID_NUMBER_FORMAT'],
    ];
    for (const [patch, status, code] of cases) {
      const res = await post('/api/persons', h.admin, { ...base, ...patch });
      expect(res.statusCode, `${code}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(res.body).not.toContain(base.idNumber);
    }
    const unknown = await post('/api/persons', h.admin, { ...base, nickname: 'x' });
    expect(unknown.statusCode).toBe(400);
    const ok = await post('/api/persons', h.admin, base);
    expect(ok.statusCode).toBe(201);
    const dup = await post('/api/persons', h.admin, { ...base, name: '另一个人', idNumber: base.idNumber.toLowerCase() });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('PERSON_ID_EXISTS');
  });

  it('registers non-residents at their place of stay with their region of origin', async () => {
    const birthDate = '1992-03-04';
    const res = await post('/api/persons', h.admin, {
      name: '访客甲',
      idType: 'resident_id',
      idNumber: makeResidentId('430100', birthDate, 55, 'male'),
      birthDate,
      sex: 'male',
      resident: false,
      jurisdictionId: xi.building.id,
      regionOfOrigin: '湖南省长沙市',
      phone: '13700000001',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      resident: false,
      householdId: null,
      address: null,
      regionOfOrigin: '湖南省长沙市',
      location: { jurisdictionId: xi.building.id, text: '西陵区西陵街道测试001社区滨江苑1栋' },
    });
    await expectCountersMatchRecount(t);
  });

  it("refuses to register a person outside the actor's jurisdiction, and needs the capability", async () => {
    const manager = actorAt(city.xiling, ['admin']);
    await expect(t.deps.services.population.create(undefined, manager, residentInput(wu.entrance.id))).rejects.toMatchObject({
      code: 'PERSON_ADDRESS_NOT_FOUND',
    });
    // A tracer reads persons but may not register them (no person.manage).
    await expect(t.deps.services.population.create(undefined, actorAt(city.xiling, ['tracer']), residentInput(xi.entrance.id))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await post('/api/persons', h.tracer, residentInput(xi.entrance.id))).statusCode).toBe(403);
    const inScope = await t.deps.services.population.create(undefined, manager, residentInput(xi.entrance.id));
    expect(inScope.address!.jurisdictionId).toBe(xi.entrance.id);
  });

  it('lists persons only within scope: a 西陵区 user never sees 伍家岗区 persons, and an out-of-scope person is a 404', async () => {
    const [wuPerson] = await addResidents(t, [residentInput(wu.entrance.id, { region: '420503' }), residentInput(wu.entrance.id, { region: '420503' })]);
    const all = (await get('/api/persons?pageSize=200', h.admin)).json();
    const mine = (await get('/api/persons?pageSize=200', h.officer)).json();
    const theirs = (await get('/api/persons?pageSize=200', h.otherOfficer)).json();
    expect(theirs.total).toBe(2);
    expect(mine.total + theirs.total).toBe(all.total);
    expect(mine.items.every((p: { location: { path: string } }) => p.location.path.startsWith(city.xiling.path))).toBe(true);
    expect(mine.items.some((p: { id: string }) => p.id === wuPerson)).toBe(false);
    expect((await get(`/api/persons/${wuPerson}`, h.officer)).statusCode).toBe(404);
    expect((await get(`/api/persons/${wuPerson}`, h.otherOfficer)).statusCode).toBe(200);
    expect((await get(`/api/persons?jurisdictionId=${city.wujiagang.id}`, h.officer)).statusCode).toBe(404);
    // Asking for the city (an ancestor) still returns only the caller's own jurisdiction.
    const viaCity = (await get(`/api/persons?jurisdictionId=${city.city.id}&pageSize=200`, h.officer)).json();
    expect(viaCity.total).toBe(mine.total);
    // Scoped counts read from the counters agree with the lists.
    expect(await t.deps.services.population.count(actorAt(city.xiling, ['district_officer']))).toBe(mine.total);
    expect(await t.deps.services.population.count()).toBe(all.total);
  });

  it('searches by name, by full ID number and by phone (exact, via HMAC), and filters the vulnerable', async () => {
    const input = residentInput(xi.entrance.id, { phone: '13655556666', vulnerable: ['bedridden', 'elderly_alone'] });
    const [id] = await addResidents(t, [input]);
    const byId = (await get(`/api/persons?q=${input.idNumber.toLowerCase()}${SEARCH_PURPOSE}`, h.officer)).json();
    expect(byId.items.map((p: { id: string }) => p.id)).toEqual([id]);
    const byPhone = (await get(`/api/persons?q=13655556666${SEARCH_PURPOSE}`, h.officer)).json();
    expect(byPhone.items.map((p: { id: string }) => p.id)).toEqual([id]);
    const byName = (await get(`/api/persons?q=${encodeURIComponent(input.name)}`, h.officer)).json();
    expect(byName.items.map((p: { id: string }) => p.id)).toContain(id);
    expect((await get(`/api/persons?q=${input.idNumber}${SEARCH_PURPOSE}`, h.otherOfficer)).json().total).toBe(0);
    const bedridden = (await get('/api/persons?vulnerable=bedridden&pageSize=200', h.officer)).json();
    expect(bedridden.items.map((p: { id: string }) => p.id)).toEqual([id]);
    const anyFlag = (await get('/api/persons?vulnerable=true&pageSize=200', h.officer)).json();
    expect(anyFlag.items.every((p: { vulnerable: string[] }) => p.vulnerable.length > 0)).toBe(true);
    expect(anyFlag.total).toBeGreaterThanOrEqual(2);
    const found = await t.deps.services.population.findByIdNumber(actorAt(city.xiling, ['district_officer']), input.idNumber);
    expect(found?.id).toBe(id);
    expect(await t.deps.services.population.findByIdNumber(actorAt(city.wujiagang, ['district_officer']), input.idNumber)).toBeUndefined();
  });

  it('reveals a full number only with person.reveal and a reason, journaling the reason but never the value', async () => {
    const input = residentInput(xi.entrance.id, { phone: '13511112222' });
    const [id] = await addResidents(t, [input]);
    const denied = await post(`/api/persons/${id}/reveal`, h.worker, { field: 'idNumber', reason: '核实身份' });
    expect(denied.statusCode).toBe(403);
    expect((await post(`/api/persons/${id}/reveal`, h.officer, { field: 'idNumber' })).statusCode).toBe(400);
    expect((await post(`/api/persons/${id}/reveal`, h.otherOfficer, { field: 'idNumber', reason: '核实身份' })).statusCode).toBe(404);
    const before = await t.deps.services.journal.count();
    const ok = await post(`/api/persons/${id}/reveal`, h.officer, { field: 'idNumber', reason: '流调核实身份' }, { 'idempotency-key': 'reveal-1' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ value: input.idNumber });
    const phone = await post(`/api/persons/${id}/reveal`, h.officer, { field: 'phone', reason: '电话联系' });
    expect(phone.json()).toEqual({ value: '13511112222' });
    expect(await t.deps.services.journal.count()).toBe(before + 2);
    const entries = await t.deps.services.journal.list(t.deps.db, { entityType: 'person', entityId: id, action: 'population.person.reveal', limit: 10 });
    expect(entries.map((e) => [e.payload, e.reason])).toEqual([
      [{ field: 'phone' }, '电话联系'],
      [{ field: 'idNumber' }, '流调核实身份'],
    ]);
    expect(entries[0].jurisdictionPath).toBe(xi.entrance.path);
    const journalText = JSON.stringify(await t.deps.db.selectFrom('journal').selectAll().execute());
    expect(journalText).not.toContain(input.idNumber);
    expect(journalText).not.toContain('13511112222');
    // The revealed value is never kept for idempotent replay.
    const stored = await t.deps.db.selectFrom('idempotency_keys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(input.idNumber);
    await expect(t.deps.services.population.reveal(undefined, actorAt(city.xiling, ['district_officer']), id, 'idNumber', ' ')).rejects.toMatchObject({
      code: 'REASON_REQUIRED',
    });
    const [silent] = await addResidents(t, [residentInput(xi.entrance.id, { phone: null })]);
    const none = await post(`/api/persons/${silent}/reveal`, h.officer, { field: 'phone', reason: '电话联系' });
    expect(none.json().error.code).toBe('PERSON_FIELD_EMPTY');
  });

  it('bulk registration is all or nothing and names the bad rows without echoing numbers', async () => {
    const before = await t.deps.services.population.count();
    const good = residentInput(xi.entrance.id);
    const bad = { ...residentInput(xi.entrance.id), phone: '999' };
    const dupe = { ...residentInput(xi.entrance.id), idNumber: good.idNumber, birthDate: good.birthDate, sex: good.sex };
    const err = await t.deps.services.population.createMany(undefined, systemActor('test'), [good, bad, dupe]).catch((e) => e);
    expect(err.code).toBe('PERSON_INVALID');
    expect(err.details).toEqual([
      expect.objectContaining({ row: 1, field: 'phone', code: 'PHONE_FORMAT' }),
      expect.objectContaining({ row: 2, field: 'idNumber', code: 'PERSON_ID_EXISTS' }),
    ]);
    expect(JSON.stringify(err.details)).not.toContain(good.idNumber);
    expect(await t.deps.services.population.count()).toBe(before);
    const r = await t.deps.services.population.createMany(
      undefined,
      systemActor('test'),
      Array.from({ length: 30 }, () => residentInput(xi.entrance.id)),
    );
    expect(r.persons).toBe(30);
    expect(await t.deps.services.population.count()).toBe(before + 30);
    const batch = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.import', limit: 1 });
    expect(batch[0]).toMatchObject({ batchCount: 30, payload: { persons: 30 } });
    await expectCountersMatchRecount(t);
  });

  it('shows a household with its members, scoped', async () => {
    const inputs = [residentInput(xi.entrance.id, { room: '901' }), residentInput(xi.entrance.id, { room: '901' })];
    const [a] = await addResidents(t, inputs);
    const person = (await get(`/api/persons/${a}`, h.officer)).json();
    const res = await get(`/api/households/${person.householdId}`, h.officer);
    expect(res.statusCode).toBe(200);
    expect(res.json().members).toHaveLength(2);
    expect(res.json().address.text).toBe('西陵区西陵街道测试001社区滨江苑1栋1单元901室');
    expect((await get(`/api/households/${person.householdId}`, h.otherOfficer)).statusCode).toBe(404);
  });
});

describe.each(DIALECTS)('population logs [%s]', (dialect) => {
  it('a bulk insert, a registration and searches leave no ID or phone number in the logs', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    });
    const schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
    const config = testConfig(
      dialect === 'postgres' ? { dbKind: 'postgres', db: process.env.BULWARK_TEST_PG!, pgSchema: schema, logLevel: 'trace' } : { logLevel: 'trace' },
    );
    const clock = new ManualClock();
    const deps = await createDeps(config, { clock, log: createLogger(config, sink) });
    const app = await buildApp(deps);
    await app.ready();
    const env = { deps, clock, config, close: async () => {} };
    try {
      const city = await buildMiniCity(deps.db);
      const addr = await buildAddress(env, city.street);
      const inputs = Array.from({ length: 120 }, (_, i) => residentInput(addr.entrance.id, { phone: `1370000${String(1000 + i)}` }));
      await deps.services.population.createMany(undefined, systemActor('import'), inputs);
      // A failing bulk insert too: its error must not carry the numbers either.
      await deps.services.population.createMany(undefined, systemActor('import'), [inputs[0]]).catch((e) => deps.log.error({ err: e }, 'import failed'));
      const admin = await buildUser(deps.db, {
        unit: await buildUnit(deps.db, { name: '市指挥部', jurisdiction: city.city }),
        roles: ['admin', 'district_officer'],
      });
      const headers = await sessionHeaders(deps.db, admin, clock.now());
      const extra = residentInput(addr.entrance.id, { phone: '13344445555' });
      expect((await app.inject({ method: 'POST', url: '/api/persons', headers, payload: extra as object })).statusCode).toBe(201);
      expect((await app.inject({ method: 'POST', url: '/api/persons', headers, payload: extra as object })).statusCode).toBe(409);
      await app.inject({ method: 'GET', url: `/api/persons?q=${inputs[5].idNumber}${SEARCH_PURPOSE}`, headers });
      await app.inject({ method: 'GET', url: `/api/persons?q=${inputs[6].phone}${SEARCH_PURPOSE}`, headers });
      const person = (await app.inject({ method: 'GET', url: `/api/persons?q=${extra.idNumber}${SEARCH_PURPOSE}`, headers })).json().items[0];
      await app.inject({ method: 'POST', url: `/api/persons/${person.id}/reveal`, headers, payload: { field: 'idNumber', reason: '核实' } });
      const log = chunks.join('');
      expect(log.length).toBeGreaterThan(1000);
      expect(log).toContain('/api/persons');
      for (const p of [...inputs, extra]) {
        expect(log).not.toContain(p.idNumber);
        expect(log).not.toContain(p.idNumber.slice(0, 17));
        if (p.phone) expect(log).not.toContain(p.phone);
      }
    } finally {
      await app.close();
      await deps.handle.close();
      if (schema) await dropSchema(schema);
    }
  });
});
