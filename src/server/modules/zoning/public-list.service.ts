import type { PublicAreaDto, PublicFeatureCollection, PublicZoningDto } from './zoning.schemas.js';
import { LRUCache } from 'lru-cache';
import * as repo from './zoning.repository.js';
import * as publicSchemas from './zoning.schemas.js';
import type { AreaReader } from './areas.service.js';
import { MAP_NODE_CAP, PUBLIC_VERSION, SYS, type ZoningInputs } from './zoning.shared.js';
import { PLACE_DEPTH, pathPrefixes, placeText } from './place-names.js';

/** Public list: a cached body is served without any query this long (per process). */
export const PUBLIC_FRESH_MS = 1000;
/** Public requests served at once per process; past it, 503 + Retry-After. */
export const PUBLIC_MAX_CONCURRENT = 64;

/**
 * The public list and GeoJSON (no personal data): built once per public version, checked against
 * the public schema, serialised once, and served as ready text with an ETag. `invalidate` is called
 * by the recorder when this process bumps the version.
 */
/**
 * Where an area is, as a resident reads it on the public list (issue 16): its street and community,
 * and each place written in full below the community (小区 · 楼栋 · 单元), never a bare 1单元.
 */
function placesOf(nodes: readonly { path: string; name: string }[], nameOf: ReadonlyMap<string, string>) {
  const streets = new Set<string>();
  const communities = new Set<string>();
  const places: string[] = [];
  for (const n of nodes) {
    const prefixes = pathPrefixes(n.path);
    const at = (depth: number) => (prefixes.length >= depth ? (nameOf.get(prefixes[depth - 1]!) ?? '') : '');
    if (at(PLACE_DEPTH.street)) streets.add(at(PLACE_DEPTH.street));
    if (at(PLACE_DEPTH.community)) communities.add(at(PLACE_DEPTH.community));
    // Below the community, which is given apart: 滨江苑 · 1栋 · 1单元.
    places.push(placeText(n, nameOf, PLACE_DEPTH.community + 1));
  }
  return { street: [...streets].join('、'), community: [...communities].join('、'), places };
}

