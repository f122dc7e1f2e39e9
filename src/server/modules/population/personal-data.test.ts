/**
 * Issue 14, "Personal data that leaks today": masked IDs that do not rebuild the number, exact
 * searches and reveals as rate-limited, journaled disclosures with a real reason, registrations
 * and dry runs that do not tell a district about another district's registrations, and merge
 * targets checked against the caller's scope.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReason } from '../../../common/reason.js';
import type { Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { utcDay } from '../../platform/clock.js';
import { DISCLOSURE_LIMITS, type PersonInput } from './population.service.js';
import { addResidents, buildAddress, csvText, multipartFile, SEARCH_PURPOSE, residentInput, type AddressTree } from './population.test-helpers.js';
import { makeResidentId, residentIdCheckChar } from './resident-id.js';

type City = Awaited<ReturnType<typeof buildMiniCity>>;

/** Every day of a year, YYYYMMDD. */
function daysOf(year: number): string[] {
  const out: string[] = [];
  for (let d = new Date(Date.UTC(year, 0, 1)); d.getUTCFullYear() === year; d.setUTCDate(d.getUTCDate() + 1)) out.push(utcDay(d).replace(/-/g, ''));
  return out;
}

/** What an attacker learned about one person from everything served. */
interface Facts {
  masks: Set<string>;
  /** Full birth dates seen anywhere (YYYYMMDD). */
  dates: Set<string>;
  years: Set<number>;
  /** The 6-digit region: generously assumed known (the address gives the district). */
  region: string;
}

/**
 * Every GB 11643 number consistent with the facts: each mask's visible characters, the region, the
 * birth date (or any day of a served year) and a valid check character. At most `cap` are listed.
 */
function rebuild(f: Facts, cap = 5000): string[] {
  const masks = [...f.masks].filter((m) => m.length === 18);
  const fits = (id: string) => masks.every((m) => [...m].every((c, i) => c === '*' || c === id[i]));
  const dates = f.dates.size ? [...f.dates] : [...f.years].flatMap(daysOf);
  const out: string[] = [];
  for (const date of dates) {
    for (let seq = 0; seq < 1000; seq++) {
      const first17 = `${f.region}${date}${String(seq).padStart(3, '0')}`;
      // Prune on the visible sequence digits before computing the check character.
      if (!masks.every((m) => [...m.slice(14, 17)].every((c, i) => c === '*' || c === first17[14 + i]))) continue;
      const id = first17 + residentIdCheckChar(first17);
      if (fits(id)) out.push(id);
      if (out.length >= cap) return out;
    }
  }
  return out;
}

/** Every object inside a JSON value whose `id` is `id`. */
function objectsWithId(v: unknown, id: string): object[] {
  if (Array.isArray(v)) return v.flatMap((x) => objectsWithId(x, id));
  if (!v || typeof v !== 'object') return [];
  const own = (v as { id?: unknown }).id === id ? [v] : [];
  return [...own, ...Object.values(v).flatMap((x) => objectsWithId(x, id))];
}

/** Dates (YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD, YYYY年M月D日) anywhere in a text, as YYYYMMDD. */
function datesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(19\d{2}|20\d{2})[-/年.]?(0[1-9]|1[0-2])[-/月.]?(0[1-9]|[12]\d|3[01])/g)) out.push(`${m[1]}${m[2]}${m[3]}`);
  return out;
}

