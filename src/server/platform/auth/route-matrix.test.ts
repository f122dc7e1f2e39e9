/// <reference types="vite/client" />
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_TABLE, ROLES, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import type { MatrixFixture, MiniCity } from '../../../../test/helpers/auth-matrix/_fixture.js';
import { assertRouteHasPolicy, entityScopeResolver, onPolicedRoute, type PolicedRoute, type RoutePolicy } from '../http/policy.js';

/**
 * THE ROUTE-POLICY MATRIX. Builds the whole app, lists every route it registered, and sends each
 * one a request as nobody, and as a user of every role (in a unit at 西陵区 420502), aimed at a
 * record inside and one outside (伍家岗区 420503) that user's scope. It checks that what the route
 * declares is what happens: no session → 401; a role without the capability → 403; with it, a
 * record out of scope → the policy's 404 (same as missing), and in scope → never the policy's
 * 401/403/404. Entity ids come from one fixture file per entity in test/helpers/auth-matrix/.
 */

const fixtureModules = import.meta.glob('../../../../test/helpers/auth-matrix/*.ts', { eager: true }) as Record<string, { default?: MatrixFixture }>;
const FIXTURES = new Map<string, MatrixFixture>();
for (const [file, mod] of Object.entries(fixtureModules)) {
  if (file.split('/').pop()!.startsWith('_')) continue;
  if (!mod.default?.entity || typeof mod.default.make !== 'function') throw new Error(`${file} must default-export { entity, make }`);
  FIXTURES.set(mod.default.entity, mod.default);
}

/** A stand-in id for path params that name no scoped entity. */
const DUMMY_ID = '00000000-0000-7000-8000-000000000000';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

type Scoped = { entity: string; from: 'params' | 'body' | 'query'; key: string };
const entityRule = (p: RoutePolicy): Scoped | null => ('public' in p || typeof p.scope === 'string' ? null : p.scope);
const holds = (role: Role, p: RoutePolicy): boolean => 'public' in p || p.capability === 'authenticated' || (CAPABILITY_TABLE[p.capability] as readonly Role[]).includes(role);

interface Answer {
  status: number;
  code?: string;
  details?: unknown;
}

describe('route policies are required', () => {
  it('refuses to register an /api route without a policy, or with a malformed one', async () => {
    const app = Fastify();
    app.addHook('onRoute', (r) => assertRouteHasPolicy(r as never));
    expect(() => app.get('/api/open-by-accident', async () => 'x')).toThrow(/declares no policy/);
    expect(() => app.get('/api/typo', { config: { policy: { capability: 'user.mange' as never, scope: 'none' } } }, async () => 'x')).toThrow(/unknown capability/);
    expect(() => app.get('/api/bad-scope', { config: { policy: { capability: 'user.read', scope: 'everything' as never } } }, async () => 'x')).toThrow(/scope must be/);
    expect(() => app.get('/not-api', async () => 'x')).not.toThrow();
    await app.close();
  });
});

