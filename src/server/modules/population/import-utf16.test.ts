import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { makeResidentId } from './resident-id.js';
import { buildAddress, csvText, multipartFile } from './population.test-helpers.js';

const HEADER = ['姓名', '身份证号', '性别', '出生日期', '区', '小区', '楼栋', '单元', '房号'];

/** UTF-16 with its byte-order mark, little- or big-endian (Excel's "Unicode text" is LE). */
function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.from('\ufeff' + text, 'utf16le');
  return endian === 'le' ? le : Buffer.from(le).swap16();
}

/** Issue 14: a UTF-16 CSV (with BOM) is decoded, not refused as binary. */
describe.each(DIALECTS)('resident import of UTF-16 CSV [%s]', (dialect) => {
  let t: TestApp;
  let officer: Record<string, string>;
  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    await buildAddress(t, city.street);
    officer = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling }), roles: ['district_officer'] }),
      t.clock.now(),
    );
  });
  afterAll(() => t.close());

  const upload = (file: Buffer) => {
    const m = multipartFile(file, 'residents.txt');
    return t.app.inject({ method: 'POST', url: '/api/persons/import', headers: { ...officer, ...m.headers }, payload: m.payload });
  };

  it.each(['le', 'be'] as const)('imports a UTF-16 %s file with Chinese names intact', async (endian) => {
    const k = endian === 'le' ? 1 : 2;
    const rows = [
      ['欧阳娜娜', makeResidentId('420502', '1988-02-1' + k, 310 + k, 'female'), '女', `1988-02-1${k}`, '西陵区', '滨江苑', '1栋', '1单元', '101'],
      ['司马懿', makeResidentId('420502', '1975-06-0' + k, 420 + k, 'male'), '男', `1975-06-0${k}`, '西陵区', '滨江苑', '1栋', '1单元', '102'],
    ];
    const res = await upload(utf16(csvText([HEADER, ...rows]), endian));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ format: 'csv', encoding: `utf16${endian}`, written: true, rows: 2, created: 2, failed: 0 });
    const names = await t.deps.db.selectFrom('persons').select('name').where('name', 'in', ['欧阳娜娜', '司马懿']).execute();
    expect(names.length).toBeGreaterThanOrEqual(2);
  });

  it('a UTF-16 file cut in the middle of a character is refused as not being the encoding, writing nothing', async () => {
    const bytes = utf16(
      csvText([HEADER, ['王五', makeResidentId('420502', '1990-01-01', 501, 'male'), '男', '1990-01-01', '西陵区', '滨江苑', '1栋', '1单元', '103']]),
      'le',
    );
    const res = await upload(bytes.subarray(0, bytes.length - 1));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('IMPORT_ENCODING_INVALID');
  });
});
