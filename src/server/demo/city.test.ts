import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { systemActor } from '../platform/actor.js';
import { distanceToBoundary, fromPolygon, pointInRing, bbox, type Pt, type Ring } from '../modules/geo/geometry.js';
import { validateResidentId } from '../modules/population/resident-id.js';
import { addResidents, residentInput } from '../modules/population/population.test-helpers.js';
import { Rng, apportion, areaKm2, planDemoCity, seedDemoCity, YICHANG } from './city.js';

/** Tolerance for "on the boundary": coordinates are rounded to 1e-6 degrees. */
const EPS = 2e-6;

interface NodeRow {
  id: string;
  code: string;
  name: string;
  level: string;
  kind: string | null;
  parent_id: string | null;
  path: string;
  population: number;
  geometry: string | null;
}

async function allNodes(env: TestEnv): Promise<NodeRow[]> {
  const rows = await env.deps.db
    .selectFrom('jurisdictions')
    .select(['id', 'code', 'name', 'level', 'kind', 'parent_id', 'path', 'population', 'geometry'])
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ ...r, population: Number(r.population) }));
}

/** What must be equal between two runs: everything but the random ids. */
async function signature(env: TestEnv) {
  const nodes = (await allNodes(env)).map((n) => [n.code, n.name, n.level, n.kind, n.path, n.population, n.geometry].join('|'));
  const persons = await env.deps.db
    .selectFrom('persons')
    .select(['name', 'id_masked', 'phone_masked', 'birth_year', 'sex', 'resident', 'jurisdiction_path', 'room', 'vulnerable_flags', 'tags', 'region_of_origin'])
    .execute();
  const people = persons.map((p) => Object.values(p).join('|')).sort();
  const households = (await env.deps.db.selectFrom('households').select(['jurisdiction_path', 'room']).execute())
    .map((h) => `${h.jurisdiction_path}|${h.room}`)
    .sort();
  return { nodes, people, households };
}

/** The recount: persons per node from the rows themselves, expanded to every ancestor. */
async function expectCountersMatchRecount(env: TestEnv): Promise<void> {
  const direct = await env.deps.services.population.countByPath();
  const expected = new Map<string, number>();
  for (const [path, n] of direct) {
    let acc = '/';
    for (const p of path.split('/').filter(Boolean)) {
      acc += `${p}/`;
      expected.set(acc, (expected.get(acc) ?? 0) + n);
    }
  }
  const wrong = (await allNodes(env))
    .filter((n) => n.population !== (expected.get(n.path) ?? 0))
    .map((n) => `${n.path}: ${n.population} ≠ ${expected.get(n.path) ?? 0}`);
  expect(wrong).toEqual([]);
}

/** Points well inside a ring (at least `margin` from its edges), drawn deterministically. */
function interiorSamples(rng: Rng, ring: Ring, k: number): Pt[] {
  const [x0, y0, x1, y1] = bbox(ring);
  const margin = Math.min(1e-5, (x1 - x0) / 10, (y1 - y0) / 10);
  const out: Pt[] = [];
  for (let i = 0; i < k * 50 && out.length < k; i++) {
    const p: Pt = [rng.range(x0, x1), rng.range(y0, y1)];
    if (pointInRing(p, ring) && distanceToBoundary(p, ring) > margin) out.push(p);
  }
  return out;
}

