import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { classifySearch } from './person-rules.js';
import { normalizeIdNumber } from './protect.js';
import { buildAddress, csvText, multipartFile, type AddressTree } from './population.test-helpers.js';
import { normaliseIdInput, validateResidentId } from './resident-id.js';

/**
 * ID numbers typed with a Chinese input method: full-width digits ０-９, full-width Ｘ/ｘ and
 * ideographic spaces (U+3000) are read as their ASCII form everywhere an ID number is accepted.
 * The inputs below are written out as a person would type them.
 */

// 11010519491231002X (GB 11643-1999's worked example) typed in full width, with an ideographic space.
const FULL_WIDTH_EXAMPLE = '１１０１０５　１９４９１２３１　００２ｘ';

describe('ID number input normalisation', () => {
  it('reads full-width digits, Ｘ/ｘ and ideographic or ordinary spaces as the ASCII number', () => {
    expect(normaliseIdInput(FULL_WIDTH_EXAMPLE)).toEqual({ value: '11010519491231002X', normalised: true });
    expect(normaliseIdInput('110105 19491231 002X')).toEqual({ value: '11010519491231002X', normalised: true });
    expect(normaliseIdInput('４２０５０２１９８００５０６１２３Ｘ').value).toBe('42050219800506123X');
    // Case and the spaces around a pasted value are not worth a notice.
    expect(normaliseIdInput(' 11010519491231002x ')).toEqual({ value: '11010519491231002X', normalised: false });
    expect(validateResidentId(FULL_WIDTH_EXAMPLE, '2026-11-29')).toMatchObject({
      ok: true,
      idNumber: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'female',
    });
    // Other look-alikes are not turned into digits: a circled digit still fails the format.
    expect(validateResidentId('①1010519491231002X', '2026-11-29')).toMatchObject({ ok: false, code: 'RESIDENT_ID_FORMAT' });
    expect(normalizeIdNumber('４２０５０２-１９８００５０６-１２３Ｘ')).toBe('42050219800506123X');
    expect(classifySearch('４２０５０２　１９８００５０６　１２３Ｘ')).toEqual({ kind: 'id', number: '42050219800506123X' });
  });
});

describe.each(DIALECTS)('ID numbers typed in full width [%s]', (dialect) => {
  let t: TestApp;
  let xi: AddressTree;
  let officer: Record<string, string>;
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers = officer) =>
    t.app.inject({ method, url, headers, payload: payload as never });

  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    xi = await buildAddress(t, city.street);
    officer = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling }), roles: ['district_officer'] }),
      t.clock.now(),
    );
  });
  afterAll(() => t.close());

  it('registers a person whose number was typed in full width, stores the ASCII form, and finds them by either form', async () => {
    // 420502 1980-05-06 123 (male), check character 8 — typed with full-width digits and an ideographic space.
    const typed = '４２０５０２　１９８００５０６１２３８';
    const ascii = '420502198005061238';
    expect(validateResidentId(ascii, '2026-11-29').ok).toBe(true);
    const res = await inject('POST', '/api/persons', {
      name: '全角录入',
      idType: 'resident_id',
      idNumber: typed,
      birthDate: '1980-05-06',
      sex: 'male',
      resident: true,
      address: { jurisdictionId: xi.entrance.id, room: '301' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().idNumberMasked).toBe('4205**********123*');
    const { value } = await t.deps.services.population.reveal(undefined, systemActor('test'), res.json().id, 'idNumber', '核对全角录入');
    expect(value).toBe(ascii);
    for (const q of [ascii, typed, '４２０５０２１９８００５０６１２３８']) {
      const found = (await inject('GET', `/api/persons?q=${encodeURIComponent(q)}&purpose=${encodeURIComponent('核对全角录入的身份证号')}`)).json();
      expect(
        found.items.map((p: { id: string }) => p.id),
        q,
      ).toEqual([res.json().id]);
    }
    // The same person typed the other way is the same number: a duplicate, not a second person.
    const again = await inject('POST', '/api/persons', {
      name: '全角录入',
      idType: 'resident_id',
      idNumber: ascii,
      birthDate: '1980-05-06',
      sex: 'male',
      resident: true,
      address: { jurisdictionId: xi.entrance.id, room: '301' },
    });
    expect(again.statusCode).toBe(409);
  });

  it('imports a row of full-width digits, normalised and reported as a notice (not an error)', async () => {
    // 420502 1975-03-15 222 (female), check character 6 — every digit full width, Ｘ-free.
    const typed = '４２０５０２１９７５０３１５２２２６';
    expect(validateResidentId('420502197503152226', '2026-11-29').ok).toBe(true);
    const header = ['姓名', '身份证号', '区', '小区', '楼栋', '单元', '房号'];
    const rows = [
      header,
      ['王全角', typed, '西陵区', '滨江苑', '1栋', '1单元', '502'],
      ['李半角', '420502197503151987', '西陵区', '滨江苑', '1栋', '1单元', '503'],
    ];
    const m = multipartFile(Buffer.from(csvText(rows), 'utf8'));
    const res = await t.app.inject({ method: 'POST', url: '/api/persons/import', headers: { ...officer, ...m.headers }, payload: m.payload });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ rows: 2, created: 2, failed: 0, errors: [] });
    expect(report.notices).toEqual([{ row: 2, field: 'idNumber', code: 'ID_NUMBER_NORMALISED', reason: expect.stringContaining('全角') }]);
    const found = (await inject('GET', `/api/persons?q=420502197503152226&purpose=${encodeURIComponent('核对全角导入的身份证号')}`)).json().items;
    expect(found.map((p: { name: string }) => p.name)).toEqual(['王全角']);
  });

  it('answers the public result lookup for a number typed in full width', async () => {
    const lookup = (idNumber: string) =>
      t.app.inject({ method: 'POST', url: '/api/public/results/lookup', payload: { idNumber, name: '全角录入' }, remoteAddress: '10.1.2.3' });
    expect((await lookup('420502198005061238')).json()).toEqual({ found: true, samples: [] });
    expect((await lookup('４２０５０２　１９８００５０６　１２３８')).json()).toEqual({ found: true, samples: [] });
  });
});
