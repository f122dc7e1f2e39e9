import ExcelJS from 'exceljs';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { neutralizeCell } from './export.js';
import { addResidents, buildAddress, maskedId, residentInput, type AddressTree } from './population.test-helpers.js';
import { parseCsv } from './spreadsheet.js';
import type { PersonInput } from './population.service.js';

type City = Awaited<ReturnType<typeof buildMiniCity>>;

describe('export cells', () => {
  it('neutralises what a spreadsheet would evaluate', () => {
    expect(['=1+1', '+86', '-3', '@SUM(A1)', '\tx', '\rx', '张三', '420502********1234', "'=x"].map(neutralizeCell)).toEqual([
      "'=1+1",
      "'+86",
      "'-3",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      '张三',
      '420502********1234',
      "'=x",
    ]);
  });
});

describe.each(DIALECTS)('person export and resident-code sheets [%s]', (dialect) => {
  let t: TestApp;
  let city: City;
  let xi: AddressTree;
  let wu: AddressTree;
  let inputs: PersonInput[];
  let far: PersonInput;
  let h: Record<'officer' | 'sampler' | 'otherOfficer', Record<string, string>>;
  const actorAt = (j: JurisdictionRef, roles: Role[]): Actor => ({
    kind: 'user',
    userId: `u-${j.code}`,
    name: 't',
    unitId: null,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: j.path,
    sessionId: null,
  });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    xi = await buildAddress(t, city.street);
    wu = await buildAddress(t, city.otherStreet);
    inputs = [
      {
        ...residentInput(xi.entrance.id, { phone: '13800001111', room: '101' }),
        name: '=HYPERLINK("http://evil.example","点我")',
        tags: ['+1', '@SUM(A1)', '-2'],
      },
      { ...residentInput(xi.entrance.id, { phone: '13800002222', room: '102' }), name: '张三丰' },
      { ...residentInput(xi.entrance.id, { room: '102' }), name: '欧阳娜娜' },
    ];
    far = { ...residentInput(wu.entrance.id, { region: '420503' }), name: '远方人' };
    await addResidents(t, [...inputs, far]);
    await t.deps.services.population.create(undefined, systemActor('test'), {
      name: '过客',
      idType: 'passport',
      idNumber: 'P9988776',
      birthDate: '1980-01-01',
      sex: 'male',
      resident: false,
      jurisdictionId: xi.building.id,
      regionOfOrigin: '-北京',
    });
    const now = t.clock.now();
    const user = async (j: JurisdictionRef, roles: Role[]) =>
      sessionHeaders(
        t.deps.db,
        await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: `单位${j.code}${roles[0]}`, jurisdiction: j }), roles }),
        now,
      );
    h = {
      officer: await user(city.xiling, ['district_officer']),
      sampler: await user(city.street, ['sampler']),
      otherOfficer: await user(city.wujiagang, ['district_officer']),
    };
  });
  afterAll(() => t.close());

  it("exports the caller's jurisdiction as CSV: masked numbers, neutralised cells, journaled", async () => {
    const before = await t.deps.services.journal.count();
    const res = await t.app.inject({ method: 'GET', url: '/api/persons/export?format=csv', headers: h.officer });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="persons-420502-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = [];
    for await (const r of parseCsv(
      (async function* () {
        yield res.body;
      })(),
    ))
      rows.push(r.cells);
    expect(rows[0][0]).toBe('姓名/name');
    expect(rows).toHaveLength(1 + 4);
    const evil = rows.find((r) => r[0].includes('HYPERLINK'))!;
    expect(evil[0]).toBe(`'${inputs[0].name}`);
    expect(evil[11]).toBe("'+1、@SUM(A1)、-2");
    expect(evil[3]).toBe('138****1111');
    expect(evil[2]).toBe(maskedId(inputs[0].idNumber));
    expect(rows.find((r) => r[0] === '过客')![9]).toBe("'-北京");
    for (const p of [...inputs, far]) {
      expect(res.body).not.toContain(p.idNumber);
      if (p.phone) expect(res.body).not.toContain(p.phone);
    }
    expect(res.body).not.toContain('P9988776');
    expect(res.body).not.toContain('远方人');
    expect(await t.deps.services.journal.count()).toBe(before + 1);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'population.person.export', limit: 1 });
    expect(entry).toMatchObject({ jurisdictionPath: city.xiling.path, payload: { format: 'csv', persons: 4, masked: true } });
  });

  it('exports XLSX with the same neutralised, masked cells, for a subtree inside scope only', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/persons/export?format=xlsx&jurisdictionId=${xi.building.id}`, headers: h.officer });
    expect(res.statusCode, res.body).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as never);
    const values: string[][] = [];
    wb.worksheets[0].eachRow((r) => values.push((r.values as string[]).slice(1)));
    expect(values).toHaveLength(1 + 4);
    const evil = values.find((r) => String(r[0]).includes('HYPERLINK'))!;
    expect(evil[0]).toBe(`'${inputs[0].name}`);
    expect(JSON.stringify(values)).not.toContain(inputs[1].idNumber);
    expect((await t.app.inject({ method: 'GET', url: `/api/persons/export?format=csv&jurisdictionId=${wu.building.id}`, headers: h.officer })).statusCode).toBe(
      404,
    );
    const theirs = await t.app.inject({ method: 'GET', url: '/api/persons/export?format=csv', headers: h.otherOfficer });
    expect(theirs.body).toContain('远方人');
    expect(theirs.body).not.toContain('张三丰');
  });

  it("prints a building's resident codes with masked names, each QR the person's signed code, journaled", async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/persons/resident-codes?buildingId=${xi.building.id}`, headers: h.sampler });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const html = res.body;
    expect(html).toContain('张*丰');
    expect(html).toContain('欧**娜');
    expect(html).not.toContain('张三丰');
    expect(html).not.toContain('欧阳娜娜');
    expect(html).not.toContain('<script');
    expect(html.match(/<svg/g)).toHaveLength(4);
    // Same clock, same key: the code printed is exactly the one the service issues (Ed25519 is deterministic).
    const list = (await t.app.inject({ method: 'GET', url: `/api/persons?jurisdictionId=${xi.building.id}`, headers: h.officer })).json().items as {
      id: string;
      name: string;
    }[];
    for (const p of list) {
      const { payload } = await t.deps.services.population.issueResidentCode(actorAt(city.xiling, ['sampler']), p.id);
      expect(html).toContain(await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }));
    }
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'population.resident_code.print', limit: 1 });
    expect(entry).toMatchObject({ entityId: xi.building.id, jurisdictionPath: xi.building.path, payload: { buildingId: xi.building.id, persons: 4 } });
    expect((await t.app.inject({ method: 'GET', url: `/api/persons/resident-codes?buildingId=${xi.building.id}`, headers: h.otherOfficer })).statusCode).toBe(
      404,
    );
    const entrance = await t.app.inject({ method: 'GET', url: `/api/persons/resident-codes?buildingId=${xi.entrance.id}`, headers: h.officer });
    expect(entrance.statusCode).toBe(404);
    expect(entrance.json().error.code).toBe('BUILDING_NOT_FOUND');
  });
});