describe('demo city plan (no database)', () => {
  it('is deterministic, places exactly the requested residents and scales the tree with them', () => {
    const sig = (n: number) => {
      const plan = planDemoCity({ residents: n });
      const nodes: string[] = [];
      const people: string[] = [];
      for (const d of plan.districts()) {
        nodes.push(...d.nodes.map((x) => `${x.code}|${x.name}|${JSON.stringify(x.ring)}`));
        people.push(...d.batches.flat().map((p) => `${p.name}|${p.idNumber}|${p.birthDate}|${p.phone}`));
      }
      return { nodes, people };
    };
    const a = sig(2000);
    const b = sig(2000);
    expect(a).toEqual(b);
    expect(a.people).toHaveLength(2000);
    expect(new Set(a.people.map((p) => p.split('|')[1])).size).toBe(2000);
    const bigger = sig(8000);
    expect(bigger.people).toHaveLength(8000);
    expect(bigger.nodes.length).toBeGreaterThan(a.nodes.length);
    const otherSeed = planDemoCity({ residents: 2000, seed: 'another' });
    const first = otherSeed.districts().next().value!;
    expect(first.nodes.map((x: { name: string }) => x.name)).not.toEqual(a.nodes.slice(0, first.nodes.length).map((x) => x.split('|')[1]));
  });

  it('models 宜昌市 as it is: the real districts, streets and communities with their statistical codes, inside the real outlines', () => {
    const plan = planDemoCity({ residents: 0 });
    expect(plan.city).toMatchObject({ code: '420500', name: '宜昌市', level: 'city' });
    // The real outline: about 110.26–112.09 E, 29.94–31.57 N, thousands of vertices (not a sketch).
    expect(plan.city.ring!.length).toBeGreaterThan(3000);
    expect(YICHANG.bounds.map((x) => Math.round(x * 10) / 10)).toEqual([110.3, 29.9, 112.1, 31.6]);
    const plans = [...plan.districts()];
    const districts = plans.map((d) => d.nodes[0]);
    expect(districts.map((d) => `${d.code} ${d.name} ${d.kind}`)).toEqual([
      '420502 西陵区 district',
      '420503 伍家岗区 district',
      '420504 点军区 district',
      '420505 猇亭区 district',
      '420506 夷陵区 district',
      '420525 远安县 county',
      '420526 兴山县 county',
      '420527 秭归县 county',
      '420528 长阳土家族自治县 county',
      '420529 五峰土家族自治县 county',
      '420581 宜都市 county_city',
      '420582 当阳市 county_city',
      '420583 枝江市 county_city',
      '420571 宜昌高新区 zone',
    ]);
    // Areas of the real outlines (km², ± the source's 1/1024° quantisation): 西陵区 is small, 夷陵区 large.
    const km2 = new Map(districts.map((d) => [d.code, areaKm2(d.ring!)]));
    expect(km2.get('420502')!).toBeGreaterThan(60);
    expect(km2.get('420502')!).toBeLessThan(130);
    expect(km2.get('420506')!).toBeGreaterThan(3000);
    expect(pointInRing(YICHANG.centre, districts[0].ring!)).toBe(true);
    const all = plans.flatMap((d) => d.nodes);
    const streets = all.filter((n) => n.level === 'street');
    const communities = all.filter((n) => n.level === 'community');
    // 113 real streets/towns/townships and 1,650 real communities/villages, plus the zone's 2 and 12.
    expect(streets.filter((n) => !n.localCode)).toHaveLength(113);
    expect(communities.filter((n) => !n.localCode)).toHaveLength(1650);
    expect(streets.filter((n) => n.localCode)).toHaveLength(2);
    const byCode = new Map(all.map((n) => [n.code, n]));
    expect(byCode.get('420502001000')).toMatchObject({ name: '西陵街道', level: 'street', kind: 'street' });
    expect(byCode.get('420502001001')).toMatchObject({ name: '土街头社区', level: 'community', kind: 'community' });
    expect(byCode.get('420506105000')).toMatchObject({ name: '三斗坪镇', kind: 'town' });
    expect(communities.filter((n) => n.kind === 'village').every((n) => n.name.endsWith('村'))).toBe(true);
    expect(communities.some((n) => /委员会|居委会|村委会/.test(n.name))).toBe(false);
    for (const n of [...streets, ...communities]) {
      if (n.localCode) expect(n.code.startsWith('420571')).toBe(true);
      else expect(n.code).toMatch(/^4205\d{8}$/);
    }
    // 宜昌高新区's code is local: the zone and everything under it say so; no real division does.
    expect(all.filter((n) => n.localCode).every((n) => n.path.startsWith('/420500/420571/'))).toBe(true);
    expect(districts.find((d) => d.code === '420571')!.localCode).toBe(true);
    // The zone's land is carved out of 夷陵区.
    const yiling = districts.find((d) => d.code === '420506')!.ring!;
    for (const v of districts.find((d) => d.code === '420571')!.ring!) expect(pointInRing(v, yiling) || distanceToBoundary(v, yiling) <= EPS).toBe(true);
  });

  it('spreads the residents over the districts in proportion to their population (宜昌市 ≈ 4.02 million) and never gives an ID the zone code 420571', () => {
    const plan = planDemoCity({ residents: 40_170 });
    const per = new Map<string, number>();
    for (const d of plan.districts()) {
      per.set(d.spec.code, d.persons);
      for (const p of d.batches.flat()) {
        expect(p.idNumber.startsWith('420571')).toBe(false);
        if (p.resident) expect(p.idNumber.slice(0, 6)).toBe(d.spec.code === '420571' ? '420506' : d.spec.code);
      }
    }
    // 1 demo resident ≈ 100 real ones. Weights (10,000s, geo-data/yichang-population.json): 西陵区 51.2 and
    // 枝江市 49.5 of 405.4; 宜昌高新区 3% of the city, taken from 夷陵区's 52.0.
    const near = (code: string, expected: number) => expect(Math.abs(per.get(code)! - expected), code).toBeLessThan(2);
    near('420502', (40_170 * 51.2) / 405.4);
    near('420583', (40_170 * 49.5) / 405.4);
    near('420571', 40_170 * 0.03);
    near('420506', (40_170 * (52.0 - 405.4 * 0.03)) / 405.4);
    expect([...per.values()].reduce((s, n) => s + n, 0)).toBe(40_170);
  });

  it('generates plausible people: valid IDs with the district as region, households of 1–5, ~8% vulnerable skewed to the elderly', () => {
    const plan = planDemoCity({ residents: 30_000 });
    let vulnerable = 0;
    let elderly = 0;
    let elderlyVulnerable = 0;
    let total = 0;
    for (const d of plan.districts()) {
      const rooms = new Map<string, number>();
      for (const p of d.batches.flat()) {
        total++;
        const v = validateResidentId(p.idNumber, '2026-11-29', { birthDate: p.birthDate, sex: p.sex });
        expect(v.ok, p.idNumber).toBe(true);
        if (p.resident) {
          expect(p.idNumber.slice(0, 6)).toBe(d.spec.idRegion);
          const key = `${p.address!.jurisdictionId}|${p.address!.room}`;
          rooms.set(key, (rooms.get(key) ?? 0) + 1);
        } else expect(p.regionOfOrigin).toBeTruthy();
        const old = p.birthDate <= '1961-11-01';
        if (old) elderly++;
        if (p.vulnerable?.length) {
          vulnerable++;
          if (old) elderlyVulnerable++;
        }
      }
      for (const n of rooms.values()) expect(n).toBeLessThanOrEqual(5);
    }
    expect(total).toBe(30_000);
    expect(vulnerable / total).toBeGreaterThan(0.06);
    expect(vulnerable / total).toBeLessThan(0.1);
    expect(elderlyVulnerable / elderly).toBeGreaterThan((vulnerable / total) * 2);
  });

  it('apportions totals exactly', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(0, [5, 2])).toEqual([0, 0]);
    expect(apportion(7, [52, 29, 10]).reduce((s, x) => s + x, 0)).toBe(7);
  });
});

