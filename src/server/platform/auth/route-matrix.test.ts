/// <reference types="vite/client" />
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_TABLE, ROLES, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildJurisdiction, buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import type { MatrixFixture, MiniCity } from '../../../../test/helpers/auth-matrix/_fixture.js';
import { WRITE_CASES, WRITES_WITHOUT_BODY } from '../../../../test/helpers/auth-matrix/_writes.js';
import { assertRouteHasPolicy, entityScopeResolver, onPolicedRoute, type PolicedRoute, type RoutePolicy } from '../http/policy.js';

/**
 * THE ROUTE-POLICY MATRIX. Builds the whole app, lists every route it registered, and sends each
 * one a request as nobody, and as a user of every role (in a unit at 西陵区 420502), aimed at a
 * record inside and one outside (伍家岗区 420503) that user's scope. It checks that what the route
 * declares is what happens: no session → 401; a role without the capability → 403; with it, a
 * record out of scope → the policy's 404 (same as missing), and in scope → never the policy's
 * 401/403/404. Entity ids come from one fixture file per entity in test/helpers/auth-matrix/.
 * The same roles also sit in a unit of 宜昌市 (city level: reaches both districts) and of a community
 * in 西陵街道 (reaches neither fixture record). Sensitive writes (test/helpers/auth-matrix/_writes.ts) are
 * sent valid bodies, and every other id in them is swapped for an out-of-scope one, which must answer
 * as a missing one and write nothing. List routes' `total` must count only what the caller sees.
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
const holds = (role: Role, p: RoutePolicy): boolean =>
  'public' in p || p.capability === 'authenticated' || (CAPABILITY_TABLE[p.capability] as readonly Role[]).includes(role);

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
    expect(() => app.get('/api/typo', { config: { policy: { capability: 'user.mange' as never, scope: 'none' } } }, async () => 'x')).toThrow(
      /unknown capability/,
    );
    expect(() => app.get('/api/bad-scope', { config: { policy: { capability: 'user.read', scope: 'everything' as never } } }, async () => 'x')).toThrow(
      /scope must be/,
    );
    expect(() => app.get('/not-api', async () => 'x')).not.toThrow();
    await app.close();
  });
});

describe.each(DIALECTS)('route-policy matrix [%s]', (dialect) => {
  let t: TestApp;
  let city: MiniCity;
  const routes: PolicedRoute[] = [];
  const sessions = new Map<Role, Record<string, string>>();
  /** The same roles at the other levels: a unit of 宜昌市 (the whole city) and one of a community in 西陵街道. */
  const citySessions = new Map<Role, Record<string, string>>();
  const communitySessions = new Map<Role, Record<string, string>>();
  const ids = new Map<string, { inScope: string; outOfScope: string }>();
  const missingFixtures = new Set<string>();
  /** Writes whose in-scope call (placeholder body) stopped at the schema's 400, gathered by the tests below. */
  const stoppedAtSchema = new Set<string>();
  let gatheredFrom = 0; // how many of the two gathering tests ran to the end (a `-t` filter may skip them)
  const noteSchema400 = (r: PolicedRoute, a: Answer) => {
    if (BODY_METHODS.has(r.method) && a.status === 400 && a.code === 'VALIDATION_FAILED') stoppedAtSchema.add(describeRoute(r));
  };

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
    const cityUnit = await buildUnit(t.deps.db, { name: '矩阵测试宜昌市指挥部', jurisdiction: city.city, kind: 'hq' });
    const community = await buildJurisdiction(t.deps.db, { code: '420502001001', name: '矩阵测试社区', level: 'community', parent: city.street });
    const communityUnit = await buildUnit(t.deps.db, { name: '矩阵测试社区居委会', jurisdiction: community, kind: 'community' });
    for (const role of ROLES) {
      const cu = await buildUser(t.deps.db, { unit: cityUnit, roles: [role], username: `matrix_city_${role}` });
      citySessions.set(role, await sessionHeaders(t.deps.db, cu, t.clock.now(), 365 * 86_400_000));
      const mu = await buildUser(t.deps.db, { unit: communityUnit, roles: [role], username: `matrix_community_${role}` });
      communitySessions.set(role, await sessionHeaders(t.deps.db, mu, t.clock.now(), 365 * 86_400_000));
    }
    const entities = new Set(
      checked()
        .map((r) => entityRule(r.policy!)?.entity)
        .filter((e): e is string => !!e),
    );
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
    const entities = [
      ...new Set(
        checked()
          .map((r) => entityRule(r.policy!)?.entity)
          .filter((e): e is string => !!e),
      ),
    ];
    expect(
      entities.filter((e) => !entityScopeResolver(e)),
      'register with registerEntityScope(entity, …)',
    ).toEqual([]);
    expect([...missingFixtures].map((e) => `no fixture for entity '${e}': add test/helpers/auth-matrix/${e}.ts (default export { entity, make })`)).toEqual([]);
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

  it("refuses every role that lacks a route's capability with 403", async () => {
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

  it("answers a record outside the caller's scope with the policy's 404, and one inside without it", async () => {
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
        noteSchema400(r, inside);
        if (inside.status === 401 || (inside.status === 403 && inside.code === 'FORBIDDEN') || isPolicy404(inside, rule.entity)) {
          wrong.push(`${describeRoute(r)} as ${role}, in scope → ${inside.status} ${inside.code ?? ''}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    gatheredFrom++;
  });

  it('scopes entity routes by level: a city user reaches records of every district, a community user none outside its community', async () => {
    // Every fixture record sits in 西陵街道 or 伍家岗街道, so both are inside 宜昌市 and both outside the
    // community 420502001001 (the in-scope one is in the same district and street, yet not the community's).
    const wrong: string[] = [];
    for (const r of checked()) {
      const rule = entityRule(r.policy!);
      const pair = rule && ids.get(rule.entity);
      if (!rule || !pair) continue;
      for (const role of ROLES) {
        if (!holds(role, r.policy!)) continue;
        for (const [where, id] of [
          ['same district', pair.inScope],
          ['other district', pair.outOfScope],
        ] as const) {
          const c = await call(r, citySessions.get(role)!, id);
          if (c.status === 401 || (c.status === 403 && c.code === 'FORBIDDEN') || isPolicy404(c, rule.entity))
            wrong.push(`${describeRoute(r)} as city ${role}, ${where} → ${c.status} ${c.code ?? ''}`);
          const m = await call(r, communitySessions.get(role)!, id);
          if (!isPolicy404(m, rule.entity)) wrong.push(`${describeRoute(r)} as community ${role}, ${where} → ${m.status} ${m.code ?? ''}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  /** One request with a given body (the write cases build their own). */
  async function send(method: string, url: string, headers: Record<string, string>, body: Record<string, unknown>): Promise<Answer> {
    const res = await t.app.inject({ method: method as 'POST', url, headers, payload: body });
    const json = (res.headers['content-type'] ?? '').toString().startsWith('application/json') ? res.json() : undefined;
    // A batch-style answer (testing tubes) reports a refusal inside a 200: `{ status: 'rejected', error }`.
    // (An entity whose own status is 'rejected', such as a rejected area, carries no `error`.)
    // A batch (scans) answers each item so: the first refused item stands for the answer.
    const item = Array.isArray(json?.items) ? json.items.find((x: { status?: string; error?: unknown }) => x?.status === 'rejected' && x.error) : undefined;
    const rejected = res.statusCode < 300 && ((json?.status === 'rejected' && json?.error !== undefined) || item !== undefined);
    const err = json?.error ?? item?.error;
    return { status: rejected ? 422 : res.statusCode, code: err?.code, details: err?.details };
  }
  const journalLength = async () =>
    Number(
      (
        await t.deps.db
          .selectFrom('journal')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('sends sensitive writes valid bodies: they succeed in scope, and every other id out of scope answers as a missing one and writes nothing', async () => {
    const wrong: string[] = [];
    for (const w of WRITE_CASES) {
      const route = checked().find((r) => `${r.method} ${r.url}` === w.route);
      if (!route) {
        wrong.push(`${w.route}: no such route`);
        continue;
      }
      const role = ROLES.find((x) => holds(x, route.policy!));
      if (!role) continue;
      const headers = sessions.get(role)!;
      const made = await w.make(t, city);
      for (const v of made.variants) {
        const before = await journalLength();
        const out = await send(route.method, v.outUrl ?? made.url, headers, v.outOfScope);
        const written = (await journalLength()) - before;
        const missing = await send(route.method, v.missingUrl ?? made.url, headers, v.missing);
        if (out.status !== missing.status || out.code !== missing.code || ![404, 422].includes(missing.status)) {
          wrong.push(`${w.route} as ${role}, ${v.field} out of scope → ${out.status} ${out.code ?? ''}; missing → ${missing.status} ${missing.code ?? ''}`);
        }
        if (written !== 0) wrong.push(`${w.route} as ${role}, ${v.field} out of scope wrote ${written} journal entries`);
      }
      const before = await journalLength();
      const ok = await send(route.method, made.url, headers, made.body);
      if (ok.status < 200 || ok.status > 299)
        wrong.push(`${w.route} as ${role}, valid body in scope → ${ok.status} ${ok.code ?? ''} ${JSON.stringify(ok.details ?? '')}`);
      else if ((await journalLength()) === before) wrong.push(`${w.route} as ${role}, valid body in scope journaled nothing`);
    }
    expect(wrong).toEqual([]);
  }, 300_000); // every sensitive write three ways per role: a bound for a loaded machine, not a speed claim

  it('answers a list filtered by an id out of scope exactly as one filtered by a missing id', async () => {
    // The id named in a query filter: an out-of-scope record must look like no record at all (same status
    // and code; for a list, as many items and the same total as for a missing id, i.e. none).
    const QUERY_IDS: { route: string; key: string; id: () => string | undefined }[] = [
      { route: 'GET /api/cases', key: 'clusterId', id: () => ids.get('case_cluster')?.outOfScope },
      { route: 'GET /api/contacts', key: 'caseId', id: () => ids.get('case')?.outOfScope },
      { route: 'GET /api/contacts', key: 'personId', id: () => ids.get('person')?.outOfScope },
      { route: 'GET /api/travellers', key: 'personId', id: () => ids.get('person')?.outOfScope },
      { route: 'GET /api/persons', key: 'jurisdictionId', id: () => city.otherStreet.id },
      { route: 'GET /api/quarantine/stays', key: 'facilityId', id: () => ids.get('quarantine_facility')?.outOfScope },
      { route: 'GET /api/quarantine/release-requests', key: 'stayId', id: () => ids.get('quarantine_stay')?.outOfScope },
      { route: 'GET /api/dashboard/today', key: 'jurisdictionId', id: () => city.otherStreet.id },
    ];
    const MISSING = '00000000-0000-7000-8000-0000000000fe';
    const wrong: string[] = [];
    for (const q of QUERY_IDS) {
      const route = checked().find((r) => describeRoute(r) === q.route);
      const id = q.id();
      if (!route || !id) {
        wrong.push(`${q.route}?${q.key}: no such route or no out-of-scope record`);
        continue;
      }
      for (const role of ROLES) {
        if (!holds(role, route.policy!)) continue;
        const get = async (v: string) => {
          const res = await t.app.inject({ method: 'GET', url: `${route.url}?${q.key}=${encodeURIComponent(v)}`, headers: sessions.get(role)! });
          const body = res.json() as { items?: unknown[]; total?: number; error?: { code?: string } };
          return `${res.statusCode} ${body.error?.code ?? ''} items ${body.items?.length ?? '-'} total ${body.total ?? '-'}`;
        };
        const [out, missing] = [await get(id), await get(MISSING)];
        if (out !== missing) wrong.push(`${q.route}?${q.key} as ${role}: out of scope → ${out}; missing → ${missing}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives list routes a total that counts only what the caller may see, at city, district and community level', async () => {
    // Every list answer that carries `items` and `total` and no further page must have total = items.length:
    // a total that counted rows the scope filter then dropped would leak how many there are elsewhere.
    const wrong: string[] = [];
    let lists = 0;
    const totals = new Map<string, number>();
    // Lists whose default view is not a scope: the task list defaults to the caller's unit's inbox
    // (a city unit's inbox does not hold a district unit's tasks), so it is read as `box=all`.
    const LIST_QUERY: Record<string, string> = { 'GET /api/tasks': 'box=all' };
    for (const r of checked()) {
      if (r.method !== 'GET' || 'public' in r.policy! || r.policy!.scope !== 'filtered' || r.url.includes(':')) continue;
      for (const [level, byRole] of [
        ['city', citySessions],
        ['district', sessions],
        ['community', communitySessions],
      ] as const) {
        for (const role of ROLES) {
          if (!holds(role, r.policy!)) continue;
          const extra = LIST_QUERY[describeRoute(r)] ?? '';
          const get = (q: string) => t.app.inject({ method: 'GET', url: r.url + q + (extra ? `${q ? '&' : '?'}${extra}` : ''), headers: byRole.get(role)! });
          // Offset-paged lists (pageSize or limit) are asked for their largest page, so one page holds
          // everything here; a list that ignores one of the two names keeps its default page, so the
          // answer with the most items counts.
          let res = await get('');
          for (const q of ['?pageSize=200', '?limit=200']) {
            const bigger = await get(q);
            if (bigger.statusCode !== 200 || !String(bigger.headers['content-type'] ?? '').startsWith('application/json')) continue;
            const n = (bigger.json() as { items?: unknown[] }).items?.length ?? 0;
            if (res.statusCode !== 200 || n > ((res.json() as { items?: unknown[] }).items?.length ?? 0)) res = bigger;
          }
          if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').startsWith('application/json')) continue;
          const body = res.json() as { items?: unknown; total?: unknown; nextCursor?: unknown; next?: unknown };
          if (!Array.isArray(body.items) || typeof body.total !== 'number') continue;
          lists++;
          const more = body.nextCursor != null || body.next != null;
          if (more ? body.total < body.items.length : body.total !== body.items.length)
            wrong.push(`${describeRoute(r)} as ${level} ${role}: ${body.items.length} items, total ${body.total}`);
          totals.set(`${describeRoute(r)} ${role} ${level}`, body.total);
        }
      }
    }
    // A narrower scope never counts more: community ≤ district ≤ city, role by role.
    for (const [key, district] of totals) {
      if (!key.endsWith(' district')) continue;
      const base = key.slice(0, -' district'.length);
      const [cityTotal, community] = [totals.get(`${base} city`), totals.get(`${base} community`)];
      if (cityTotal !== undefined && cityTotal < district) wrong.push(`${base}: city total ${cityTotal} < district total ${district}`);
      if (community !== undefined && community > district) wrong.push(`${base}: community total ${community} > district total ${district}`);
    }
    expect(lists).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  }, 300_000); // hundreds of requests per role and level: a bound for a loaded machine, not a speed claim

  it('lets every role holding the capability through routes that are not entity-scoped, without a 5xx anywhere', async () => {
    const wrong: string[] = [];
    for (const r of checked()) {
      if ('public' in r.policy!) continue;
      const rule = entityRule(r.policy!);
      if (rule && !ids.get(rule.entity)) continue;
      for (const role of ROLES) {
        if (!holds(role, r.policy!)) continue;
        const a = await call(r, sessions.get(role)!, rule ? ids.get(rule.entity)!.inScope : undefined);
        noteSchema400(r, a);
        if (a.status === 401 || (a.status === 403 && a.code === 'FORBIDDEN') || a.status >= 500)
          wrong.push(`${describeRoute(r)} as ${role} → ${a.status} ${a.code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
    gatheredFrom++;
  });

  it("reaches every write's service with a valid body, except the listed ones still to do (a ratchet)", (ctx) => {
    if (gatheredFrom < 2) return ctx.skip();
    // Runs after the scope tests above, which gather the writes whose in-scope call stopped at the schema.
    const covered = new Set(WRITE_CASES.map((w) => w.route));
    const known = Object.keys(WRITES_WITHOUT_BODY);
    expect([...stoppedAtSchema].filter((r) => !covered.has(r) && !known.includes(r)).sort(), 'add a case to test/helpers/auth-matrix/_writes.ts').toEqual([]);
    expect(
      known.filter((r) => !stoppedAtSchema.has(r)),
      'no longer stops at the schema: remove from WRITES_WITHOUT_BODY',
    ).toEqual([]);
    expect(
      known.filter((r) => covered.has(r)),
      'has a write case: remove from WRITES_WITHOUT_BODY',
    ).toEqual([]);
  });
});