describe('the shared reason rule', () => {
  it('takes real reasons and refuses empty, short, punctuation-only, repeated and invisible ones', () => {
    expect(checkReason('核对身份信息')).toEqual({ ok: true, reason: '核对身份信息' });
    expect(checkReason('  call back  the\u200bcontact ')).toEqual({ ok: true, reason: 'call back thecontact' });
    const problem = (v: unknown) => {
      const c = checkReason(v);
      return c.ok ? 'ok' : c.problem;
    };
    const cases: [unknown, string][] = [
      [undefined, 'missing'],
      ['', 'missing'],
      ['   ', 'missing'],
      ['核', 'too_short'],
      ['核对', 'too_short'],
      ['ok', 'too_short'],
      ['aaaa', 'too_short'],
      ['...', 'no_words'],
      ['。。。。', 'no_words'],
      ['!!??', 'no_words'],
      ['\u200b\u200b\u200b\u200b\u200b', 'invisible'],
      ['\u200b核\u200b', 'too_short'],
      ['核核核核', 'repeated'],
      ['aaaaaaa', 'repeated'],
      ['x'.repeat(501), 'too_long'],
      ['ok\ud800ok', 'invisible'],
      ['ab\u0000cd', 'invisible'],
      ['同一人', 'ok'],
      ['call back', 'ok'],
      ['核对身份信息', 'ok'],
    ];
    expect(cases.map(([v]) => problem(v))).toEqual(cases.map(([, p]) => p));
  });

  it('the rebuild below finds the one number when a date is served beside the old mask', () => {
    // Holds the attack to its own standard: with the 2026-11 mask and the birth date, one number fits.
    const id = makeResidentId('420502', '1985-07-21', 169, 'male');
    const oldMask = `${id.slice(0, 6)}********${id.slice(-4)}`;
    expect(rebuild({ masks: new Set([oldMask]), dates: new Set(['19850721']), years: new Set([1985]), region: '420502' })).toEqual([id]);
  });
});