describe.each(DIALECTS)('demo city [%s]', (dialect) => {
  let env: TestEnv;
  let progress: [number, number, string][];
  beforeAll(async () => {
    env = await testEnv(dialect);
    progress = [];
    await seedDemoCity(env.deps, (done, total, what) => progress.push([done, total, what]), { residents: 3000 });
  });
  afterAll(() => env.close());

  it('loads the whole tree and the residents, reporting progress up to the total', async () => {
    expect(await env.deps.services.population.count()).toBe(3000);
    const levels = await env.deps.db
      .selectFrom('jurisdictions')
      .select(['level', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('level')
      .execute();
    const by = Object.fromEntries(levels.map((l) => [l.level, Number(l.n)]));
    expect(by.city).toBe(1);
    expect(by.district).toBe(14);
    for (const l of ['street', 'community', 'compound', 'building', 'entrance']) expect(by[l]).toBeGreaterThan(by.district - 1);
    expect(progress.at(-1)!.slice(0, 2)).toEqual([3000, 3000]);
    for (let i = 1; i < progress.length; i++) expect(progress[i][0]).toBeGreaterThanOrEqual(progress[i - 1][0]);
    expect(progress.some((p) => p[2].includes('西陵区'))).toBe(true);
    const journal = await env.deps.services.journal.list(env.deps.db, { action: 'population.person.import', limit: 1000 });
    expect(journal.reduce((s, e) => s + (e.batchCount ?? 0), 0)).toBe(3000);
    expect((await env.deps.services.journal.verify()).ok).toBe(true);
  });

  it('uses the documented code scheme on every level', async () => {
    const nodes = await allNodes(env);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const len: Record<string, number> = { city: 6, district: 6, street: 12, community: 12, compound: 15, building: 17, entrance: 18 };
    for (const n of nodes) {
      expect(n.code).toMatch(new RegExp(`^\\d{${len[n.level]}}$`));
      const parent = n.parent_id ? byId.get(n.parent_id)! : undefined;
      expect(n.path).toBe(`${parent ? parent.path : '/'}${n.code}/`);
      if (n.level === 'street') expect(n.code.startsWith(parent!.code) && n.code.endsWith('000')).toBe(true);
      if (n.level === 'community') expect(n.code.slice(0, 9)).toBe(parent!.code.slice(0, 9));
      if (['compound', 'building', 'entrance'].includes(n.level)) expect(n.code.startsWith(parent!.code)).toBe(true);
      // Real names: 街道, 镇 and 乡, and three special areas (三峡坝区, 东城城乡统筹发展试验区, 松宜矿区管理委员会).
      if (n.level === 'street') expect(n.name).toMatch(n.kind === 'special' ? /(区|委员会)$/ : /(街道|镇|乡)$/);
      // Real names: 社区 and 村, and three forest farms' 生活区.
      if (n.level === 'community') expect(n.name).toMatch(n.kind === 'village' ? /村$/ : /(社区|生活区)$/);
      if (n.level === 'building') expect(n.name).toMatch(/^\d+(栋|号)$/);
      if (n.level === 'entrance') expect(n.name).toMatch(/^\d单元$/);
    }
  });

  it('nests every polygon inside its parent, and siblings never overlap', async () => {
    const nodes = await allNodes(env);
    const rings = new Map(nodes.filter((n) => n.geometry).map((n) => [n.id, fromPolygon(JSON.parse(n.geometry!))]));
    expect(rings.size).toBe(nodes.length);
    const children = new Map<string, NodeRow[]>();
    for (const n of nodes) if (n.parent_id) children.set(n.parent_id, [...(children.get(n.parent_id) ?? []), n]);
    const rng = new Rng('overlap-samples');
    let checkedPoints = 0;
    for (const [parentId, kids] of children) {
      const parent = rings.get(parentId)!;
      for (const k of kids) {
        for (const v of rings.get(k.id)!) {
          const ok = pointInRing(v, parent) || distanceToBoundary(v, parent) <= EPS;
          expect(ok, `${k.code} vertex ${v} outside its parent`).toBe(true);
        }
      }
      for (const k of kids) {
        for (const p of interiorSamples(rng, rings.get(k.id)!, 4)) {
          checkedPoints++;
          for (const s of kids) {
            if (s.id === k.id) continue;
            // 宜昌高新区 administers land inside 夷陵区 (its outline is carved from it); their streets never overlap.
            if ([k.code, s.code].sort().join() === '420506,420571') continue;
            const ring = rings.get(s.id)!;
            const inside = pointInRing(p, ring) && distanceToBoundary(p, ring) > EPS;
            expect(inside, `${k.code} overlaps ${s.code} at ${p}`).toBe(false);
          }
        }
      }
    }
    expect(checkedPoints).toBeGreaterThan(nodes.length);
  });

  it('keeps the population counters equal to a full recount after seeding and after adding persons', async () => {
    await expectCountersMatchRecount(env);
    const entrances = await env.deps.db.selectFrom('jurisdictions').select(['id', 'path']).where('level', '=', 'entrance').orderBy('code').limit(5).execute();
    await addResidents(
      env,
      entrances.map((e) => residentInput(e.id, { region: e.path.split('/')[2], room: '9901' })),
    );
    await env.deps.services.population.create(
      undefined,
      systemActor('test'),
      residentInput(entrances[0].id, { region: entrances[0].path.split('/')[2], room: '9902' }),
    );
    expect(await env.deps.services.population.count()).toBe(3006);
    await expectCountersMatchRecount(env);
  });

  it('gives residents valid IDs of their district and households of 1–5', async () => {
    const sample = await env.deps.db
      .selectFrom('persons')
      .select(['id', 'birth_year', 'sex', 'jurisdiction_path', 'resident'])
      .where('resident', '=', 1)
      .orderBy('id_hmac')
      .limit(40)
      .execute();
    for (const p of sample) {
      const { value } = await env.deps.services.population.reveal(undefined, systemActor('test'), p.id, 'idNumber', '测试核对');
      const v = validateResidentId(value, '2026-11-29', { sex: p.sex as 'male' | 'female' });
      expect(v.ok).toBe(true);
      expect(value.slice(6, 10)).toBe(String(p.birth_year));
      const district = p.jurisdiction_path.split('/')[2];
      expect(value.slice(0, 6)).toBe(district === '420571' ? '420506' : district);
    }
    const sizes = await env.deps.db
      .selectFrom('persons')
      .select(['household_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('household_id', 'is not', null)
      .groupBy('household_id')
      .execute();
    expect(Math.max(...sizes.map((s) => Number(s.n)))).toBeLessThanOrEqual(5);
  });
});

describe.each(DIALECTS)('demo city determinism [%s]', (dialect) => {
  it('two runs give the same codes, names, shapes, counts and people', async () => {
    const a = await testEnv(dialect);
    const b = await testEnv(dialect);
    try {
      const ra = await seedDemoCity(a.deps, undefined, { residents: 500 });
      const rb = await seedDemoCity(b.deps, undefined, { residents: 500 });
      expect(ra).toEqual(rb);
      expect(ra.residents).toBe(500);
      const [sa, sb] = [await signature(a), await signature(b)];
      expect(sa.nodes.length).toBe(ra.jurisdictions);
      expect(sa.people).toHaveLength(500);
      expect(sa).toEqual(sb);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
