import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JurisdictionDto } from '../../../common/geo.js';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { seedDemoCity } from '../../demo/city.js';
import { metresBetween } from './geo.service.js';

function actorAt(path: string, roles: Role[]): Actor {
  return { kind: 'user', userId: 'u', name: 'tester', unitId: null, roles, capabilities: capabilitiesOf(roles), scopePath: path, sessionId: null };
}

/** Deterministic points (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Node {
  id: string;
  code: string;
  path: string;
  level: string;
  c: [number, number];
}

describe.each(DIALECTS)('geo nearest() [%s]', (dialect) => {
  let t: TestApp;
  let nodes: Node[];
  let xiling: JurisdictionDto;
  const system = systemActor('test');

  /** The answer by brute force over every node (what nearest() must agree with). */
  function bruteForce(pt: [number, number], levels: string[], max: number, under = '/'): { id: string; metres: number } | undefined {
    let best: Node | undefined;
    let bestD = Infinity;
    for (const n of nodes) {
      if (!levels.includes(n.level) || !n.path.startsWith(under)) continue;
      const d = metresBetween(pt, n.c);
      if (d < bestD || (d === bestD && best && n.code < best.code)) [best, bestD] = [n, d];
    }
    return best && bestD <= max ? { id: best.id, metres: bestD } : undefined;
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    await seedDemoCity(t.deps, undefined, { residents: 200 });
    xiling = (await t.deps.services.geo.getByCode('420502'))!;
    const rows = await t.deps.db
      .selectFrom('jurisdictions')
      .select(['id', 'code', 'path', 'level', 'centroid_lng', 'centroid_lat'])
      .where('level', 'in', ['compound', 'building'])
      .execute();
    nodes = rows
      .filter((r) => r.centroid_lng !== null)
      .map((r) => ({ id: r.id, code: r.code, path: r.path, level: r.level, c: [Number(r.centroid_lng), Number(r.centroid_lat)] }));
  });
  afterAll(() => t.close());

  it('finds the same building or compound as a full scan, at every distance, and nothing past maxMetres', async () => {
    expect(nodes.length).toBeGreaterThan(40);
    const rand = rng(7);
    let hits = 0;
    for (let i = 0; i < 60; i++) {
      // Points near a random node (a few metres to a few kilometres off), so near and far cases both occur.
      const base = nodes[Math.floor(rand() * nodes.length)]!;
      const off = [(rand() - 0.5) * 0.002 * 10 ** (rand() * 1.6), (rand() - 0.5) * 0.002 * 10 ** (rand() * 1.6)];
      const pt: [number, number] = [base.c[0] + off[0]!, base.c[1] + off[1]!];
      for (const [levels, max] of [
        [['building', 'compound'], 2000],
        [['compound'], 300],
        [['building'], 50],
      ] as const) {
        const want = bruteForce(pt, [...levels], max);
        const got = await t.deps.services.geo.nearest(system, pt, { levels: [...levels], maxMetres: max });
        expect(got?.node.id, `point ${pt} levels ${levels} max ${max}`).toBe(want?.id);
        if (want) {
          expect(got!.metres).toBeCloseTo(want.metres, 0);
          hits++;
        }
      }
    }
    expect(hits).toBeGreaterThan(30);
    // Far outside the city: nothing, even with a wide radius.
    expect(await t.deps.services.geo.nearest(system, [100, 20], { maxMetres: 20_000 })).toBeUndefined();
  });

  it("only finds nodes inside the caller's jurisdiction and under the given path", async () => {
    const outside = nodes.find((n) => !n.path.startsWith(xiling.path) && n.level === 'building')!;
    const officer = actorAt(xiling.path, ['district_officer']);
    // Standing on a building of another district, a 西陵区 officer gets their own district's nearest node (or none).
    const got = await t.deps.services.geo.nearest(officer, outside.c, { maxMetres: 20_000 });
    const want = bruteForce(outside.c, ['building', 'compound'], 20_000, xiling.path);
    expect(got?.node.id).toBe(want?.id);
    expect(got?.node.path.startsWith(xiling.path) ?? true).toBe(true);
    expect((await t.deps.services.geo.nearest(system, outside.c, { maxMetres: 5 }))!.node.id).toBe(outside.id);
    // `under` narrows further; a path outside the scope finds nothing.
    const compound = outside.path.split('/').filter(Boolean).slice(0, 5);
    const underPath = `/${compound.join('/')}/`;
    const inCompound = await t.deps.services.geo.nearest(system, outside.c, { levels: ['building'], under: underPath });
    expect(inCompound!.node.path.startsWith(underPath)).toBe(true);
    expect(await t.deps.services.geo.nearest(officer, outside.c, { under: underPath, maxMetres: 20_000 })).toBeUndefined();
  });

  it('GET /api/geo/nearest answers within the caller scope, null when nothing is near', async () => {
    const user = await buildUser(t.deps.db, {
      unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: { id: xiling.id, code: xiling.code, path: xiling.path, name: xiling.name } }),
      roles: ['district_officer'],
    });
    const headers = await sessionHeaders(t.deps.db, user, t.clock.now());
    const mine = nodes.find((n) => n.path.startsWith(xiling.path) && n.level === 'building')!;
    const res = await t.app.inject({ method: 'GET', url: `/api/geo/nearest?lng=${mine.c[0]}&lat=${mine.c[1]}&maxMetres=100`, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ node: { id: mine.id, level: 'building' }, metres: 0 });
    const far = await t.app.inject({ method: 'GET', url: '/api/geo/nearest?lng=100&lat=20', headers });
    expect(far.json()).toEqual({ node: null, metres: null });
    expect((await t.app.inject({ method: 'GET', url: '/api/geo/nearest?lng=500&lat=20', headers })).statusCode).toBe(400);
  });
});