describe.each(DIALECTS)('personal data [%s]', (dialect) => {
  let t: TestApp;
  let city: City;
  let xi: AddressTree;
  let wu: AddressTree;
  let inputs: PersonInput[];
  let ids: string[];
  let passportId: string;
  const headers: Partial<Record<'officer' | 'officer2' | 'sampler' | 'worker' | 'auditor' | 'tracer' | 'wuOfficer', Record<string, string>>> = {};
  const h = (k: keyof typeof headers) => headers[k]!;
  const get = (url: string, hd: Record<string, string>) => t.app.inject({ method: 'GET', url, headers: hd });
  const post = (url: string, hd: Record<string, string>, payload: object) => t.app.inject({ method: 'POST', url, headers: hd, payload });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    xi = await buildAddress(t, city.street);
    wu = await buildAddress(t, city.otherStreet);
    const now = t.clock.now();
    const user = async (j: JurisdictionRef, roles: Role[], tag: string) =>
      sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: `单位${tag}`, jurisdiction: j }), roles }), now);
    headers.officer = await user(city.xiling, ['district_officer'], 'officer');
    headers.officer2 = await user(city.xiling, ['district_officer'], 'officer2');
    headers.tracer = await user(city.xiling, ['tracer'], 'tracer');
    headers.sampler = await user(city.xiling, ['sampler'], 'sampler');
    headers.worker = await user(xi.community, ['community_worker'], 'worker');
    headers.auditor = await user(city.city, ['auditor'], 'auditor');
    headers.wuOfficer = await user(city.wujiagang, ['district_officer'], 'wu');
    inputs = [
      residentInput(xi.entrance.id, { birthDate: '1985-07-21', sex: 'male' }),
      residentInput(xi.entrance.id, { birthDate: '1990-12-31', sex: 'female' }),
      residentInput(xi.entrance.id, { birthDate: '2012-02-29', sex: 'male' }),
      residentInput(wu.entrance.id, { region: '420503', birthDate: '1970-01-01', sex: 'female' }),
    ];
    ids = await addResidents(t, inputs);
    [passportId] = (
      await t.deps.services.population.createMany(undefined, systemActor('test'), [
        {
          name: '护照访客',
          idType: 'passport',
          idNumber: 'E77665544',
          birthDate: '1979-04-13',
          sex: 'female',
          resident: false,
          jurisdictionId: xi.building.id,
          regionOfOrigin: '湖南省长沙市',
        },
      ])
    ).ids;
  });
  afterAll(() => t?.close());

  it('nothing a role without person.reveal can read rebuilds an ID number, and nothing at rest does', async () => {
    for (const role of ['sampler', 'worker', 'auditor'] as const) {
      const served: string[] = [];
      const list = await get('/api/persons?pageSize=200', h(role));
      expect(list.statusCode).toBe(200);
      served.push(list.body);
      const byName = await get(`/api/persons?q=${encodeURIComponent('测试居民')}&pageSize=200`, h(role));
      served.push(byName.body);
      const exported = await get('/api/persons/export?format=csv', h(role));
      expect(exported.statusCode).toBe(200);
      served.push(exported.body);
      const items = list.json().items as { id: string; householdId: string | null; idNumberMasked: string; birthYear: number; name: string }[];
      for (let i = 0; i < 3; i++) {
        const p = items.find((x) => x.id === ids[i])!;
        expect(p, `${role} sees person ${i}`).toBeTruthy();
        const detail = await get(`/api/persons/${p.id}`, h(role));
        served.push(detail.body);
        if (p.householdId) served.push((await get(`/api/households/${p.householdId}`, h(role))).body);
      }
      const everything = served.join('\n');
      for (let i = 0; i < 3; i++) {
        const real = inputs[i].idNumber;
        const p = items.find((x) => x.id === ids[i])!;
        expect(everything.includes(real), `${role}: the full number is served`).toBe(false);
        // The birth date is nowhere (in any spelling) in what this role reads.
        expect(datesIn(everything)).not.toContain(inputs[i].birthDate.replace(/-/g, ''));
        // What is said about this person: every JSON object carrying its id, every CSV line with its name.
        const rows = [
          ...served.flatMap((b) => (b.startsWith('{') ? objectsWithId(JSON.parse(b), ids[i]) : [])).map((o) => JSON.stringify(o)),
          ...exported.body.split('\n').filter((l) => l.startsWith(`${inputs[i].name},`)),
        ];
        expect(rows.length).toBeGreaterThan(2);
        const facts: Facts = {
          masks: new Set([p.idNumberMasked]),
          dates: new Set(rows.flatMap(datesIn)),
          years: new Set([p.birthYear]),
          region: real.slice(0, 6),
        };
        // Masked numbers (18 characters with hidden ones; an 18-digit entrance code in a path is not one).
        for (const l of rows) for (const m of l.match(/(?<![0-9X*])[0-9X*]{18}(?![0-9X*])/g) ?? []) if (m.includes('*')) facts.masks.add(m);
        const candidates = rebuild(facts);
        // The real number is among them (the rebuild is sound), and a whole year's worth fit.
        expect(candidates).toContain(real);
        expect(candidates.length, `${role}: candidates for person ${i}`).toBeGreaterThanOrEqual(365);
      }
    }
    // At rest: no column holds the number or the birth date in clear, and the stored mask with the
    // stored year leaves a year's worth of candidates.
    const rows = await t.deps.db.selectFrom('persons').selectAll().execute();
    for (let i = 0; i < inputs.length; i++) {
      const r = rows.find((x) => x.id === ids[i])!;
      const text = JSON.stringify(r);
      expect(text.includes(inputs[i].idNumber)).toBe(false);
      expect(datesIn(text)).not.toContain(inputs[i].birthDate.replace(/-/g, ''));
      expect(r.birth_cipher).toBeNull();
      expect(
        rebuild({ masks: new Set([r.id_masked]), dates: new Set(), years: new Set([Number(r.birth_year)]), region: inputs[i].idNumber.slice(0, 6) }).length,
      ).toBeGreaterThanOrEqual(365);
    }
    const passport = rows.find((x) => x.id === passportId)!;
    expect(passport.birth_year).toBe(1979);
    expect(passport.birth_cipher).toMatch(/^v1\./);
    expect(JSON.stringify(passport)).not.toContain('1979-04-13');
  });

  it("a dry-run import answers the same for another district's document as for an unregistered one", async () => {
    const header = ['姓名', '身份证号', '性别', '出生日期', '区', '小区', '楼栋', '单元', '房号'];
    const line = (idNumber: string, birth: string, sex: string) => ['王二', idNumber, sex, birth, '西陵区', '滨江苑', '1栋', '1单元', '301'];
    const dryRun = async (idNumber: string, birth: string, sex: string) => {
      const m = multipartFile(Buffer.from(csvText([header, line(idNumber, birth, sex)])));
      const r = await t.app.inject({ method: 'POST', url: '/api/persons/import?dryRun=true', headers: { ...h('officer'), ...m.headers }, payload: m.payload });
      expect(r.statusCode).toBe(200);
      const { fileName: _f, ...report } = r.json();
      return report;
    };
    const elsewhere = await dryRun(inputs[3].idNumber, inputs[3].birthDate, '女');
    const fresh = await dryRun(makeResidentId('420503', '1970-01-01', 555, 'female'), '1970-01-01', '女');
    expect(elsewhere).toEqual(fresh);
    expect(elsewhere).toMatchObject({ created: 1, failed: 0, errors: [] });
    // The district's own registrations still show as what they are (an update or no change).
    const own = await dryRun(inputs[0].idNumber, inputs[0].birthDate, '男');
    expect(own).toMatchObject({ created: 0, failed: 0 });
  });

  // A second officer of 西陵区: the exact searches here must not use up the first one's allowance.
  it("registering another district's document is answered as a fresh registration; the holding district is handed the matter", async () => {
    const register = (input: PersonInput) => post('/api/persons', h('officer2'), { ...input, address: { jurisdictionId: xi.entrance.id, room: '502' } });
    const shape = (r: { statusCode: number; json(): Record<string, unknown> }) => {
      const {
        id: _id,
        name: _n,
        idNumberMasked: _m,
        phoneMasked: _p,
        birthYear: _y,
        sex: _s,
        householdId: _h,
        createdAt: _c,
        updatedAt: _u,
        ...rest
      } = r.json();
      return { status: r.statusCode, ...rest };
    };
    const [heldInput] = [residentInput(wu.entrance.id, { region: '420503' })];
    const [holderId] = await addResidents(t, [heldInput]);
    const freshInput = residentInput(wu.entrance.id, { region: '420503' });
    const elsewhere = await register(heldInput);
    const fresh = await register(freshInput);
    expect(elsewhere.statusCode, elsewhere.body).toBe(201);
    expect(shape(elsewhere)).toEqual(shape(fresh));
    // The caller's record is theirs, as a fresh one is: read, found by an exact search, a second
    // registration of the same document is the same 409 as for any of their own.
    const mine = elsewhere.json().id as string;
    expect(mine).not.toBe(holderId);
    expect((await get(`/api/persons/${mine}`, h('officer2'))).statusCode).toBe(200);
    const search = async (n: string) => (await get(`/api/persons?q=${n}${SEARCH_PURPOSE}`, h('officer2'))).json().items.map((x: { id: string }) => x.id);
    expect(await search(heldInput.idNumber)).toEqual([mine]);
    expect(await search(freshInput.idNumber)).toEqual([fresh.json().id]);
    const again = [await register(heldInput), await register(freshInput)];
    expect(again.map((r) => r.statusCode)).toEqual([409, 409]);
    expect(again[0].json().error).toEqual(again[1].json().error);
    // The holding district got a task and a journal entry the registering district cannot read.
    const [handover] = await t.deps.db.selectFrom('person_handovers').selectAll().where('person_id', '=', mine).execute();
    expect(handover).toMatchObject({ holder_id: holderId, holder_path: wu.entrance.path, registered_path: xi.entrance.path });
    expect(handover.task_id).not.toBeNull();
    expect((await get(`/api/tasks/${handover.task_id}`, h('wuOfficer'))).statusCode).toBe(200);
    expect((await get(`/api/tasks/${handover.task_id}`, h('officer2'))).statusCode).toBe(404);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.handover', entityId: holderId, limit: 5 });
    expect(entry).toMatchObject({ jurisdictionPath: wu.entrance.path, payload: { registeredPersonId: mine } });
    // The holder's own record is untouched and still theirs alone.
    expect((await get(`/api/persons/${holderId}`, h('wuOfficer'))).json()).toMatchObject({ id: holderId, mergedInto: null });
    expect((await get(`/api/persons/${holderId}`, h('officer2'))).statusCode).toBe(404);
    // Someone covering both districts (the city HQ) merges the two records: the hand-over is settled,
    // and its task closes itself, naming the hand-over that closed it (issue 16).
    expect((await get(`/api/tasks/${handover.task_id}`, h('wuOfficer'))).json()).toMatchObject({ status: 'new', subject: { kind: 'person' }, closedBy: null });
    await t.deps.services.population.merge(undefined, systemActor('city-hq'), mine, holderId, '同一证件，合并档案');
    const task = (await get(`/api/tasks/${handover.task_id}`, h('wuOfficer'))).json();
    expect(task).toMatchObject({ status: 'verified', closedBy: { kind: 'handover_merged', id: handover.id } });
    const [closing] = await t.deps.services.journal.list(t.deps.db, { action: 'task.close', entityId: handover.task_id!, limit: 5 });
    expect(closing).toMatchObject({ payload: { closedByKind: 'handover_merged', closedById: handover.id } });
  });

  it("an import (not a dry run) of another district's document creates the row as for a fresh one", async () => {
    const header = ['姓名', '身份证号', '性别', '出生日期', '区', '小区', '楼栋', '单元', '房号'];
    const [held, freshIn] = [
      residentInput(wu.entrance.id, { region: '420503', sex: 'female' }),
      residentInput(wu.entrance.id, { region: '420503', sex: 'female' }),
    ];
    await addResidents(t, [held]);
    const importOne = async (p: PersonInput) => {
      // A room of each person's own, so that both rows start a household.
      const m = multipartFile(
        Buffer.from(csvText([header, ['王三', p.idNumber, '女', p.birthDate, '西陵区', '滨江苑', '1栋', '1单元', p === held ? '303' : '304']])),
      );
      const r = await t.app.inject({ method: 'POST', url: '/api/persons/import', headers: { ...h('officer2'), ...m.headers }, payload: m.payload });
      const { fileName: _f, ...report } = r.json();
      return { status: r.statusCode, ...report };
    };
    const a = await importOne(held);
    expect(a).toMatchObject({ status: 200, created: 1, failed: 0 });
    expect(a).toEqual(await importOne(freshIn));
    // Importing the same file again changes nothing, in both cases alike.
    expect(await importOne(held)).toEqual(await importOne(freshIn));
  });

  it("a merge target outside the caller's jurisdiction is the same 404 as a missing one", async () => {
    const [visitor] = (
      await t.deps.services.population.createMany(undefined, systemActor('test'), [
        {
          name: '合并访客',
          idType: 'passport',
          idNumber: 'E11223344',
          birthDate: '1980-05-05',
          sex: 'male',
          resident: false,
          jurisdictionId: xi.building.id,
          regionOfOrigin: '湖南省长沙市',
        },
      ])
    ).ids;
    const merge = (into: string) => post(`/api/persons/${visitor}/merge`, h('officer'), { intoPersonId: into, reason: '同一人重复登记' });
    const outside = await merge(ids[3]);
    const missing = await merge('01JZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(outside.statusCode).toBe(404);
    expect(outside.json().error.code).toBe('PERSON_NOT_FOUND');
    expect(missing.statusCode).toBe(404);
    expect(outside.json().error.code).toBe(missing.json().error.code);
    // Nothing happened to either record.
    const p = await t.deps.services.population.get(systemActor('test'), visitor);
    expect(p.mergedInto).toBeNull();
    // The same request with a target inside the jurisdiction is carried out.
    const done = await merge(ids[0]);
    expect(done.statusCode).toBe(200);
    expect(done.json().mergedInto).toBe(ids[0]);
  });

  it('the birth date is a journaled reveal: from the resident ID itself, or from its ciphertext for other documents', async () => {
    const reveal = (id: string) => post(`/api/persons/${id}/reveal`, h('officer'), { field: 'birthDate', reason: '核对出生日期' });
    expect((await reveal(ids[0])).json()).toEqual({ value: '1985-07-21' });
    expect((await reveal(passportId)).json()).toEqual({ value: '1979-04-13' });
    expect((await post(`/api/persons/${ids[0]}/reveal`, h('sampler'), { field: 'birthDate', reason: '核对出生日期' })).statusCode).toBe(403);
    const entries = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.reveal', limit: 100 });
    const mine = entries.filter((e) => (e.payload as { field?: string }).field === 'birthDate');
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(mine)).not.toContain('1985-07-21');
  });

  it('an exact ID or phone search needs a real purpose, is journaled like a reveal and is limited per user', async () => {
    const byId = (purpose?: string) =>
      get(`/api/persons?q=${inputs[1].idNumber}${purpose === undefined ? '' : `&purpose=${encodeURIComponent(purpose)}`}`, h('tracer'));
    // Searches journaled by earlier tests of this block.
    const earlier = (await t.deps.services.journal.list(t.deps.db, { action: 'population.person.search', limit: 100 })).length;
    const none = await byId();
    expect(none.statusCode).toBe(422);
    expect(none.json().error).toMatchObject({ code: 'SEARCH_PURPOSE_REQUIRED', details: { field: 'purpose' } });
    for (const bad of ['...', '\u200b\u200b\u200b\u200b', 'aaaa']) {
      const r = await byId(bad);
      expect(r.statusCode).toBe(422);
      expect(r.json().error).toMatchObject({ code: 'REASON_REQUIRED', details: { field: 'purpose' } });
    }
    // A name search is not a disclosure: no purpose needed.
    expect((await get(`/api/persons?q=${encodeURIComponent('测试居民')}`, h('tracer'))).statusCode).toBe(200);

    const first = await byId('流调核对密接身份');
    expect(first.json().items.map((p: { id: string }) => p.id)).toEqual([ids[1]]);
    const journal = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.search', limit: 100 });
    expect(journal[0]).toMatchObject({ reason: '流调核对密接身份', payload: { field: 'idNumber' } });
    const stored = JSON.stringify(journal);
    expect(stored).not.toContain(inputs[1].idNumber);
    expect(stored).not.toContain(inputs[1].phone!);

    const { max } = DISCLOSURE_LIMITS.search;
    for (let i = 1; i < max; i++) expect((await get(`/api/persons?q=${inputs[1].phone}${SEARCH_PURPOSE}`, h('tracer'))).statusCode).toBe(200);
    const limited = await byId('流调核对密接身份');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('DISCLOSURE_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another user has a limit of their own; refused searches were not journaled.
    expect((await get(`/api/persons?q=${inputs[1].phone}${SEARCH_PURPOSE}`, h('officer'))).statusCode).toBe(200);
    const after = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.search', limit: 100 });
    expect(after.length).toBe(earlier + max + 1);
    // The window slides: an hour later the tracer may search again.
    t.clock.advance(DISCLOSURE_LIMITS.search.windowMs + 1000);
    expect((await byId('流调核对密接身份')).statusCode).toBe(200);
  });

  it('nor does anything else a role without person.reveal can read: every GET route it may call, and the xlsx export', async () => {
    // The sweep behind the first test: every GET route of the built app (from its OpenAPI document),
    // with a person's id where the path names one, as every role that holds person.read without
    // person.reveal (and the analyst, who holds neither), and the export in both formats.
    const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.entries(doc.paths)
      .filter(([p, ops]) => 'get' in ops && p.startsWith('/api/') && !/^\/api\/(events|docs)\b/.test(p))
      .map(([p]) => p);
    const personPaths = paths.filter((p) => /^\/api\/(persons|control\/persons)\/\{(id|personId)\}(\/[a-z-]+)?$/.test(p));
    const plain = paths.filter((p) => !p.includes('{'));
    expect(personPaths.length).toBeGreaterThan(1);
    expect(plain.length).toBeGreaterThan(30);
    const admin = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '单位admin', jurisdiction: city.city }), roles: ['admin'] }),
      t.clock.now(),
    );
    const analyst = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '单位analyst', jurisdiction: city.city }), roles: ['analyst'] }),
      t.clock.now(),
    );
    const text = async (res: Awaited<ReturnType<typeof get>>) => {
      if (!String(res.headers['content-type'] ?? '').includes('spreadsheetml')) return res.body;
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as never);
      const cells: string[] = [];
      wb.eachSheet((ws) =>
        ws.eachRow((row) => cells.push((row.values as unknown[]).map((v) => (v instanceof Date ? v.toISOString() : String(v ?? ''))).join(','))),
      );
      return cells.join('\n');
    };
    for (const [role, hd] of [
      ['sampler', h('sampler')],
      ['worker', h('worker')],
      ['auditor', h('auditor')],
      ['admin', admin],
      ['analyst', analyst],
    ] as const) {
      const served: string[] = [];
      let answered = 0;
      const read = async (url: string) => {
        const res = await get(url, hd);
        if (res.statusCode !== 200) return;
        answered++;
        served.push(await text(res));
      };
      for (const p of plain) {
        await read(p);
        await read(`${p}?pageSize=200`);
      }
      for (const p of personPaths) for (let i = 0; i < 3; i++) await read(p.replace(/\{(id|personId)\}/, ids[i]));
      for (const format of ['csv', 'xlsx']) await read(`/api/persons/export?format=${format}`);
      expect(answered, `${role} reads something`).toBeGreaterThan(5);
      const everything = served.join('\n');
      let masked = 0;
      for (let i = 0; i < 3; i++) {
        const real = inputs[i].idNumber;
        expect(everything.includes(real), `${role}: the full number of person ${i} is served`).toBe(false);
        expect(datesIn(everything), `${role}: the birth date of person ${i} is served`).not.toContain(inputs[i].birthDate.replace(/-/g, ''));
        // Every masked number served that fits this person, together with the birth year: a year's worth of candidates.
        const masks = new Set(
          (everything.match(/(?<![0-9X*])[0-9X*]{18}(?![0-9X*])/g) ?? []).filter((m) => m.includes('*') && [...m].every((c, k) => c === '*' || c === real[k])),
        );
        if (masks.size === 0) continue; // this role reads no mask of this person
        masked++;
        const candidates = rebuild({ masks, dates: new Set(), years: new Set([Number(inputs[i].birthDate.slice(0, 4))]), region: real.slice(0, 6) });
        expect(candidates).toContain(real);
        expect(candidates.length, `${role}: candidates for person ${i}`).toBeGreaterThanOrEqual(365);
      }
      // The sweep is not empty: a role holding person.read sees every person's mask somewhere.
      expect(masked, `${role}: masks read`).toBe(role === 'analyst' ? 0 : 3);
    }
  });

  it('reveals need a real reason and are limited per user', async () => {
    const reveal = (reason: string) => post(`/api/persons/${ids[2]}/reveal`, h('tracer'), { field: 'idNumber', reason });
    for (const bad of ['..', '   ', '\u200b\u200b\u200b\u200b\u200b', '核核核核']) {
      const r = await reveal(bad);
      expect(r.statusCode).toBe(422);
      expect(r.json().error).toMatchObject({ code: 'REASON_REQUIRED', details: { field: 'reason' } });
    }
    const { max } = DISCLOSURE_LIMITS.reveal;
    for (let i = 0; i < max; i++) expect((await reveal('流调电话回访核对')).json()).toEqual({ value: inputs[2].idNumber });
    const limited = await reveal('流调电话回访核对');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('DISCLOSURE_RATE_LIMITED');
    expect(limited.body).not.toContain(inputs[2].idNumber);
    t.clock.advance(DISCLOSURE_LIMITS.reveal.windowMs + 1000);
    expect((await reveal('流调电话回访核对')).statusCode).toBe(200);
  });
});