export function createPublicListService(io: Pick<ZoningInputs, 'db' | 'clock' | 'wallClock' | 'geo'>, reader: Pick<AreaReader, 'compute'>) {
  const { geo } = io;
  const { compute } = reader;

  const publicCache = createPublicCache();

  function createPublicCache() {
    let checkedAt = -Infinity;
    let version = -1;
    // A handful of keys (the list, per-district lists): bounded all the same.
    const built = new LRUCache<string, Promise<unknown>>({ max: 256 });
    return {
      invalidate() {
        checkedAt = -Infinity;
      },
      /**
       * The body for `key` at the current version. The version row is read at most once per
       * FRESH_MS per process (other processes' changes show within that); a change in this
       * process is seen at once.
       */
      async get<T>(key: string, build: (version: number) => Promise<T>): Promise<T> {
        const wall = io.wallClock.now();
        if (wall - checkedAt > PUBLIC_FRESH_MS) {
          const v = Number((await repo.readMeta(io.db, PUBLIC_VERSION)) ?? 0);
          checkedAt = wall;
          if (v !== version) {
            version = v;
            built.clear();
          }
        }
        // The promise is kept, not the result: concurrent requests on a new version share one build.
        const hit = built.get(key);
        if (hit) return hit as Promise<T>;
        const pending = build(version);
        built.set(key, pending);
        pending.catch(() => built.delete(key));
        return pending;
      },
    };
  }

  let publicInFlight = 0;

  async function buildPublicList(version: number): Promise<PublicZoningDto> {
    const db = io.db;
    const { rows } = await repo.listAreas(db, { statuses: ['published'] });
    const computed = await compute(db, rows, io.clock.now(), { measures: false });
    const districts = new Map((await geo.getManyByPath([...new Set(rows.map((r) => r.district_path))], db)).map((n) => [n.path, n]));
    const nameOf = new Map(
      (await geo.getManyByPath([...new Set(computed.flatMap((c) => c.nodes.flatMap((n) => pathPrefixes(n.path))))], db)).map((n) => [n.path, n.name]),
    );
    const groups = new Map<string, { districtName: string; districtCode: string; areas: PublicAreaDto[] }>();
    for (const c of computed) {
      const d = districts.get(c.row.district_path);
      const key = c.row.district_path;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { districtName: d?.name ?? '', districtCode: d?.code ?? '', areas: [] }));
      g.areas.push({
        id: c.row.id,
        name: c.row.name,
        level: c.row.level,
        measures: repo.readJson.measures(c.row),
        ...placesOf(c.nodes, nameOf),
        publishedAt: Number(c.row.published_at),
        levelSince: Number(c.row.level_since ?? c.row.published_at),
      } satisfies PublicAreaDto);
    }
    const history = await repo.publicHistory(db, 100);
    const names = new Map((await repo.findAreas(db, [...new Set(history.map((h) => h.area_id))])).map((r) => [r.id, r.name]));
    return {
      version,
      generatedAt: io.clock.now(),
      districts: [...groups.values()].sort((a, b) => a.districtCode.localeCompare(b.districtCode)),
      history: history.map((h) => ({
        areaId: h.area_id,
        name: names.get(h.area_id) ?? '',
        kind: h.kind as 'published' | 'stepped' | 'lifted',
        level: h.level,
        at: Number(h.at),
      })),
    } satisfies PublicZoningDto;
  }

  async function buildPublicGeojson(version: number): Promise<PublicFeatureCollection> {
    const db = io.db;
    const { rows } = await repo.listAreas(db, { statuses: ['published'] });
    const nodeRows = await repo.nodesOfMany(
      db,
      rows.map((r) => r.id),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const features: PublicFeatureCollection['features'] = [];
    for (const n of nodeRows.slice(0, MAP_NODE_CAP)) {
      const a = byId.get(n.area_id)!;
      const fc = await geo.geojson(SYS, { rootId: n.jurisdiction_id, level: n.level, cap: 1 }, db);
      const f0 = fc.features[0];
      features.push({
        type: 'Feature',
        geometry: f0?.geometry ?? null,
        properties: { areaId: a.id, name: a.name, level: a.level, place: f0?.properties.name ?? '' },
      });
    }
    return { type: 'FeatureCollection' as const, version, features } satisfies PublicFeatureCollection;
  }

  return {
    /** The public version changed in this process: the next request reads it again. */
    invalidate: () => publicCache.invalidate(),

    /** The public list: no personal data, cached per version. */
    async publicList(): Promise<PublicZoningDto> {
      return (await publicCache.get('list', async (v) => cached(v, publicSchemas.publicList.parse(await buildPublicList(v))))).body;
    },

    /**
     * The public answers as ready JSON text with a per-version ETag: built, checked against the
     * public schema (only those fields ever leave) and serialised once per version, then sent as is.
     */
    async publicJson(which: 'list' | 'geojson'): Promise<{ json: string; etag: string }> {
      const c = await publicCache.get(which, async (v) =>
        cached(v, which === 'list' ? publicSchemas.publicList.parse(await buildPublicList(v)) : publicSchemas.publicGeojson.parse(await buildPublicGeojson(v))),
      );
      return { json: c.json, etag: c.etag };
    },

    /** Per-process concurrency cap of the public routes: false → answer 503 + Retry-After. */
    tryEnterPublic(): boolean {
      if (publicInFlight >= PUBLIC_MAX_CONCURRENT) return false;
      publicInFlight++;
      return true;
    },
    leavePublic(): void {
      publicInFlight = Math.max(0, publicInFlight - 1);
    },
  };
}

function cached<T>(version: number, body: T): { body: T; json: string; etag: string } {
  return { body, json: JSON.stringify(body), etag: `"zoning-${version}"` };
}
