import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildJurisdiction } from '../../../../test/helpers/factories.js';
import { DEMO_ADMIN, DEMO_PASSWORD, seedDemoUsers } from '../../demo/users.js';

describe.each(DIALECTS)('demo staff [%s]', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());

  it('does nothing without the demo city', async () => {
    expect(await seedDemoUsers(t.deps)).toEqual({ users: 0 });
  });

  it('creates the command structure and one user per role on the demo city, all signing in with bulwark-demo', async () => {
    const db = t.deps.db;
    const city = await buildJurisdiction(db, { code: '420500', name: '宜昌市', level: 'city' });
    const xiling = await buildJurisdiction(db, { code: '420502', name: '西陵区', level: 'district', parent: city });
    const wjg = await buildJurisdiction(db, { code: '420503', name: '伍家岗区', level: 'district', parent: city });
    await buildJurisdiction(db, { code: '420527', name: '秭归县', level: 'district', parent: city, kind: 'county' });
    const street = await buildJurisdiction(db, { code: '420502001000', name: '西陵街道', level: 'street', parent: xiling });
    for (const [i, name] of ['云集社区', '环城北社区', '滨江社区'].entries())
      await buildJurisdiction(db, { code: `42050200100${i + 1}`, name, level: 'community', parent: street });
    const wStreet = await buildJurisdiction(db, { code: '420503001000', name: '大公桥街道', level: 'street', parent: wjg });
    await buildJurisdiction(db, { code: '420503001201', name: '桔城村', level: 'community', parent: wStreet });

    const { users } = await seedDemoUsers(t.deps);
    expect(users).toBe(11);
    const units = await t.deps.services.auth.units.list({ scopePath: '/' } as never, { limit: 500 });
    expect(units.items.map((u) => u.name)).toEqual(
      expect.arrayContaining([
        '宜昌市疫情防控指挥部',
        '西陵区疫情防控指挥部',
        '伍家岗区疫情防控指挥部',
        '秭归县疫情防控指挥部',
        '核酸检测专班',
        '流调溯源专班',
        '云集社区居委会',
        '滨江社区居委会',
        '桔城村村民委员会',
      ]),
    );
    const xlHq = units.items.find((u) => u.name === '西陵区疫情防控指挥部')!;
    expect(xlHq).toMatchObject({ kind: 'district_hq', jurisdiction: { code: '420502' }, parentUnit: { name: '宜昌市疫情防控指挥部' } });

    const login = async (username: string) => {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: `10.7.0.${username.length}`,
        payload: { username, password: DEMO_PASSWORD },
      });
      expect(r.statusCode, username).toBe(200);
      return r.json().user;
    };
    const admin = await login(DEMO_ADMIN.username);
    expect(admin).toMatchObject({ roles: ['commander', 'admin'], jurisdiction: { code: '420500', path: '/420500/' } });
    expect(admin.capabilities).toEqual(expect.arrayContaining(['user.manage', 'area.publish']));
    expect(await login('xiling_officer')).toMatchObject({ roles: ['district_officer'], jurisdiction: { code: '420502' } });
    expect(await login('community1')).toMatchObject({ unit: { name: '云集社区居委会', kind: 'community' }, jurisdiction: { code: '420502001001' } });
    const all = await t.deps.services.auth.users.list({ scopePath: '/' } as never, { limit: 500 });
    expect(new Set(all.items.flatMap((u) => u.roles))).toEqual(new Set(ROLES));
    const [entry] = await t.deps.services.journal.list(db, { action: 'auth.user.seed', limit: 1 });
    expect(entry).toMatchObject({ batchCount: 11, actorName: 'demo' });
  });

  it('changes nothing when run again', async () => {
    const before = await t.deps.services.journal.count();
    expect(await seedDemoUsers(t.deps)).toEqual({ users: 0 });
    expect(await t.deps.services.journal.count()).toBe(before);
  });
});
