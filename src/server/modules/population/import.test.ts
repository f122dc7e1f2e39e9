import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../common/roles.js';
import { DIALECTS, dropSchema, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { buildApp, createDeps, createLogger } from '../../app.js';
import { testConfig } from '../../config.js';
import { ManualClock } from '../../platform/clock.js';
import { makeResidentId } from './resident-id.js';
import { buildAddress, csvText, encodeGbk, maskedId, multipartFile, SEARCH_PURPOSE, type AddressTree } from './population.test-helpers.js';
import { mapHeader, parseDay } from './import.js';
import { parseCsv } from './spreadsheet.js';

type City = Awaited<ReturnType<typeof buildMiniCity>>;

const HEADER = ['姓名', '身份证号', '手机号', '性别', '出生日期', '区', '小区', '楼栋', '单元', '房号', '特殊人群', '标签'];

let serial = 0;
/** A valid row living at 滨江苑 1栋 1单元 of 西陵区, with overrides by header name. */
function row(o: Partial<Record<(typeof HEADER)[number], string>> = {}): string[] {
  const n = ++serial;
  const sex = n % 2 ? 'male' : 'female';
  const birth = `19${60 + (n % 30)}-0${1 + (n % 9)}-1${n % 10}`;
  const base: Record<string, string> = {
    姓名: ['张', '王', '李', '赵', '刘'][n % 5] + ['伟', '芳', '娜', '敏', '静', '磊'][n % 6] + (n % 3 ? '' : '华'),
    身份证号: makeResidentId('420502', birth, n * 3, sex),
    手机号: `139${String(20_000_000 + n).slice(-8)}`,
    性别: sex === 'male' ? '男' : '女',
    出生日期: birth,
    区: '西陵区',
    小区: '滨江苑',
    楼栋: '1栋',
    单元: '1单元',
    房号: String(100 + (n % 40)),
    特殊人群: n % 7 === 0 ? '慢性病' : '',
    标签: '',
  };
  return HEADER.map((k) => o[k] ?? base[k]);
}

async function xlsxOf(rows: (string | Date)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名单');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('import parsing', () => {
  it('maps Chinese and English headers, with notes and both parts', () => {
    const m = mapHeader(['姓名/name', 'ID_NUMBER', '手机号码（必填）', '小区*', 'building', '单元', '备注', '性别']);
    expect(m.map((c) => c.field)).toEqual(['name', 'idNumber', 'phone', 'compound', 'building', 'entrance', null, 'sex']);
  });

  it('reads dates in common spellings and CSV records with quotes, line breaks and a BOM', async () => {
    expect(['1990-3-7', '1990/03/07', '19900307', '1990年3月7日', '1990.03.07'].map(parseDay)).toEqual(Array(5).fill('1990-03-07'));
    expect(parseDay('7/3/1990')).toBeNull();
    const text = '\uFEFF姓名,备注\r\n"王,五","说""你好""\r\n第二行"\r\n\r\n李四,\r\n';
    const out = [];
    for await (const r of parseCsv(
      (async function* () {
        yield text.slice(0, 9);
        yield text.slice(9);
      })(),
    ))
      out.push(r);
    expect(out).toEqual([
      { row: 1, cells: ['姓名', '备注'] },
      { row: 2, cells: ['王,五', '说"你好"\r\n第二行'] },
      // The blank line before it is row 3 in a spreadsheet program.
      { row: 4, cells: ['李四', ''] },
    ]);
  });
});

