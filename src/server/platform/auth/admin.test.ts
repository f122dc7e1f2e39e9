import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, canGrantRole, grantableRoles, parseRole, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, TEST_PASSWORD, type UnitRef, type UserRef } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../actor.js';

describe('role grants', () => {
  it('lets an administrator grant every role and nobody else grant admin, auditor or power they lack', () => {
    expect(grantableRoles(['admin'])).toHaveLength(10);
    expect(canGrantRole(['commander'], 'admin')).toBe(false);
    expect(canGrantRole(['commander'], 'auditor')).toBe(false);
    expect(canGrantRole(['district_officer'], 'sampler')).toBe(true);
    // A sampler's capabilities are a subset of a district officer's; a commander's are not.
    expect(canGrantRole(['district_officer'], 'commander')).toBe(false);
    expect(canGrantRole(['sampler'], 'district_officer')).toBe(false);
  });

  it('reads roles from code names and Chinese or English labels', () => {
    expect(parseRole('采样员')).toBe('sampler');
    expect(parseRole(' Lab technician ')).toBe('lab_technician');
    expect(parseRole('TRACER')).toBe('tracer');
    expect(parseRole('队长')).toBeUndefined();
  });
});

describe.each(DIALECTS)('user and unit administration [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let cityHq: UnitRef;
  let xilingHq: UnitRef;
  let wjgHq: UnitRef;
  let cityAdmin: UserRef;
  let xilingAdmin: UserRef;
  let commander: UserRef;
  let sampler: UserRef;
  let outsider: UserRef;
  const H = new Map<string, Record<string, string>>();
  const as = (u: UserRef) => H.get(u.id)!;
  const req = (u: UserRef | null, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(u ? as(u) : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    t = await testApp(dialect);
    const db = t.deps.db;
    city = await buildMiniCity(db);
    cityHq = await buildUnit(db, { name: '宜昌市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    xilingHq = await buildUnit(db, { name: '西陵区疫情防控指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    wjgHq = await buildUnit(db, { name: '伍家岗区疫情防控指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
    cityAdmin = await buildUser(db, { unit: cityHq, roles: ['admin'], username: 'city_admin' });
    xilingAdmin = await buildUser(db, { unit: xilingHq, roles: ['admin'], username: 'xiling_admin' });
    commander = await buildUser(db, { unit: cityHq, roles: ['commander'], username: 'commander' });
    sampler = await buildUser(db, { unit: xilingHq, roles: ['sampler'], username: 'sampler1' });
    outsider = await buildUser(db, { unit: wjgHq, roles: ['community_worker'], username: 'wjg_worker' });
    for (const u of [cityAdmin, xilingAdmin, commander, sampler, outsider]) H.set(u.id, await sessionHeaders(db, u, t.clock.now()));
  });
  afterAll(() => t.close());

  describe('users', () => {
    it('creates a user (201), hashes the password with argon2id and journals the creation without it', async () => {
      const r = await req(cityAdmin, 'POST', '/api/users', {
        username: 'Lab_One',
        displayName: '检测员甲',
        password: 'lab-one-passphrase',
        unitId: xilingHq.id,
        roles: ['lab_technician', 'sampler'],
      });
      expect(r.statusCode).toBe(201);
      const u = r.json();
      expect(u).toMatchObject({
        username: 'lab_one',
        displayName: '检测员甲',
        roles: ['sampler', 'lab_technician'],
        active: true,
        unit: { id: xilingHq.id, name: '西陵区疫情防控指挥部' },
        jurisdiction: { code: '420502' },
        totpEnabled: false,
        lockedUntil: null,
      });
      const row = await t.deps.db.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.user.create', entityId: u.id, limit: 1 });
      expect(entry).toMatchObject({
        actorId: cityAdmin.id,
        jurisdictionPath: '/420500/420502/',
        payload: { username: 'lab_one', roles: ['sampler', 'lab_technician'] },
      });
      expect(JSON.stringify(entry)).not.toContain('lab-one-passphrase');
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.2.0.1',
        payload: { username: 'lab_one', password: 'lab-one-passphrase' },
      });
      expect(login.statusCode).toBe(200);
    });

    it('refuses duplicates, weak passwords, unknown roles and fields', async () => {
      const base = { username: 'dup_user', displayName: '重复', password: 'a-fine-passphrase', unitId: xilingHq.id, roles: ['sampler'] };
      expect((await req(cityAdmin, 'POST', '/api/users', base)).statusCode).toBe(201);
      const dup = await req(cityAdmin, 'POST', '/api/users', { ...base, username: 'DUP_USER' });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.code).toBe('USERNAME_TAKEN');
      const cases: [unknown, number, string][] = [
        [{ ...base, username: 'x2', password: 'short' }, 400, 'VALIDATION_FAILED'],
        [{ ...base, username: 'weak_one', password: 'weak_one-password' }, 422, 'PASSWORD_TOO_WEAK'],
        [{ ...base, username: 'x3', roles: ['overlord'] }, 400, 'VALIDATION_FAILED'],
        [{ ...base, username: 'x4', roles: [] }, 400, 'VALIDATION_FAILED'],
        [{ ...base, username: 'x5', isAdmin: true }, 400, 'VALIDATION_FAILED'],
        [{ ...base, username: '1abc' }, 400, 'VALIDATION_FAILED'],
        [{}, 400, 'VALIDATION_FAILED'],
        [{ ...base, username: 'x6', unitId: 12 }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [body, status, code] of cases) {
        const r = await req(cityAdmin, 'POST', '/api/users', body);
        expect(r.statusCode, JSON.stringify(body)).toBe(status);
        expect(r.json().error.code).toBe(code);
      }
    });

    it("creates users only in units inside the caller's jurisdiction", async () => {
      const body = { username: 'far_away', displayName: '外区', password: 'a-fine-passphrase', roles: ['sampler'] };
      const out = await req(xilingAdmin, 'POST', '/api/users', { ...body, unitId: wjgHq.id });
      expect(out.statusCode).toBe(404);
      expect(await t.deps.services.auth.users.findByUsername('far_away')).toBeUndefined();
      const missing = await req(xilingAdmin, 'POST', '/api/users', { ...body, unitId: '00000000-0000-7000-8000-000000000000' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual(out.json());
      expect((await req(xilingAdmin, 'POST', '/api/users', { ...body, unitId: xilingHq.id })).statusCode).toBe(201);
    });

    it('grants only roles the caller may grant', async () => {
      const officerActor: Actor = {
        ...systemActor(),
        kind: 'user',
        userId: sampler.id,
        name: 'officer',
        roles: ['district_officer'] as Role[],
        capabilities: capabilitiesOf(['district_officer', 'admin']),
        scopePath: '/420500/420502/',
      };
      await expect(
        t.deps.services.auth.users.create(officerActor, {
          username: 'new_cmd',
          displayName: '新指挥',
          password: 'a-fine-passphrase',
          unitId: xilingHq.id,
          roles: ['commander'],
        }),
      ).rejects.toMatchObject({ code: 'ROLE_NOT_GRANTABLE', status: 403, details: { roles: ['commander'] } });
      const ok = await t.deps.services.auth.users.create(officerActor, {
        username: 'new_sampler',
        displayName: '新采样员',
        password: 'a-fine-passphrase',
        unitId: xilingHq.id,
        roles: ['sampler'],
      });
      expect(ok.roles).toEqual(['sampler']);
      // Nor manage someone holding a role they could not grant.
      const boss = await buildUser(t.deps.db, { unit: xilingHq, roles: ['commander'] });
      await expect(t.deps.services.auth.users.update(officerActor, boss.id, { displayName: '改名' })).rejects.toMatchObject({ code: 'ROLE_NOT_GRANTABLE' });
      await expect(t.deps.services.auth.users.disable(officerActor, boss.id, '越权')).rejects.toMatchObject({ code: 'ROLE_NOT_GRANTABLE' });
      await expect(t.deps.services.auth.users.resetPassword(officerActor, boss.id, 'a-takeover-password', '越权')).rejects.toMatchObject({
        code: 'ROLE_NOT_GRANTABLE',
      });
      expect((await t.deps.services.auth.users.update(officerActor, ok.id, { displayName: '采样员乙' })).displayName).toBe('采样员乙');
    });

    it("lists users of the caller's jurisdiction with filters and a total", async () => {
      const all = await req(cityAdmin, 'GET', '/api/users?limit=500');
      expect(all.statusCode).toBe(200);
      expect(all.json().items.map((u: { username: string }) => u.username)).toContain('wjg_worker');
      const xl = (await req(xilingAdmin, 'GET', '/api/users?limit=500')).json();
      expect(xl.items.every((u: { jurisdiction: { path: string } }) => u.jurisdiction.path.startsWith('/420500/420502/'))).toBe(true);
      expect(xl.items.map((u: { username: string }) => u.username)).not.toContain('wjg_worker');
      expect(xl.total).toBe(xl.items.length);
      const paged = (await req(cityAdmin, 'GET', '/api/users?limit=2&offset=1')).json();
      expect(paged.items).toHaveLength(2);
      expect(paged.total).toBe(all.json().total);
      const q = (await req(cityAdmin, 'GET', '/api/users?q=ADMIN')).json();
      expect(q.items.map((u: { username: string }) => u.username).sort()).toEqual(['city_admin', 'xiling_admin']);
      const byRole = (await req(cityAdmin, 'GET', '/api/users?role=community_worker')).json();
      expect(byRole.items.map((u: { username: string }) => u.username)).toEqual(['wjg_worker']);
      const byUnit = (await req(cityAdmin, 'GET', `/api/users?unitId=${cityHq.id}`)).json();
      expect(byUnit.items.map((u: { username: string }) => u.username).sort()).toEqual(['city_admin', 'commander']);
      expect((await req(commander, 'GET', '/api/users')).statusCode).toBe(200);
      expect((await req(sampler, 'GET', '/api/users')).statusCode).toBe(403);
      expect((await req(cityAdmin, 'GET', '/api/users?active=maybe')).statusCode).toBe(400);
      expect((await req(cityAdmin, 'GET', '/api/users?limit=0')).statusCode).toBe(400);
    });

    it("hides users outside the caller's jurisdiction as if missing", async () => {
      const r = await req(xilingAdmin, 'GET', `/api/users/${outsider.id}`);
      expect(r.statusCode).toBe(404);
      const missing = await req(xilingAdmin, 'GET', '/api/users/00000000-0000-7000-8000-000000000000');
      expect(missing.json()).toEqual(r.json());
      expect((await req(cityAdmin, 'GET', `/api/users/${outsider.id}`)).json().username).toBe('wjg_worker');
    });

    it('changes roles and unit, journals before and after, and the change applies on the next request', async () => {
      const u = await buildUser(t.deps.db, { unit: xilingHq, roles: ['sampler'] });
      const uh = await sessionHeaders(t.deps.db, u, t.clock.now());
      expect((await t.app.inject({ method: 'GET', url: '/api/users', headers: uh })).statusCode).toBe(403);
      const r = await req(cityAdmin, 'PATCH', `/api/users/${u.id}`, {
        roles: ['community_worker'],
        unitId: cityHq.id,
        displayName: '调岗',
        reason: '调入市指挥部',
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ roles: ['community_worker'], unit: { id: cityHq.id }, displayName: '调岗' });
      const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: uh });
      expect(me.json()).toMatchObject({ roles: ['community_worker'], jurisdiction: { code: '420500' } });
      expect((await t.app.inject({ method: 'GET', url: '/api/users', headers: uh })).statusCode).toBe(200);
      const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.user.update', entityId: u.id, limit: 1 });
      expect(entry.reason).toBe('调入市指挥部');
      expect(entry.payload).toMatchObject({
        changes: [
          { field: 'displayName', to: '调岗' },
          { field: 'unitId', from: xilingHq.id, to: cityHq.id },
          { field: 'roles', from: ['sampler'], to: ['community_worker'] },
        ],
        fromPath: '/420500/420502/',
      });
      // An unchanged PATCH writes nothing.
      const before = await t.deps.services.journal.count();
      expect((await req(cityAdmin, 'PATCH', `/api/users/${u.id}`, { roles: ['community_worker'] })).statusCode).toBe(200);
      expect(await t.deps.services.journal.count()).toBe(before);
    });

    it("refuses changing one's own roles or status and removing the last administrator", async () => {
      const self = await req(cityAdmin, 'PATCH', `/api/users/${cityAdmin.id}`, { roles: ['commander'] });
      expect(self.statusCode).toBe(422);
      expect(self.json().error.code).toBe('SELF_CHANGE_REFUSED');
      expect((await req(cityAdmin, 'POST', `/api/users/${cityAdmin.id}/disable`, { reason: 'x' })).json().error.code).toBe('SELF_CHANGE_REFUSED');
      // Renaming oneself is fine.
      expect((await req(cityAdmin, 'PATCH', `/api/users/${cityAdmin.id}`, { displayName: '管理员' })).statusCode).toBe(200);
      const sys = systemActor('test');
      await t.deps.services.auth.users.update(sys, xilingAdmin.id, { roles: ['district_officer'] });
      await expect(t.deps.services.auth.users.update(sys, cityAdmin.id, { roles: ['commander'] })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
      await expect(t.deps.services.auth.users.disable(sys, cityAdmin.id, 'x')).rejects.toMatchObject({ code: 'LAST_ADMIN' });
      await t.deps.services.auth.users.update(sys, xilingAdmin.id, { roles: ['admin'] });
    });

    it('disables and enables with a reason, journaled; enabling clears a lock', async () => {
      const u = await buildUser(t.deps.db, { unit: xilingHq, roles: ['tracer'] });
      expect((await req(xilingAdmin, 'POST', `/api/users/${u.id}/disable`, { reason: '' })).statusCode).toBe(400);
      expect((await req(xilingAdmin, 'POST', `/api/users/${u.id}/disable`, {})).statusCode).toBe(400);
      const d = await req(xilingAdmin, 'POST', `/api/users/${u.id}/disable`, { reason: '借调结束' });
      expect(d.json().active).toBe(false);
      expect((await req(xilingAdmin, 'POST', `/api/users/${u.id}/disable`, { reason: 'again' })).json().error.code).toBe('USER_ALREADY_INACTIVE');
      expect((await req(xilingAdmin, 'GET', '/api/users?active=false')).json().items.map((x: { id: string }) => x.id)).toContain(u.id);
      await t.deps.db
        .updateTable('users')
        .set({ locked_until: t.clock.now() + 600_000, failed_logins: 3 })
        .where('id', '=', u.id)
        .execute();
      const e = await req(xilingAdmin, 'POST', `/api/users/${u.id}/enable`, { reason: '重新上岗' });
      expect(e.json()).toMatchObject({ active: true, lockedUntil: null });
      const actions = (await t.deps.services.journal.list(t.deps.db, { entityId: u.id, limit: 5 })).map((x) => [x.action, x.reason]);
      expect(actions).toEqual([
        ['auth.user.enable', '重新上岗'],
        ['auth.user.disable', '借调结束'],
      ]);
    });

    it('resets a password: sessions end, the old password stops working, nothing secret is journaled', async () => {
      const u = await buildUser(t.deps.db, { unit: xilingHq, roles: ['sampler'] });
      const uh = await sessionHeaders(t.deps.db, u, t.clock.now());
      const weak = await req(xilingAdmin, 'POST', `/api/users/${u.id}/reset-password`, { password: `${u.username}-x`, reason: '忘记密码' });
      expect(weak.statusCode).toBe(422);
      expect((await req(xilingAdmin, 'POST', `/api/users/${u.id}/reset-password`, { password: 'short', reason: 'x' })).statusCode).toBe(400);
      expect((await req(xilingAdmin, 'POST', `/api/users/${u.id}/reset-password`, { password: 'brand-new-passphrase' })).statusCode).toBe(400);
      const r = await req(xilingAdmin, 'POST', `/api/users/${u.id}/reset-password`, { password: 'brand-new-passphrase', reason: '忘记密码' });
      expect(r.statusCode).toBe(200);
      expect(r.json().passwordChangedAt).toBe(t.clock.now());
      expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: uh })).json().error.code).toBe('SESSION_EXPIRED');
      const login = (password: string) =>
        t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.2.0.9', payload: { username: u.username, password } });
      expect((await login(TEST_PASSWORD)).statusCode).toBe(401);
      expect((await login('brand-new-passphrase')).statusCode).toBe(200);
      const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.user.password-reset', entityId: u.id, limit: 1 });
      expect(entry).toMatchObject({ reason: '忘记密码', payload: { revokedSessions: 1 } });
      expect(JSON.stringify(entry)).not.toContain('brand-new-passphrase');
    });

    it('replays a create with the same Idempotency-Key instead of creating twice', async () => {
      const body = { username: 'idem_user', displayName: '幂等', password: 'a-fine-passphrase', unitId: xilingHq.id, roles: ['sampler'] };
      const a = await req(cityAdmin, 'POST', '/api/users', body, { 'idempotency-key': 'create-idem-user' });
      const b = await req(cityAdmin, 'POST', '/api/users', body, { 'idempotency-key': 'create-idem-user' });
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(b.headers['idempotent-replayed']).toBe('true');
      expect(b.json()).toEqual(a.json());
    });
  });

  describe('units', () => {
    it('creates a unit (201) under a parent, journaled; names are unique per jurisdiction', async () => {
      const r = await req(cityAdmin, 'POST', '/api/units', {
        name: '西陵街道社区居委会',
        kind: 'community',
        jurisdictionId: city.street.id,
        parentUnitId: xilingHq.id,
      });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({
        name: '西陵街道社区居委会',
        kind: 'community',
        jurisdiction: { id: city.street.id, code: '420502001000' },
        parentUnit: { id: xilingHq.id, name: '西陵区疫情防控指挥部' },
        active: true,
        activeUsers: 0,
      });
      const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.unit.create', entityId: r.json().id, limit: 1 });
      expect(entry).toMatchObject({ jurisdictionPath: '/420500/420502/420502001000/', payload: { name: '西陵街道社区居委会', parentUnitId: xilingHq.id } });
      const dup = await req(cityAdmin, 'POST', '/api/units', { name: '西陵街道社区居委会', kind: 'community', jurisdictionId: city.street.id });
      expect(dup.json().error.code).toBe('UNIT_NAME_TAKEN');
    });

    it("keeps units inside the caller's jurisdiction and parents above their children", async () => {
      const out = await req(xilingAdmin, 'POST', '/api/units', { name: '越界单位', kind: 'other', jurisdictionId: city.wujiagang.id });
      expect(out.statusCode).toBe(404);
      const wrongParent = await req(cityAdmin, 'POST', '/api/units', {
        name: '错挂单位',
        kind: 'other',
        jurisdictionId: city.xiling.id,
        parentUnitId: wjgHq.id,
      });
      expect(wrongParent.json().error.code).toBe('UNIT_PARENT_INVALID');
      const hiddenParent = await req(xilingAdmin, 'POST', '/api/units', {
        name: '看不见的上级',
        kind: 'other',
        jurisdictionId: city.xiling.id,
        parentUnitId: cityHq.id,
      });
      expect(hiddenParent.json().error.code).toBe('UNIT_NOT_FOUND');
      const a = await buildUnit(t.deps.db, { name: '上级专班', jurisdiction: city.xiling, kind: 'task_force' });
      const b = (
        await req(cityAdmin, 'POST', '/api/units', { name: '下级小组', kind: 'task_force', jurisdictionId: city.xiling.id, parentUnitId: a.id })
      ).json();
      const cycle = await req(cityAdmin, 'PATCH', `/api/units/${a.id}`, { parentUnitId: b.id });
      expect(cycle.json().error).toMatchObject({ code: 'UNIT_PARENT_INVALID', details: { problem: 'cycle' } });
      const selfParent = await req(cityAdmin, 'PATCH', `/api/units/${a.id}`, { parentUnitId: a.id });
      expect(selfParent.json().error.code).toBe('UNIT_PARENT_INVALID');
      const upward = await req(cityAdmin, 'PATCH', `/api/units/${cityHq.id}`, { parentUnitId: xilingHq.id });
      expect(upward.json().error).toMatchObject({ code: 'UNIT_PARENT_INVALID', details: { problem: "outside the parent's jurisdiction" } });
      // Moving a unit out from under its children's jurisdiction is refused too.
      const move = await req(cityAdmin, 'PATCH', `/api/units/${a.id}`, { jurisdictionId: city.wujiagang.id });
      expect(move.json().error.code).toBe('UNIT_PARENT_INVALID');
    });

    it('lists and reads units in scope only', async () => {
      const xl = (await req(xilingAdmin, 'GET', '/api/units')).json();
      expect(xl.items.every((u: { jurisdiction: { path: string } }) => u.jurisdiction.path.startsWith('/420500/420502/'))).toBe(true);
      expect(xl.total).toBe(xl.items.length);
      expect(
        (await req(cityAdmin, 'GET', '/api/units?kind=district_hq'))
          .json()
          .items.map((u: { name: string }) => u.name)
          .sort(),
      ).toEqual(['伍家岗区疫情防控指挥部', '西陵区疫情防控指挥部']);
      expect((await req(xilingAdmin, 'GET', `/api/units/${wjgHq.id}`)).statusCode).toBe(404);
      const one = (await req(commander, 'GET', `/api/units/${xilingHq.id}`)).json();
      expect(one.activeUsers).toBeGreaterThan(0);
      expect((await req(sampler, 'GET', '/api/units')).statusCode).toBe(403);
      expect((await req(cityAdmin, 'GET', '/api/units?kind=castle')).statusCode).toBe(400);
    });

    it('renames with a journal of the change; refuses to deactivate a unit with active users', async () => {
      const u = await buildUnit(t.deps.db, { name: '临时专班', jurisdiction: city.xiling, kind: 'task_force' });
      const member = await buildUser(t.deps.db, { unit: u, roles: ['sampler'] });
      const rn = await req(cityAdmin, 'PATCH', `/api/units/${u.id}`, { name: '核酸检测专班（西陵）', reason: '更名' });
      expect(rn.json().name).toBe('核酸检测专班（西陵）');
      const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'auth.unit.update', entityId: u.id, limit: 1 });
      expect(entry.payload).toMatchObject({ changes: [{ field: 'name', from: '临时专班', to: '核酸检测专班（西陵）' }] });
      const refused = await req(cityAdmin, 'POST', `/api/units/${u.id}/disable`, { reason: '撤销' });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: 'UNIT_HAS_ACTIVE_MEMBERS', details: { activeUsers: 1, activeChildUnits: 0 } });
      await req(cityAdmin, 'POST', `/api/users/${member.id}/disable`, { reason: '专班撤销' });
      const d = await req(cityAdmin, 'POST', `/api/units/${u.id}/disable`, { reason: '撤销' });
      expect(d.json().active).toBe(false);
      // No one can be put into a deactivated unit.
      const into = await req(cityAdmin, 'PATCH', `/api/users/${sampler.id}`, { unitId: u.id });
      expect(into.json().error.code).toBe('UNIT_INACTIVE');
      expect((await req(cityAdmin, 'POST', `/api/units/${u.id}/enable`, { reason: '恢复' })).json().active).toBe(true);
    });

    it('answers malformed unit requests with 400', async () => {
      const bad: [string, string, unknown][] = [
        ['POST', '/api/units', {}],
        ['POST', '/api/units', { name: 'x', kind: 'castle', jurisdictionId: city.xiling.id }],
        ['POST', '/api/units', { name: '', kind: 'other', jurisdictionId: city.xiling.id }],
        ['PATCH', `/api/units/${xilingHq.id}`, { colour: 'red' }],
        ['POST', `/api/units/${xilingHq.id}/disable`, { reason: 5 }],
        ['POST', `/api/units/${xilingHq.id}/enable`, {}],
      ];
      for (const [method, url, body] of bad) {
        const r = await req(cityAdmin, method, url, body);
        expect(r.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
        expect(r.json().error.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  it('answers malformed user requests with 400 on every route', async () => {
    const id = sampler.id;
    const bad: [string, string, unknown][] = [
      ['PATCH', `/api/users/${id}`, { roles: 'sampler' }],
      ['PATCH', `/api/users/${id}`, { password: 'x' }],
      ['POST', `/api/users/${id}/disable`, { reason: '' }],
      ['POST', `/api/users/${id}/enable`, { reason: ['x'] }],
      ['POST', `/api/users/${id}/reset-password`, { reason: 'x' }],
      ['POST', `/api/users/${id}/reset-totp`, {}],
      ['POST', '/api/auth/totp/confirm', { code: 123456 }],
      ['POST', '/api/auth/password', { newPassword: 'a-fine-passphrase' }],
      ['GET', '/api/users?offset=-1', undefined],
      ['GET', '/api/users?role=king', undefined],
      ['GET', '/api/users?colour=red', undefined],
    ];
    for (const [method, url, body] of bad) {
      const r = await req(cityAdmin, method, url, body);
      expect(r.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION_FAILED');
    }
  });
});
