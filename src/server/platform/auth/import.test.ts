import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type UnitRef, type UserRef } from '../../../../test/helpers/factories.js';
import { TEMPLATE_HEADERS } from './user-import.js';

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('users');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A multipart/form-data body with one file field, as a browser's upload sends it. */
function multipart(file: Buffer, filename = 'staff.xlsx') {
  const boundary = '----bulwarkTestBoundary7MA4YWxk';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`,
  );
  return {
    payload: Buffer.concat([head, file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describe.each(DIALECTS)('staff import from .xlsx [%s]', (dialect) => {
  let t: TestApp;
  let xilingHq: UnitRef;
  let wjgHq: UnitRef;
  let admin: UserRef;
  let xilingAdmin: UserRef;
  let h: Record<string, string>;

  const upload = async (who: Record<string, string>, file: Buffer, query = '') => {
    const m = multipart(file);
    return t.app.inject({ method: 'POST', url: `/api/users/import${query}`, headers: { ...who, ...m.headers }, payload: m.payload });
  };
  const exists = async (username: string) => !!(await t.deps.services.auth.users.findByUsername(username));

  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    const hq = await buildUnit(t.deps.db, { name: '宜昌市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    xilingHq = await buildUnit(t.deps.db, { name: '西陵区疫情防控指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    wjgHq = await buildUnit(t.deps.db, { name: '伍家岗区疫情防控指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
    await buildUser(t.deps.db, { unit: hq, roles: ['sampler'], username: 'existing_one' });
    admin = await buildUser(t.deps.db, { unit: hq, roles: ['admin'] });
    xilingAdmin = await buildUser(t.deps.db, { unit: xilingHq, roles: ['admin'] });
    h = await sessionHeaders(t.deps.db, admin, t.clock.now());
  });
  afterAll(() => t.close());

  const mixed = () =>
    xlsx([
      TEMPLATE_HEADERS,
      ['zhang_san', '张三', '西陵区疫情防控指挥部', '采样员，流调人员', 'zhangsan-2022-pass'],
      ['li_si', '李四', '不存在的单位', 'sampler', 'lisi-2022-passwd'],
      [],
      ['wang_wu', '王五', '西陵区疫情防控指挥部', '队长, tracer', 'short'],
      ['Zhang_San', '张三二', '西陵区疫情防控指挥部', 'sampler', 'another-long-pass'],
      ['existing_one', '旧人', '西陵区疫情防控指挥部', 'sampler', 'another-long-pass'],
      ['zhao_liu', '赵六', '伍家岗区疫情防控指挥部', 'Lab technician', 'zhaoliu-2022-pass'],
    ]);

  it('by default writes nothing and reports every bad row with its row number, field and reason', async () => {
    const r = await upload(h, await mixed());
    expect(r.statusCode).toBe(400);
    const err = r.json().error;
    expect(err.code).toBe('IMPORT_INVALID');
    expect(err.details).toEqual(
      expect.arrayContaining([
        { row: 3, field: 'unit', reason: expect.stringContaining('不存在的单位') },
        { row: 5, field: 'roles', reason: "unknown role '队长'" },
        { row: 5, field: 'password', reason: expect.stringContaining('at least 10') },
        { row: 6, field: 'username', reason: 'duplicate of row 2' },
        { row: 7, field: 'username', reason: 'already taken' },
      ]),
    );
    expect(err.details).toHaveLength(5);
    expect(err.message).toMatch(/4 of 6 rows/);
    expect(await exists('zhang_san')).toBe(false);
    expect(await exists('zhao_liu')).toBe(false);
  });

  it('with mode=partial writes the good rows, reports the rest, and journals one batch without passwords', async () => {
    const before = await t.deps.services.journal.count();
    const r = await upload(h, await mixed(), '?mode=partial');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ mode: 'partial', rows: 6, created: 2 });
    expect(body.users.map((u: { row: number; username: string }) => [u.row, u.username])).toEqual([
      [2, 'zhang_san'],
      [8, 'zhao_liu'],
    ]);
    expect(body.failed.map((f: { row: number }) => f.row)).toEqual([3, 5, 5, 6, 7]);
    const zhang = await t.deps.services.auth.users.findByUsername('zhang_san');
    expect(JSON.parse(zhang!.roles)).toEqual(['sampler', 'tracer']);
    expect(zhang!.unit_id).toBe(xilingHq.id);
    const zhao = await t.deps.services.auth.users.findByUsername('zhao_liu');
    expect(JSON.parse(zhao!.roles)).toEqual(['lab_technician']);
    expect(await t.deps.services.journal.count()).toBe(before + 1);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.user.import', limit: 1 });
    expect(entry).toMatchObject({ actorId: admin.id, batchCount: 2, payload: { file: 'staff.xlsx', mode: 'partial', rows: 6, created: 2, failed: 5 } });
    expect(entry.batchDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(entry)).not.toContain('zhangsan-2022-pass');
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '10.3.0.1',
      payload: { username: 'zhang_san', password: 'zhangsan-2022-pass' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('imports a clean file with English headers and unit ids in one go', async () => {
    const file = await xlsx([
      ['username', 'displayName', 'unit', 'roles', 'password'],
      ['clean_a', '甲', xilingHq.id, 'community_worker', 'clean-a-password'],
      ['clean_b', '乙', '西陵区疫情防控指挥部', '社区工作人员、采样员', 'clean-b-password'],
    ]);
    const r = await upload(h, file);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ mode: 'all', rows: 2, created: 2, failed: [] });
  });

  it("only finds units inside the importer's jurisdiction", async () => {
    const xh = await sessionHeaders(t.deps.db, xilingAdmin, t.clock.now());
    const file = await xlsx([
      TEMPLATE_HEADERS,
      ['far_user', '远', wjgHq.name, 'sampler', 'far-user-password'],
      ['far_user2', '远二', wjgHq.id, 'sampler', 'far-user-password'],
    ]);
    const r = await upload(xh, file);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details.map((d: { row: number; field: string }) => [d.row, d.field])).toEqual([
      [2, 'unit'],
      [3, 'unit'],
    ]);
  });

  it('refuses unreadable files, missing columns, empty sheets and non-multipart requests with 400', async () => {
    const garbage = await upload(h, Buffer.from('this is not a spreadsheet'));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toBe('IMPORT_UNREADABLE');
    const noPassword = await upload(
      h,
      await xlsx([
        ['用户名', '姓名', '单位', '角色'],
        ['a_user', '甲', xilingHq.id, 'sampler'],
      ]),
    );
    expect(noPassword.statusCode).toBe(400);
    expect(noPassword.json().error.details).toEqual([{ row: 1, field: 'password', reason: expect.stringContaining('column missing') }]);
    const headerOnly = await upload(h, await xlsx([TEMPLATE_HEADERS]));
    expect(headerOnly.json().error.details[0]).toMatchObject({ field: 'file', reason: 'no data rows' });
    const json = await t.app.inject({ method: 'POST', url: '/api/users/import', headers: h, payload: { file: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe('IMPORT_UNREADABLE');
    const badMode = await upload(h, await mixed(), '?mode=some');
    expect(badMode.statusCode).toBe(400);
  });

  it('serves an .xlsx template with the headers, the role names and the units in scope', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/users/import/template', headers: h });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/spreadsheetml/);
    expect(r.headers['content-disposition']).toMatch(/attachment/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as never);
    const [sheet, , roles, units] = wb.worksheets;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(TEMPLATE_HEADERS);
    const roleNames = roles.getColumn(2).values.slice(2);
    expect(roleNames).toContain('采样员');
    expect(units.getColumn(1).values.slice(2)).toEqual(expect.arrayContaining(['西陵区疫情防控指挥部', '伍家岗区疫情防控指挥部']));
    // A template filled in as shipped (header only plus rows) imports.
    const back = await xlsx([TEMPLATE_HEADERS, ['tmpl_user', '模板', '西陵区疫情防控指挥部', '采样员', 'tmpl-user-password']]);
    expect((await upload(h, back)).json().created).toBe(1);
  });
});