describe.each(DIALECTS)('route-policy matrix [%s]', (dialect) => {
  let t: TestApp;
  let city: MiniCity;
  const routes: PolicedRoute[] = [];
  const sessions = new Map<Role, Record<string, string>>();
  const ids = new Map<string, { inScope: string; outOfScope: string }>();
  const missingFixtures = new Set<string>();

  /** One request; a stream (SSE) is answered as soon as its headers arrive and left to the app's close. */
  async function call(route: PolicedRoute, headers: Record<string, string>, id?: string): Promise<Answer> {
    const rule = route.policy ? entityRule(route.policy) : null;
    const url = route.url
      .split('/')
      .map((seg) => (seg.startsWith(':') ? (rule?.from === 'params' && seg.slice(1) === rule.key && id ? id : DUMMY_ID) : seg === '*' ? 'x' : seg))
      .join('/');
    const query = rule?.from === 'query' && id ? `?${rule.key}=${encodeURIComponent(id)}` : '';
    const body = BODY_METHODS.has(route.method) ? (rule?.from === 'body' && id ? { [rule.key]: id } : {}) : undefined;
    const res = await t.app.inject({ method: route.method as 'GET', url: url + query, headers, ...(body ? { payload: body } : {}), payloadAsStream: true });
    if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      res.stream().resume();
      return { status: res.statusCode };
    }
    const chunks: Buffer[] = [];
    for await (const c of res.stream()) chunks.push(Buffer.from(c));
    try {
      const err = JSON.parse(Buffer.concat(chunks).toString()).error;
      return { status: res.statusCode, code: err?.code, details: err?.details };
    } catch {
      return { status: res.statusCode };
    }
  }

  const checked = () => routes.filter((r) => r.url.startsWith('/api') && !/^\/api\/docs(\/|$)/.test(r.url) && r.method !== 'HEAD' && r.policy);
  const describeRoute = (r: PolicedRoute) => `${r.method} ${r.url}`;
  const isPolicy404 = (a: Answer, entity: string) => a.status === 404 && a.code === 'NOT_FOUND' && (a.details as { entity?: string } | null)?.entity === entity;

  beforeAll(async () => {
    const stop = onPolicedRoute((r) => routes.push(r));
    try {
      t = await testApp(dialect);
    } finally {
      stop();
    }
    city = await buildMiniCity(t.deps.db);
    const unit = await buildUnit(t.deps.db, { name: '矩阵测试西陵区指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    for (const role of ROLES) {
      const u = await buildUser(t.deps.db, { unit, roles: [role], username: `matrix_${role}` });
      sessions.set(role, await sessionHeaders(t.deps.db, u, t.clock.now(), 365 * 86_400_000));
    }
    const entities = new Set(checked().map((r) => entityRule(r.policy!)?.entity).filter((e): e is string => !!e));
    for (const entity of entities) {
      const f = FIXTURES.get(entity);
      if (f) ids.set(entity, await f.make(t, city));
      else missingFixtures.add(entity);
    }
  });
  afterAll(() => t?.close());

  it('sees every route of the built app, and the OpenAPI document lists each visible /api route', () => {
    const api = checked();
    expect(api.length).toBeGreaterThan(10);
    // Every /api route reached the policy check (which throws on a missing policy), so each has one.
    expect(routes.filter((r) => r.url.startsWith('/api') && !/^\/api\/docs(\/|$)/.test(r.url) && !r.policy)).toEqual([]);
    const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const expected = api.filter((r) => !r.hidden).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(expected.filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((d) => d.includes(' /api') && !expected.includes(d) && !d.startsWith('HEAD'))).toEqual([]);
  });

  it('has an entity-scope resolver and a fixture for every entity a route is scoped by', () => {
    const entities = [...new Set(checked().map((r) => entityRule(r.policy!)?.entity).filter((e): e is string => !!e))];
    expect(entities.filter((e) => !entityScopeResolver(e)), 'register with registerEntityScope(entity, …)').toEqual([]);
    expect(
      [...missingFixtures].map((e) => `no fixture for entity '${e}': add test/helpers/auth-matrix/${e}.ts (default export { entity, make })`),
    ).toEqual([]);
  });

  it('refuses every non-public route without a session with 401, and lets public ones through', async () => {
    const wrong: string[] = [];
    for (const r of checked()) {
      const a = await call(r, {});
      const pub = 'public' in r.policy!;
      if (pub ? a.status === 401 : a.status !== 401 || a.code !== 'UNAUTHENTICATED') wrong.push(`${describeRoute(r)} → ${a.status} ${a.code ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every role that lacks a route\'s capability with 403', async () => {
    const wrong: string[] = [];
    for (const r of checked()) {
      if ('public' in r.policy!) continue;
      const rule = entityRule(r.policy!);
      const id = rule ? ids.get(rule.entity)?.inScope : undefined;
      if (rule && !id) continue;
      for (const role of ROLES) {
        if (holds(role, r.policy!)) continue;
        const a = await call(r, sessions.get(role)!, id);
        if (a.status !== 403 || a.code !== 'FORBIDDEN') wrong.push(`${describeRoute(r)} as ${role} → ${a.status} ${a.code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers a record outside the caller\'s scope with the policy\'s 404, and one inside without it', async () => {
    const wrong: string[] = [];
    for (const r of checked()) {
      const rule = entityRule(r.policy!);
      const pair = rule && ids.get(rule.entity);
      if (!rule || !pair) continue;
      for (const role of ROLES) {
        if (!holds(role, r.policy!)) continue;
        const out = await call(r, sessions.get(role)!, pair.outOfScope);
        if (!isPolicy404(out, rule.entity)) wrong.push(`${describeRoute(r)} as ${role}, out of scope → ${out.status} ${out.code ?? ''}`);
        const inside = await call(r, sessions.get(role)!, pair.inScope);
        if (inside.status === 401 || (inside.status === 403 && inside.code === 'FORBIDDEN') || isPolicy404(inside, rule.entity)) {
          wrong.push(`${describeRoute(r)} as ${role}, in scope → ${inside.status} ${inside.code ?? ''}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets every role holding the capability through routes that are not entity-scoped, without a 5xx anywhere', async () => {
    const wrong: string[] = [];
    for (const r of checked()) {
      if ('public' in r.policy!) continue;
      const rule = entityRule(r.policy!);
      if (rule && !ids.get(rule.entity)) continue;
      for (const role of ROLES) {
        if (!holds(role, r.policy!)) continue;
        const a = await call(r, sessions.get(role)!, rule ? ids.get(rule.entity)!.inScope : undefined);
        if (a.status === 401 || (a.status === 403 && a.code === 'FORBIDDEN') || a.status >= 500) wrong.push(`${describeRoute(r)} as ${role} → ${a.status} ${a.code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
