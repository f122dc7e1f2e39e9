import { GEOJSON_FEATURE_CAP, type JurisdictionDto, type JurisdictionLevel } from '../../../common/geo.js';
import { flag } from '../../db/row-values.js';
import type { Deps } from '../../deps.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import * as repo from './geo.repository.js';
import type { JurisdictionListRow, JurisdictionRow } from './geo.repository.js';
import { canReadJurisdiction, featureOf, metresBetween, scopeOf, toJurisdictionDto, type FeatureCollection, type GeojsonLevel } from './geo.shared.js';

const M_PER_DEG_LAT = 111_320;
/** nearest(): the first box's half-side, and the most rows one box may read before it is halved. */
const NEAREST_FIRST_M = 250;
const NEAREST_BOX_ROWS = 5000;

/**
 * The jurisdiction tree as a map: GeoJSON of one level, the streamed export of a subtree, and the
 * nearest node to a point. `readable` is the tree's read check (JURISDICTION_NOT_FOUND otherwise).
 */
export function createGeoMapService(deps: Pick<Deps, 'db'>, readable: (db: DbOrTx, actor: Actor, id: string) => Promise<JurisdictionRow>) {
  return {
    /**
     * A GeoJSON FeatureCollection of the nodes of one level under a root (default: the city,
     * districts). At most GEOJSON_FEATURE_CAP features, by code; `truncated`/`total` say when more
     * matched (ask for a smaller root instead).
     */
    async geojson(actor: Actor, f: { rootId?: string; level?: GeojsonLevel; cap?: number }, db: DbOrTx = deps.db): Promise<FeatureCollection> {
      const cap = Math.min(f.cap ?? GEOJSON_FEATURE_CAP, GEOJSON_FEATURE_CAP);
      const level = f.level ?? 'district';
      let root: JurisdictionRow | undefined;
      if (f.rootId) root = await readable(db, actor, f.rootId);
      else {
        const roots = await repo.listRoots(db);
        const first = roots.find((x) => canReadJurisdiction(actor, x.path));
        root = first && (await repo.findById(db, first.id));
      }
      if (!root) return { type: 'FeatureCollection', features: [], truncated: false, total: 0 };
      const rows = await repo.listLevelWithGeometry(db, root.path, level, scopeOf(actor), cap + 1);
      const truncated = rows.length > cap;
      const total = truncated ? await repo.countLevelUnder(db, root.path, level, scopeOf(actor)) : rows.length;
      return { type: 'FeatureCollection', features: rows.slice(0, cap).map(featureOf), truncated, total };
    },

    /**
     * The whole readable subtree of a node as GeoJSON text, streamed in pages (no size cap, constant
     * memory). Every level is included; properties as in `geojson`.
     */
    async exportSubtree(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
      const root = await readable(db, actor, id);
      const scope = scopeOf(actor);
      async function* chunks(): AsyncGenerator<string> {
        yield '{"type":"FeatureCollection","features":[';
        let first = true;
        for await (const page of repo.iterateSubtree(db, root.path, 2000)) {
          const parts: string[] = [];
          for (const r of page) {
            if (scope && !canReadJurisdiction(actor, r.path)) continue;
            const props = JSON.stringify({
              id: r.id,
              code: r.code,
              name: r.name,
              level: r.level,
              kind: r.kind,
              population: Number(r.population),
              localCode: flag(r.local_code),
            });
            parts.push(`{"type":"Feature","geometry":${r.geometry ?? 'null'},"properties":${props}}`);
          }
          if (parts.length) {
            yield (first ? '' : ',') + parts.join(',');
            first = false;
          }
        }
        yield ']}';
      }
      return { filename: `${root.code}.geojson`, chunks: chunks() };
    },

    /**
     * The nearest node of the given levels (default building or compound) to a point [lng, lat],
     * within `maxMetres` (default 2000), inside `under` (a path) and the actor's scope; undefined
     * when none is that close. Looks in bounding boxes on the stored centroids, from 250 m growing
     * fourfold up to `maxMetres` (index range on level + latitude): a dense city reads a few hundred
     * index entries, never every node. Nodes without a centroid are never found.
     */
    async nearest(
      actor: Pick<Actor, 'scopePath'>,
      pt: readonly [number, number],
      f: { maxMetres?: number; levels?: readonly JurisdictionLevel[]; under?: string | null } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ node: JurisdictionDto; metres: number } | undefined> {
      const [lng, lat] = pt;
      if (!(Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180)) return undefined;
      const max = Math.max(1, f.maxMetres ?? 2000);
      const levels = f.levels?.length ? f.levels : (['building', 'compound'] as const);
      const scope = scopeOf(actor);
      const under = f.under ?? null;
      // The narrower of the scope and `under`; disjoint ones leave nothing to find.
      let prefix: string | null;
      if (!scope || !under) prefix = scope ?? under;
      else if (under.startsWith(scope)) prefix = under;
      else if (scope.startsWith(under)) prefix = scope;
      else return undefined;
      const cosLat = Math.max(0.01, Math.cos((lat * Math.PI) / 180));
      let r = Math.min(NEAREST_FIRST_M, max);
      for (;;) {
        const dLat = r / M_PER_DEG_LAT;
        const dLng = r / (M_PER_DEG_LAT * cosLat);
        const rows = await repo.centroidsInBox(
          db,
          levels,
          { minLat: lat - dLat, maxLat: lat + dLat, minLng: lng - dLng, maxLng: lng + dLng },
          prefix,
          NEAREST_BOX_ROWS + 1,
        );
        if (rows.length > NEAREST_BOX_ROWS && r > 10) {
          // Too many nodes in this box to be sure of the nearest: look in a smaller one first.
          r /= 2;
          continue;
        }
        let best: JurisdictionListRow | undefined;
        let bestD = Infinity;
        for (const n of rows) {
          const d = metresBetween(pt, [Number(n.centroid_lng), Number(n.centroid_lat)]);
          if (d < bestD || (d === bestD && best && n.code < best.code)) [best, bestD] = [n, d];
        }
        // Everything within r of the point lies in the box, so a hit within r is the nearest.
        if (best && bestD <= r) return bestD <= max ? { node: toJurisdictionDto(best), metres: Math.round(bestD * 10) / 10 } : undefined;
        if (r >= max) return undefined;
        r = Math.min(r * 4, max);
      }
    },
  };
}