describe.each(DIALECTS)('resident import [%s]', (dialect) => {
  let t: TestApp;
  let city: City;
  let xi: AddressTree;
  let h: { admin: Record<string, string>; officer: Record<string, string>; tracer: Record<string, string> };

  const upload = (file: Buffer, o: { query?: string; headers?: Record<string, string>; name?: string; app?: TestApp } = {}) => {
    const m = multipartFile(file, o.name ?? 'residents.csv');
    return (o.app ?? t).app.inject({
      method: 'POST',
      url: `/api/persons/import${o.query ? `?${o.query}` : ''}`,
      headers: { ...(o.headers ?? h.officer), ...m.headers },
      payload: m.payload,
    });
  };
  const state = async () => ({
    persons: await t.deps.services.population.count(),
    journal: await t.deps.services.journal.count(),
    rows: Number(
      (
        await t.deps.db
          .selectFrom('persons')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    xi = await buildAddress(t, city.street);
    await buildAddress(t, city.otherStreet); // a second 滨江苑, in 伍家岗区
    const now = t.clock.now();
    const user = async (j: JurisdictionRef, roles: Role[]) =>
      sessionHeaders(
        t.deps.db,
        await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: `单位${j.code}${roles[0]}`, jurisdiction: j }), roles }),
        now,
      );
    h = { admin: await user(city.city, ['admin']), officer: await user(city.xiling, ['district_officer']), tracer: await user(city.xiling, ['tracer']) };
  });
  afterAll(() => t.close());

  it('imports a GBK CSV (as Excel saves it on Chinese Windows) and reports what it did', async () => {
    const rows = [row({ 姓名: '欧阳娜娜' }), row(), row({ 特殊人群: '独居老人、卧床' })];
    const file = encodeGbk(csvText([HEADER, ...rows]));
    const before = await state();
    const res = await upload(file);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ format: 'csv', encoding: 'gb18030', mode: 'all', written: true, rows: 3, valid: 3, created: 3, failed: 0, errors: [] });
    expect((await state()).persons).toBe(before.persons + 3);
    const found = (await t.app.inject({ method: 'GET', url: `/api/persons?q=${rows[0][1]}${SEARCH_PURPOSE}`, headers: h.officer })).json().items;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ name: '欧阳娜娜', address: { jurisdictionId: xi.entrance.id } });
    expect(found[0].address.text).toContain('滨江苑1栋1单元');
    const third = (await t.app.inject({ method: 'GET', url: `/api/persons?q=${rows[2][1]}${SEARCH_PURPOSE}`, headers: h.officer })).json().items[0];
    expect(third.vulnerable.sort()).toEqual(['bedridden', 'elderly_alone']);
    const batch = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.import', limit: 1 });
    expect(batch[0]).toMatchObject({ batchCount: 3 });
  });

  it('imports an XLSX with English headers, a date cell and a 15-digit old ID', async () => {
    const id18 = makeResidentId('420502', '1966-02-03', 41, 'male');
    const old15 = id18.slice(0, 6) + id18.slice(8, 17);
    const file = await xlsxOf([
      ['name', 'id_number', 'phone', 'birth_date', 'compound', 'building', 'entrance', 'room'],
      ['Li Lei', old15, '13900000001', new Date(Date.UTC(1966, 1, 3)), '滨江苑', '1', '1', '502'],
      ['韩梅梅', makeResidentId('420502', '1970-12-24', 8, 'female'), '', '', '滨江苑', '1栋', '', '503'],
    ]);
    const res = await upload(file, { name: 'list.xlsx' });
    expect(res.statusCode, JSON.stringify(res.json().error?.details?.errors ?? res.json())).toBe(200);
    expect(res.json()).toMatchObject({ format: 'xlsx', encoding: null, created: 2, failed: 0 });
    const li = (await t.app.inject({ method: 'GET', url: `/api/persons?q=${id18}${SEARCH_PURPOSE}`, headers: h.officer })).json().items[0];
    expect(li).toMatchObject({ name: 'Li Lei', birthYear: 1966, sex: 'male' });
    expect(li.address.text).toMatch(/1单元502室$/);
  });

  it('refuses a file with bad rows as a whole, naming every row, field and reason, and writes nothing', async () => {
    const good = row();
    const bad = row();
    const wrongCheck = bad[1].slice(0, 17) + (bad[1][17] === '1' ? '2' : '1');
    const impossible = makeResidentId('420502', '1990-02-28', 5, 'male').slice(0, 10) + '0230' + '005';
    const impossibleId = impossible + '0'; // 30 February inside the ID (checked before the check digit)
    const rows = [
      good,
      row({ 身份证号: wrongCheck }),
      row({ 身份证号: impossibleId, 出生日期: '' }),
      row({ 出生日期: '1901-01-01' }),
      row({ 出生日期: '1990-02-30' }),
      row({ 楼栋: '9栋' }),
      [...good.slice(0, 2), ...row().slice(2)],
      row({ 手机号: '12345' }),
    ];
    const before = await state();
    const res = await upload(Buffer.from(csvText([HEADER, ...rows])));
    expect(res.statusCode, res.body).toBe(422);
    const err = res.json().error;
    expect(err.code).toBe('IMPORT_INVALID');
    expect(err.details).toMatchObject({ rows: 8, failed: 7, valid: 1, written: false });
    expect(err.details.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [3, 'idNumber', 'RESIDENT_ID_CHECKSUM'],
      [4, 'idNumber', 'RESIDENT_ID_BIRTH_DATE'],
      [5, 'idNumber', 'RESIDENT_ID_BIRTH_MISMATCH'],
      [6, 'birthDate', 'PERSON_BIRTH_DATE_INVALID'],
      [7, 'building', 'ADDRESS_BUILDING_UNKNOWN'],
      [8, 'idNumber', 'DUPLICATE_IN_FILE'],
      [9, 'phone', 'PHONE_FORMAT'],
    ]);
    expect(err.details.errors[0].reason).toContain('校验码');
    expect(err.details.errors[5].reason).toContain('row 2');
    // No number is echoed back.
    for (const r of rows) expect(res.body).not.toContain(r[1]);
    expect(await state()).toEqual(before);
  });

  it('names rows as a spreadsheet program shows them in CSV and XLSX alike: header row 1, data from row 2, blank rows counted', async () => {
    // Row 1 header, row 2 valid, row 3 blank, row 4 a bad phone, row 5 an unknown building.
    const before = await state();
    const bad = [row({ 手机号: '12345' }), row({ 楼栋: '9栋' })];
    const csv = await upload(Buffer.from(csvText([HEADER, row(), [], ...bad])));
    const empty = HEADER.map(() => '');
    const xlsx = await upload(await xlsxOf([HEADER, row(), empty, ...bad]), { name: 'list.xlsx' });
    for (const res of [csv, xlsx]) {
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.details.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
        [4, 'phone'],
        [5, 'building'],
      ]);
    }
    expect(await state()).toEqual(before);
  });

  it('partial mode writes the valid rows only and reports the rest', async () => {
    const rows = [row(), row({ 手机号: '999' }), row()];
    const before = await state();
    const res = await upload(Buffer.from(csvText([HEADER, ...rows])), { query: 'mode=partial' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      mode: 'partial',
      written: true,
      rows: 3,
      created: 2,
      failed: 1,
      errors: [{ row: 3, field: 'phone', code: 'PHONE_FORMAT' }],
    });
    expect((await state()).persons).toBe(before.persons + 2);
  });

  it('re-importing the same file changes nothing; a changed row becomes a correction', async () => {
    const rows = [row(), row(), row()];
    const file = Buffer.from(csvText([HEADER, ...rows]));
    expect((await upload(file)).json()).toMatchObject({ created: 3 });
    const snapshot = await t.deps.db.selectFrom('persons').selectAll().orderBy('id').execute();
    const before = await state();
    const again = await upload(file);
    expect(again.json()).toMatchObject({ written: true, created: 0, updated: 0, unchanged: 3 });
    expect(await state()).toEqual(before);
    expect(await t.deps.db.selectFrom('persons').selectAll().orderBy('id').execute()).toEqual(snapshot);

    // Row 2 moves to room 1808 and gets a new phone: one correction, counters still right.
    const changed = [rows[0], row({ ...Object.fromEntries(HEADER.map((k, i) => [k, rows[1][i]])), 房号: '1808', 手机号: '13512345678' }), rows[2]];
    const res = await upload(Buffer.from(csvText([HEADER, ...changed])));
    expect(res.json()).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    const person = (await t.app.inject({ method: 'GET', url: `/api/persons?q=${rows[1][1]}${SEARCH_PURPOSE}`, headers: h.officer })).json().items[0];
    expect(person).toMatchObject({ phoneMasked: '135****5678' });
    expect(person.address.text).toMatch(/1808室$/);
    const history = await t.deps.services.corrections.history('person', person.id);
    expect(history).toHaveLength(1);
    expect(history[0].changes).toEqual(
      expect.arrayContaining([
        { field: 'room', from: rows[1][9], to: '1808' },
        { field: 'phone', from: expect.stringMatching(/^139\*{4}\d{4}$/), to: '135****5678' },
      ]),
    );
    expect(JSON.stringify(history)).not.toContain('13512345678');
    expect((await state()).persons).toBe(before.persons);
    const recount = await t.deps.services.population.countByPath();
    expect((await t.deps.services.geo.getById(xi.entrance.id))!.population).toBe(recount.get(xi.entrance.path));
  });

  it('a dry run validates and reports without writing', async () => {
    const before = await state();
    const res = await upload(Buffer.from(csvText([HEADER, row(), row({ 楼栋: '99' })])), { query: 'dryRun=true&mode=partial' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ dryRun: true, written: false, created: 1, failed: 1 });
    expect(await state()).toEqual(before);
  });

  it("tells same-named compounds apart by district, and keeps others' compounds out of reach", async () => {
    const ambiguous = row({ 区: '' });
    const res = await upload(Buffer.from(csvText([HEADER, ambiguous])), { headers: h.admin });
    expect(res.json().error.details.errors).toEqual([expect.objectContaining({ row: 2, field: 'compound', code: 'ADDRESS_COMPOUND_AMBIGUOUS' })]);
    expect((await upload(Buffer.from(csvText([HEADER, row()])), { headers: h.admin })).json()).toMatchObject({ created: 1 });
    // The 伍家岗区 滨江苑 does not exist for a 西陵区 officer.
    const theirs = await upload(Buffer.from(csvText([HEADER, row({ 区: '伍家岗区' })])));
    expect(theirs.statusCode, theirs.body).toBe(422);
    expect(theirs.json().error.details.errors).toEqual([expect.objectContaining({ field: 'compound', code: 'ADDRESS_COMPOUND_UNKNOWN' })]);
    expect((await upload(Buffer.from(csvText([HEADER, row()])), { headers: h.tracer })).statusCode).toBe(403);
  });

  describe('bad files: a clear message and nothing written', () => {
    const cases: [string, () => Promise<Buffer> | Buffer, number, string][] = [
      [
        'mixed encodings',
        () => Buffer.concat([Buffer.from(csvText([HEADER, row({ 姓名: '王五' })])), encodeGbk(csvText([row({ 姓名: '赵六' })]))]),
        422,
        'IMPORT_ENCODING_MIXED',
      ],
      [
        'a truncated XLSX',
        async () => {
          const x = await xlsxOf([HEADER, row()]);
          return x.subarray(0, Math.floor(x.length * 0.6));
        },
        422,
        'IMPORT_XLSX_CORRUPT',
      ],
      [
        'a file that is not a spreadsheet',
        () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200)]),
        422,
        'IMPORT_NOT_SPREADSHEET',
      ],
      ['binary data', () => Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)), 422, 'IMPORT_NOT_SPREADSHEET'],
      ['an empty file', () => Buffer.alloc(0), 422, 'IMPORT_EMPTY'],
      ['a file of blank lines', () => Buffer.from('\uFEFF\r\n\r\n'), 422, 'IMPORT_EMPTY'],
      [
        'a header with no recognisable column',
        () =>
          Buffer.from(
            csvText([
              ['foo', 'bar', '备注'],
              ['1', '2', '3'],
            ]),
          ),
        422,
        'IMPORT_NO_COLUMNS',
      ],
      [
        'a header missing required columns',
        () =>
          Buffer.from(
            csvText([
              ['姓名', '手机号'],
              ['王五', '13900000000'],
            ]),
          ),
        422,
        'IMPORT_COLUMNS_MISSING',
      ],
    ];
    it.each(cases)('%s', async (_name, make, status, code) => {
      const before = await state();
      const res = await upload(await make());
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.message.length).toBeGreaterThan(10);
      expect(await state()).toEqual(before);
    });

    it('an upload over the size limit (413)', async () => {
      const small = await testApp(dialect, { bodyLimit: 2048 });
      try {
        const c = await buildMiniCity(small.deps.db);
        const u = await buildUser(small.deps.db, {
          unit: await buildUnit(small.deps.db, { name: '单位', jurisdiction: c.xiling }),
          roles: ['district_officer'],
        });
        const headers = await sessionHeaders(small.deps.db, u, small.clock.now());
        const big = Buffer.from(csvText([HEADER, ...Array.from({ length: 60 }, () => row())]));
        expect(big.length).toBeGreaterThan(2048);
        const res = await upload(big, { app: small, headers });
        expect(res.statusCode, res.body).toBe(413);
        expect(res.json().error.code).toBe('BODY_TOO_LARGE');
        expect(await small.deps.services.population.count()).toBe(0);
      } finally {
        await small.close();
      }
    });

    it('a request without a file', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/persons/import',
        headers: { ...h.officer, 'content-type': 'application/json' },
        payload: {},
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('IMPORT_FILE_REQUIRED');
    });
  });

  it('previews the header mapping and the first rows, masked, without writing', async () => {
    const rows = [row(), row()];
    const m = multipartFile(encodeGbk(csvText([[...HEADER, '备注'], ...rows.map((r) => [...r, 'x'])])));
    const before = await state();
    const res = await t.app.inject({ method: 'POST', url: '/api/persons/import/preview?rows=1', headers: { ...h.officer, ...m.headers }, payload: m.payload });
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(p).toMatchObject({ format: 'csv', encoding: 'gb18030', headerRow: 1, missing: [] });
    expect(p.columns.slice(0, 3)).toEqual([
      { column: 0, header: '姓名', field: 'name' },
      { column: 1, header: '身份证号', field: 'idNumber' },
      { column: 2, header: '手机号', field: 'phone' },
    ]);
    expect(p.columns.at(-1)).toEqual({ column: 12, header: '备注', field: null });
    expect(p.rows).toHaveLength(1);
    expect(p.rows[0].values).toMatchObject({ name: rows[0][0], compound: '滨江苑', idNumber: maskedId(rows[0][1]) });
    expect(res.body).not.toContain(rows[0][1]);
    expect(res.body).not.toContain(rows[0][2]);
    expect(await state()).toEqual(before);
  });

  it('serves an import template that imports as it is', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/persons/import/template', headers: h.officer });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as never);
    const header = (wb.worksheets[0].getRow(1).values as string[]).slice(1);
    expect(mapHeader(header).every((c) => c.field !== null)).toBe(true);
  });
});

