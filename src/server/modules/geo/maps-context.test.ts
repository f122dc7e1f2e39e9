import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PMTiles, type RangeResponse, type Source } from 'pmtiles';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JurisdictionDto } from '../../../common/geo.js';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { buildPmtiles, emptyVectorTile } from '../../../../test/helpers/pmtiles.js';
import { seedDemoCity } from '../../demo/city.js';
import { systemActor } from '../../platform/actor.js';
import type { JurisdictionContext } from './geo.schemas.js';
import { bbox, fromPolygon, pointInRing } from './geometry.js';

type Geometry = { type: string; coordinates: unknown };

/** How many vertices a Polygon / MultiPolygon has (every ring). */
function vertices(g: Geometry | null): number {
  let n = 0;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') n++;
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(g?.coordinates);
  return n;
}

/**
 * Maps with context (issue 16): around a selected node, its parent's other children and its
 * ancestors' outlines, simplified, outlines and names only; and the optional PMTiles base map served
 * with HTTP Range.
 */
describeDialects('geo: a map with context, and the base map', (dialect) => {
  let t: TestApp;
  let bare: TestApp;
  let dir: string;
  let file: string;
  let bytes: Buffer;
  const tile = emptyVectorTile('water');
  let admin: Record<string, string>;
  let officer: Record<string, string>;
  let xiling: JurisdictionDto;
  let wujiagang: JurisdictionDto;
  const get = (app: TestApp, url: string, headers: Record<string, string>) => app.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-basemap-'));
    file = path.join(dir, 'city.pmtiles');
    bytes = buildPmtiles({ tile });
    writeFileSync(file, bytes);
    t = await testApp(dialect, { basemapPmtiles: file });
    await seedDemoCity(t.deps, undefined, { residents: 400 });
    const geo = t.deps.services.geo;
    const city = (await geo.getByCode('420500'))!;
    xiling = (await geo.getByCode('420502'))!;
    wujiagang = (await geo.getByCode('420503'))!;
    const now = t.clock.now();
    const at = (d: JurisdictionDto) => ({ id: d.id, code: d.code, path: d.path, name: d.name });
    admin = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '市指挥部', jurisdiction: at(city) }), roles: ['admin'] }),
      now,
    );
    officer = await sessionHeaders(
      t.deps.db,
      await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: at(xiling) }), roles: ['district_officer'] }),
      now,
    );
    bare = await testApp(dialect);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await bare?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("draws a building among its compound's other buildings, inside the outlines of every ancestor up to the city", async () => {
    const geo = t.deps.services.geo;
    // A building whose compound has others.
    const crowded = await t.deps.db
      .selectFrom('jurisdictions')
      .select('parent_id')
      .where('level', '=', 'building')
      .groupBy('parent_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .executeTakeFirstOrThrow();
    const building = (await geo.children(systemActor(), crowded.parent_id!))[0];
    const res = await get(t, `/api/geo/jurisdictions/${building!.id}/context`, admin);
    expect(res.statusCode).toBe(200);
    const ctx = res.json() as JurisdictionContext;
    expect(ctx.node).toEqual({ id: building!.id, name: building!.name, level: 'building' });
    // The siblings are exactly the parent's other children (recounted here from the tree).
    const expected = (await geo.getMany([building!.parentId!]))[0]!;
    const children = await t.deps.db.selectFrom('jurisdictions').select(['code']).where('parent_id', '=', expected.id).orderBy('code').execute();
    const siblings = ctx.items.filter((i) => i.relation === 'sibling');
    expect(siblings.map((s) => s.code)).toEqual(children.map((c) => c.code).filter((c) => c !== building!.code));
    expect(siblings.length).toBeGreaterThan(0);
    expect(siblings.every((s) => s.level === 'building' && s.id !== null && s.geometry !== null && s.labelAt !== null)).toBe(true);
    // Ancestors from the parent up: compound, community, street, district, city.
    const ancestors = ctx.items.filter((i) => i.relation === 'ancestor');
    expect(ancestors.map((a) => a.level)).toEqual(['compound', 'community', 'street', 'district', 'city']);
    expect(ancestors.map((a) => a.code)).toEqual(expected.path.split('/').filter(Boolean).reverse());
    expect(ancestors.every((a) => a.labelAt === null)).toBe(true);
    // Outlines only: nothing counted reaches a map's context.
    expect(JSON.stringify(ctx)).not.toMatch(/population|vulnerable|"total"/);
    expect(ctx.truncated).toBe(false);
  });

  it("simplifies an ancestor's outline for the node's scale but keeps its shape", async () => {
    const [street] = await t.deps.services.geo.children(systemActor(), xiling.id);
    const ctx = (await get(t, `/api/geo/jurisdictions/${street!.id}/context`, admin)).json() as JurisdictionContext;
    const cityOutline = ctx.items.find((i) => i.code === '420500')!.geometry;
    const stored = await t.deps.db.selectFrom('jurisdictions').select(['geometry']).where('code', '=', '420500').executeTakeFirstOrThrow();
    const original = JSON.parse(stored.geometry!) as Geometry;
    expect(vertices(original)).toBeGreaterThan(200);
    expect(vertices(cityOutline)).toBeLessThan(vertices(original));
    expect(vertices(cityOutline)).toBeGreaterThan(20);
    // Every kept vertex is one of the original's (simplification drops, never moves, beyond rounding).
    const orig = new Set<string>();
    const collect = (c: unknown, into: Set<string> | string[]): void => {
      if (Array.isArray(c) && typeof c[0] === 'number')
        (into instanceof Set ? into.add.bind(into) : into.push.bind(into))(`${(c[0] as number).toFixed(5)},${(c[1] as number).toFixed(5)}`);
      else if (Array.isArray(c)) c.forEach((x) => collect(x, into));
    };
    collect(original.coordinates, orig);
    const kept: string[] = [];
    collect(cityOutline!.coordinates, kept);
    expect(kept.filter((k) => !orig.has(k))).toEqual([]);
  });

  it("shows a district officer the other districts' outlines and names, without their ids, and refuses another district's context like a missing one", async () => {
    const res = await get(t, `/api/geo/jurisdictions/${xiling.id}/context`, officer);
    expect(res.statusCode).toBe(200);
    const ctx = res.json() as JurisdictionContext;
    const districts = ctx.items.filter((i) => i.relation === 'sibling');
    expect(districts.map((d) => d.name)).toContain('伍家岗区');
    expect(districts.every((d) => d.id === null && d.geometry !== null)).toBe(true);
    // Each name sits inside its own district; a neighbour's near 西陵区 (within its box widened by a
    // quarter each side), not at its far-off centre.
    for (const d of districts) {
      const parts = (d.geometry!.type === 'Polygon' ? [d.geometry!.coordinates] : d.geometry!.coordinates) as [number, number][][][];
      expect(
        parts.some((p) => pointInRing(d.labelAt!, fromPolygon({ type: 'Polygon', coordinates: p }))),
        d.name,
      ).toBe(true);
    }
    const box = bbox(
      fromPolygon(JSON.parse((await t.deps.db.selectFrom('jurisdictions').select('geometry').where('id', '=', xiling.id).executeTakeFirstOrThrow()).geometry!)),
    );
    const margin = Math.max(box[2] - box[0], box[3] - box[1]) * 0.25 + 1e-6;
    const [lng, lat] = districts.find((d) => d.name === '伍家岗区')!.labelAt!;
    expect(lng >= box[0] - margin && lng <= box[2] + margin && lat >= box[1] - margin && lat <= box[3] + margin).toBe(true);
    expect(ctx.items.filter((i) => i.relation === 'ancestor').map((a) => [a.code, a.id])).toEqual([['420500', expect.any(String)]]);
    // The admin, whose scope holds every district, gets their ids.
    const asAdmin = (await get(t, `/api/geo/jurisdictions/${xiling.id}/context`, admin)).json() as JurisdictionContext;
    expect(asAdmin.items.find((i) => i.code === '420503')!.id).toBe(wujiagang.id);
    // Another district's own context: exactly as a missing node.
    const out = await get(t, `/api/geo/jurisdictions/${wujiagang.id}/context`, officer);
    const missing = await get(t, `/api/geo/jurisdictions/00000000-0000-7000-8000-000000000000/context`, officer);
    expect(out.statusCode).toBe(404);
    expect([out.statusCode, out.json().error.code]).toEqual([missing.statusCode, missing.json().error.code]);
    // Inside the officer's district, the siblings are theirs: ids given.
    const [street] = await t.deps.services.geo.children(systemActor(), xiling.id);
    const inside = (await get(t, `/api/geo/jurisdictions/${street!.id}/context`, officer)).json() as JurisdictionContext;
    expect(inside.items.filter((i) => i.relation === 'sibling').every((s) => s.id !== null)).toBe(true);
  });

  it('answers the base map with no base map configured: null, and 404 for the file', async () => {
    const now = bare.clock.now();
    const { xiling: district } = await buildMiniCity(bare.deps.db);
    const h = await sessionHeaders(
      bare.deps.db,
      await buildUser(bare.deps.db, { unit: await buildUnit(bare.deps.db, { name: '区', jurisdiction: district }), roles: ['sampler'] }),
      now,
    );
    expect((await get(bare, '/api/geo/basemap', h)).json()).toEqual({ basemap: null });
    const file404 = await get(bare, '/api/geo/basemap.pmtiles', { ...h, range: 'bytes=0-126' });
    expect(file404.statusCode).toBe(404);
    expect(file404.json().error.code).toBe('BASEMAP_NOT_CONFIGURED');
  });

  it('describes the configured base map from its header', async () => {
    const info = (await get(t, '/api/geo/basemap', officer)).json();
    expect(info.basemap).toMatchObject({ url: '/api/geo/basemap.pmtiles', tileType: 'mvt', minZoom: 0, maxZoom: 0 });
    expect(info.basemap.bounds).toEqual([110.25, 29.93, 112.07, 31.57]);
    expect((await t.app.inject({ method: 'GET', url: '/api/geo/basemap' })).statusCode).toBe(401);
  });

  it('serves byte ranges of the file: 206 with Content-Range, the whole file without Range, 416 for a range outside it', async () => {
    const size = bytes.length;
    const range = async (r: string | undefined, extra: Record<string, string> = {}) =>
      get(t, '/api/geo/basemap.pmtiles', { ...officer, ...(r === undefined ? {} : { range: r }), ...extra });
    const head = await range('bytes=0-126');
    expect(head.statusCode).toBe(206);
    expect(head.headers['content-range']).toBe(`bytes 0-126/${size}`);
    expect(head.headers['accept-ranges']).toBe('bytes');
    expect(Number(head.headers['content-length'])).toBe(127);
    expect(head.rawPayload.equals(bytes.subarray(0, 127))).toBe(true);
    // Open-ended, clipped past the end, and suffix ranges.
    const rest = await range('bytes=127-');
    expect([rest.statusCode, rest.headers['content-range']]).toEqual([206, `bytes 127-${size - 1}/${size}`]);
    expect(rest.rawPayload.equals(bytes.subarray(127))).toBe(true);
    const clipped = await range(`bytes=${size - 5}-${size + 1000}`);
    expect([clipped.statusCode, clipped.headers['content-range']]).toEqual([206, `bytes ${size - 5}-${size - 1}/${size}`]);
    const suffix = await range('bytes=-10');
    expect(suffix.rawPayload.equals(bytes.subarray(size - 10))).toBe(true);
    // The whole file.
    const all = await range(undefined);
    expect(all.statusCode).toBe(200);
    expect(all.rawPayload.equals(bytes)).toBe(true);
    // Ranges that are not one range inside the file.
    for (const bad of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=50-10', 'bytes=-0', 'bytes=0-1,5-6', 'items=0-10', 'bytes=-']) {
      const r = await range(bad);
      expect([bad, r.statusCode, r.headers['content-range']]).toEqual([bad, 416, `bytes */${size}`]);
      expect(r.json().error.code).toBe('BASEMAP_RANGE_NOT_SATISFIABLE');
    }
    // If-Range naming another version of the file: the whole (current) file.
    const stale = await range('bytes=0-9', { 'if-range': '"old"' });
    expect([stale.statusCode, stale.rawPayload.length]).toEqual([200, size]);
    const fresh = await range('bytes=0-9', { 'if-range': String(head.headers.etag) });
    expect(fresh.statusCode).toBe(206);
    // Not signed in: refused like every other route.
    expect((await t.app.inject({ method: 'GET', url: '/api/geo/basemap.pmtiles', headers: { range: 'bytes=0-9' } })).statusCode).toBe(401);
  });

  it('is read by the PMTiles library through those ranges: header, directory and tile', async () => {
    const requested: string[] = [];
    const source: Source = {
      getKey: () => 'basemap',
      async getBytes(offset: number, length: number): Promise<RangeResponse> {
        const r = `bytes=${offset}-${offset + length - 1}`;
        requested.push(r);
        const res = await get(t, '/api/geo/basemap.pmtiles', { ...officer, range: r });
        expect(res.statusCode).toBe(206);
        const buf = res.rawPayload;
        return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer, etag: String(res.headers.etag) };
      },
    };
    const p = new PMTiles(source);
    const header = await p.getHeader();
    expect([header.specVersion, header.tileType, header.minZoom, header.maxZoom]).toEqual([3, 1, 0, 0]);
    const got = await p.getZxy(0, 0, 0);
    expect(Buffer.from(got!.data).equals(tile)).toBe(true);
    expect(await p.getZxy(1, 0, 0)).toBeUndefined();
    expect(requested.length).toBeGreaterThanOrEqual(2);
  });
});
