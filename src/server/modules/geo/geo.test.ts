import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JurisdictionDto } from '../../../common/geo.js';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { entityScopeResolver } from '../../platform/http/policy.js';
import { seedDemoCity } from '../../demo/city.js';

function ref(d: JurisdictionDto): JurisdictionRef {
  return { id: d.id, code: d.code, path: d.path, name: d.name };
}

function actorAt(path: string, roles: Role[]): Actor {
  return { kind: 'user', userId: 'u', name: 'tester', unitId: null, roles, capabilities: capabilitiesOf(roles), scopePath: path, sessionId: null };
}

describe.each(DIALECTS)('geo [%s]', (dialect) => {
  let t: TestApp;
  let city: JurisdictionDto;
  let xiling: JurisdictionDto;
  let wujiagang: JurisdictionDto;
  let admin: Record<string, string>;
  let officer: Record<string, string>;
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    t = await testApp(dialect);
    await seedDemoCity(t.deps, undefined, { residents: 400 });
    const geo = t.deps.services.geo;
    city = (await geo.getByCode('420500'))!;
    xiling = (await geo.getByCode('420502'))!;
    wujiagang = (await geo.getByCode('420503'))!;
    const now = t.clock.now();
    admin = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '市指挥部', jurisdiction: ref(city) }), roles: ['admin'] }),
      now,
    );
    officer = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: ref(xiling) }), roles: ['district_officer'] }),
      now,
    );
  });
  afterAll(() => t.close());

  it('browses from the city down; a district user sees the city and their own district only', async () => {
    const roots = (await get('/api/geo/jurisdictions', officer)).json().items;
    expect(roots.map((r: JurisdictionDto) => r.code)).toEqual(['420500']);
    expect(roots[0]).toMatchObject({ name: '宜昌市', level: 'city', depth: 0, parentId: null, path: '/420500/' });
    expect(roots[0].centroid[0]).toBeGreaterThan(110.25);
    const all = (await get(`/api/geo/jurisdictions?parentId=${city.id}`, admin)).json().items;
    expect(all).toHaveLength(14);
    const mine = (await get(`/api/geo/jurisdictions?parentId=${city.id}`, officer)).json().items;
    expect(mine.map((r: JurisdictionDto) => r.code)).toEqual(['420502']);
    const streets = (await get(`/api/geo/jurisdictions?parentId=${xiling.id}`, officer)).json().items;
    expect(streets.length).toBeGreaterThan(0);
    expect(streets.every((s: JurisdictionDto) => s.level === 'street' && s.parentId === xiling.id)).toBe(true);
    expect((await get(`/api/geo/jurisdictions?parentId=${wujiagang.id}`, officer)).statusCode).toBe(404);
  });

  it('pages through every node of a subtree at the chosen levels, once each, in path order', async () => {
    const geo = t.deps.services.geo;
    const levels = ['district', 'street', 'community', 'compound', 'building'] as const;
    const pages: JurisdictionDto[][] = [];
    for await (const page of geo.nodesUnder(xiling.path, levels, 3)) pages.push(page);
    const nodes = pages.flat();
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
    const paths = nodes.map((n) => n.path);
    expect(paths).toEqual([...paths].sort());
    expect(new Set(paths).size).toBe(paths.length);
    expect(nodes[0].path).toBe(xiling.path);
    expect(nodes.every((n) => n.path.startsWith(xiling.path) && (levels as readonly string[]).includes(n.level))).toBe(true);
    const counts = (await geo.detail(systemActor(), xiling.id)).childCounts;
    expect(nodes.length).toBe(1 + counts.street! + counts.community! + counts.compound! + counts.building!);
  });

  it('searches by level and text within what the caller may read', async () => {
    const districts = (await get('/api/geo/jurisdictions?level=district', officer)).json().items;
    expect(districts.map((d: JurisdictionDto) => d.code)).toEqual(['420502']);
    const allStreets = (await get('/api/geo/jurisdictions?level=street&limit=5000', admin)).json().items;
    const myStreets = (await get('/api/geo/jurisdictions?level=street&limit=5000', officer)).json().items;
    expect(myStreets.length).toBeLessThan(allStreets.length);
    expect(myStreets.every((s: JurisdictionDto) => s.path.startsWith(xiling.path))).toBe(true);
    const byName = (await get(`/api/geo/jurisdictions?q=${encodeURIComponent('伍家岗')}`, admin)).json().items;
    expect(byName[0].code).toBe('420503');
    expect((await get(`/api/geo/jurisdictions?q=${encodeURIComponent('伍家岗')}`, officer)).json().items).toEqual([]);
    const byCode = (await get('/api/geo/jurisdictions?q=4205020', officer)).json().items;
    expect(byCode.length).toBeGreaterThan(0);
    expect(byCode.every((n: JurisdictionDto) => n.code.startsWith('4205020'))).toBe(true);
  });

  it('details a node: breadcrumbs, descendant counts, population; a compound lists its buildings with vulnerable counts', async () => {
    const compound = await t.deps.db
      .selectFrom('jurisdictions')
      .select(['id', 'path'])
      .where('level', '=', 'compound')
      .where('kind', '=', 'urban')
      .where('path', 'like', `${xiling.path}%`)
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const res = await get(`/api/geo/jurisdictions/${compound.id}`, officer);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.ancestors.map((a: JurisdictionDto) => a.level)).toEqual(['city', 'district', 'street', 'community']);
    expect(d.ancestors[1].code).toBe('420502');
    const rows = await t.deps.db
      .selectFrom('jurisdictions')
      .select(['level'])
      .where('path', 'like', `${compound.path}%`)
      .where('path', '<>', compound.path)
      .execute();
    expect(d.childCounts.building).toBe(rows.filter((r) => r.level === 'building').length);
    expect(d.childCounts.entrance).toBe(rows.filter((r) => r.level === 'entrance').length);
    const persons = await t.deps.db
      .selectFrom('persons')
      .select(['building_id', 'vulnerable_flags'])
      .where('jurisdiction_path', 'like', `${compound.path}%`)
      .execute();
    expect(d.population).toBe(persons.length);
    expect(d.buildings.length).toBe(d.childCounts.building);
    for (const b of d.buildings) {
      expect(b.population).toBe(persons.filter((p) => p.building_id === b.id).length);
      expect(b.vulnerable).toBe(persons.filter((p) => p.building_id === b.id && Number(p.vulnerable_flags) !== 0).length);
    }
    const cityDetail = (await get(`/api/geo/jurisdictions/${city.id}`, officer)).json();
    expect(cityDetail.ancestors).toEqual([]);
    expect(cityDetail.buildings).toBeNull();
    expect(cityDetail.childCounts.district).toBe(14);
    expect((await get(`/api/geo/jurisdictions/${wujiagang.id}`, officer)).statusCode).toBe(404);
    expect((await get('/api/geo/jurisdictions/nope', officer)).statusCode).toBe(404);
  });

  it('serves districts as GeoJSON by default, any level under a root, within scope, with a cap', async () => {
    const fc = (await get('/api/geo/geojson', admin)).json();
    expect(fc).toMatchObject({ type: 'FeatureCollection', truncated: false, total: 14 });
    expect(fc.features).toHaveLength(14);
    const f = fc.features.find((x: { properties: { code: string } }) => x.properties.code === '420502');
    expect(f.geometry.type).toBe('Polygon');
    expect(f.properties).toEqual({
      id: xiling.id,
      code: '420502',
      name: '西陵区',
      level: 'district',
      kind: 'district',
      population: xiling.population,
      localCode: false,
    });
    // 宜昌高新区's 420571 is not a GB/T 2260 code: the feature and the node say so, and so do its streets.
    const zone = fc.features.find((x: { properties: { code: string } }) => x.properties.code === '420571');
    expect(zone.properties).toMatchObject({ name: '宜昌高新区', kind: 'zone', localCode: true });
    const zoneStreets = (await get(`/api/geo/jurisdictions?parentId=${zone.properties.id}`, admin)).json().items;
    expect(zoneStreets.length).toBeGreaterThan(0);
    expect(zoneStreets.every((x: JurisdictionDto) => x.localCode && x.code.startsWith('420571'))).toBe(true);
    expect((await get(`/api/geo/jurisdictions/${xiling.id}`, admin)).json().node.localCode).toBe(false);
    expect((await get('/api/geo/geojson', officer)).json().features.map((x: { properties: { code: string } }) => x.properties.code)).toEqual(['420502']);
    const buildings = (await get(`/api/geo/geojson?rootId=${xiling.id}&level=building`, officer)).json();
    const n = await t.deps.db
      .selectFrom('jurisdictions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('level', '=', 'building')
      .where('path', 'like', `${xiling.path}%`)
      .executeTakeFirstOrThrow();
    expect(buildings.features.length).toBe(Number(n.n));
    expect((await get(`/api/geo/geojson?rootId=${wujiagang.id}`, officer)).statusCode).toBe(404);
    expect((await get('/api/geo/geojson?level=province', admin)).statusCode).toBe(400);
    const capped = await t.deps.services.geo.geojson(systemActor(), { level: 'building', cap: 10 });
    expect(capped.features).toHaveLength(10);
    expect(capped.truncated).toBe(true);
    expect(capped.total).toBeGreaterThan(10);
  });

  it('exports a subtree as a GeoJSON download, only what the caller may read', async () => {
    const res = await get(`/api/geo/jurisdictions/${xiling.id}/export.geojson`, officer);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/geo+json');
    expect(res.headers['content-disposition']).toBe('attachment; filename="420502.geojson"');
    const fc = JSON.parse(res.body);
    const n = await t.deps.db
      .selectFrom('jurisdictions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('path', 'like', `${xiling.path}%`)
      .executeTakeFirstOrThrow();
    expect(fc.features).toHaveLength(Number(n.n));
    expect(new Set(fc.features.map((f: { properties: { level: string } }) => f.properties.level))).toEqual(
      new Set(['district', 'street', 'community', 'compound', 'building', 'entrance']),
    );
    const fromCity = JSON.parse((await get(`/api/geo/jurisdictions/${city.id}/export.geojson`, officer)).body);
    expect(fromCity.features).toHaveLength(Number(n.n) + 1);
    expect(fromCity.features.some((f: { properties: { code: string } }) => f.properties.code === '420503')).toBe(false);
  });

  it("keeps population counters current on the node and every ancestor, in the caller's transaction", async () => {
    const geo = t.deps.services.geo;
    const street = (await geo.children(systemActor(), xiling.id))[0];
    const before = await Promise.all([street, xiling, city].map(async (n) => (await geo.getById(n.id))!.population));
    await inTx(t.deps.db, (trx) => geo.addPopulation(trx, street.path, 5));
    const after = await Promise.all([street, xiling, city].map(async (n) => (await geo.getById(n.id))!.population));
    expect(after).toEqual(before.map((x) => x + 5));
    await expect(
      inTx(t.deps.db, async (trx) => {
        await geo.addPopulation(trx, street.path, 7);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await geo.getById(city.id))!.population).toBe(after[2]);
    await inTx(t.deps.db, (trx) => geo.addPopulation(trx, street.path, -5));
    expect((await geo.getById(city.id))!.population).toBe(before[2]);
  });

  it("creates nodes one level below a parent inside the actor's scope, journaled; the entity scope is strict", async () => {
    const geo = t.deps.services.geo;
    const street = (await geo.children(systemActor(), xiling.id))[0];
    const officerActor = actorAt(xiling.path, ['district_officer']);
    const made = await geo.create(undefined, officerActor, {
      parentId: street.id,
      code: `${street.code.slice(0, 9)}777`,
      name: '新建社区',
      level: 'community',
      kind: 'community',
    });
    expect(made).toMatchObject({ level: 'community', depth: 3, parentId: street.id, path: `${street.path}${street.code.slice(0, 9)}777/`, population: 0 });
    const journal = await t.deps.services.journal.list(t.deps.db, { action: 'geo.jurisdiction.create', entityId: made.id, limit: 1 });
    expect(journal[0].payload).toMatchObject({ name: '新建社区', level: 'community' });
    await expect(
      geo.create(undefined, officerActor, { parentId: street.id, code: `${street.code.slice(0, 9)}777`, name: '重复', level: 'community' }),
    ).rejects.toMatchObject({ code: 'JURISDICTION_CODE_EXISTS' });
    await expect(
      geo.create(undefined, officerActor, { parentId: street.id, code: `${street.code.slice(0, 9)}778`, name: '跳级', level: 'building' }),
    ).rejects.toMatchObject({ code: 'JURISDICTION_LEVEL_INVALID' });
    await expect(
      geo.create(undefined, officerActor, { parentId: street.id, code: `${street.code.slice(0, 9)}779`, name: '错类', level: 'community', kind: 'county' }),
    ).rejects.toMatchObject({ code: 'JURISDICTION_KIND_INVALID' });
    await expect(geo.create(undefined, officerActor, { parentId: city.id, code: '420599', name: '新区', level: 'district' })).rejects.toMatchObject({
      code: 'JURISDICTION_PARENT_NOT_FOUND',
    });
    // The policy hook's resolver returns the node's own path: an ancestor is NOT inside a district scope.
    const resolve = entityScopeResolver('jurisdiction')!;
    expect(await resolve(t.deps.db, xiling.id)).toEqual([xiling.path]);
    expect(await resolve(t.deps.db, 'missing')).toBeUndefined();
  });
});