describe.each(DIALECTS)('import logs [%s]', (dialect) => {
  it('an import with good and bad rows leaves no ID or phone number in the logs', async () => {
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
    try {
      const city = await buildMiniCity(deps.db);
      await buildAddress({ deps, clock, config, close: async () => {} }, city.street);
      const u = await buildUser(deps.db, { unit: await buildUnit(deps.db, { name: '区指挥部', jurisdiction: city.xiling }), roles: ['district_officer'] });
      const headers = await sessionHeaders(deps.db, u, clock.now());
      const rows = [...Array.from({ length: 30 }, () => row()), row({ 手机号: '12' }), row({ 楼栋: '88' })];
      for (const query of ['', '?mode=partial']) {
        const m = multipartFile(encodeGbk(csvText([HEADER, ...rows])));
        const res = await app.inject({ method: 'POST', url: `/api/persons/import${query}`, headers: { ...headers, ...m.headers }, payload: m.payload });
        expect([200, 422]).toContain(res.statusCode);
      }
      const log = chunks.join('');
      expect(log).toContain('population import written');
      for (const r of rows) {
        expect(log).not.toContain(r[1]);
        expect(log).not.toContain(r[1].slice(0, 17));
        if (r[2].length >= 11) expect(log).not.toContain(r[2]);
      }
    } finally {
      await app.close();
      await deps.handle.close();
      if (schema) await dropSchema(schema);
    }
  });
});
