import { GEOJSON_FEATURE_CAP, type JurisdictionDto, type JurisdictionLevel } from '../../../common/geo.js';
import { flag } from '../../db/row-values.js';
import type { Deps } from '../../deps.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import * as repo from './geo.repository.js';
import type { ContextRow, JurisdictionListRow, JurisdictionRow } from './geo.repository.js';
import type { JurisdictionContext, JurisdictionContextItem } from './geo.schemas.js';
import { area, bbox, centroid, clipRingToConvex, fromPolygon, pointInRing, rect, roundPt, simplifyGeometry, type Pt } from './geometry.js';
import { canReadJurisdiction, featureOf, metresBetween, scopeOf, toJurisdictionDto, type FeatureCollection, type GeojsonLevel } from './geo.shared.js';

const M_PER_DEG_LAT = 111_320;
/** nearest(): the first box's half-side, and the most rows one box may read before it is halved. */
const NEAREST_FIRST_M = 250;
const NEAREST_BOX_ROWS = 5000;
/** context(): at most this many siblings (by code); a parent with more says `truncated`. */
export const CONTEXT_SIBLING_CAP = 300;
/**
 * context(): outlines are simplified to 1/400 of the node's own extent (well under a pixel on a map
 * fitted to the node); an ancestor is kept to at least 1/3000 of its own extent, so a city outline
 * around a building stays a few hundred vertices. Local display parameters, not from any text.
 */
const CONTEXT_DETAIL = 400;
const CONTEXT_ANCESTOR_DETAIL = 3000;
/** A neighbour's name goes within the node's box widened by this much of its size each side (local display parameter). */
const NEAR_LABEL_MARGIN = 0.25;

type Geometry = NonNullable<JurisdictionContextItem['geometry']>;

/** The largest side (degrees) of a geometry's bounding box, or null without one. */
function extentOf(g: Geometry | null): number | null {
  if (!g) return null;
  let ext = 0;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && Array.isArray(c[0]) && typeof c[0][0] === 'number') {
      const [x0, y0, x1, y1] = bbox(c as Pt[]);
      ext = Math.max(ext, x1 - x0, y1 - y0);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(g.coordinates);
  return ext > 0 ? ext : null;
}

/**
 * Where a sibling's name goes: inside the part of its largest outline that lies near the node
 * (`near`, the node's box widened), so a neighbour whose centre is far off the map is still named
 * at its edge; else its outline's centroid when that lies inside it; else the stored centroid.
 */
function labelPoint(g: Geometry | null, stored: Pt | null, near: Pt[] | null): Pt | null {
  const parts = g?.type === 'Polygon' ? [g.coordinates as Pt[][]] : g?.type === 'MultiPolygon' ? (g.coordinates as Pt[][][]) : [];
  const rings = parts.filter((p) => p[0] && p[0].length >= 3).map((p) => fromPolygon({ type: 'Polygon', coordinates: p }));
  const largest = rings.sort((a, b) => area(b) - area(a))[0];
  if (!largest) return stored;
  const candidates = near ? clipRingToConvex(largest, near).filter((r) => r.length >= 3 && area(r) > 0) : [];
  for (const ring of [...candidates.slice(0, 1), largest]) {
    const c = centroid(ring);
    if (pointInRing(c, ring)) return roundPt(c);
  }
  return stored;
}

/** The box of a geometry widened by `by` times its size on each side, as a counter-clockwise ring. */
function widenedBox(g: Geometry | null, by: number): Pt[] | null {
  if (!g) return null;
  const pts: Pt[] = [];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') pts.push(c as Pt);
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(g.coordinates);
  if (!pts.length) return null;
  const [x0, y0, x1, y1] = bbox(pts);
  const d = Math.max(x1 - x0, y1 - y0) * by;
  return rect(x0 - d, y0 - d, x1 + d, y1 + d);
}

function parseGeometry(text: string | null): Geometry | null {
  return text ? (JSON.parse(text) as Geometry) : null;
}

/**
 * The jurisdiction tree as a map: GeoJSON of one level, the streamed export of a subtree, and the
 * nearest node to a point. `readable` is the tree's read check (JURISDICTION_NOT_FOUND otherwise).
 */
export function createGeoMapService(deps: Pick<Deps, 'db'>, readable: (db: DbOrTx, actor: Actor, id: string) => Promise<JurisdictionRow>) {
  return {
    /**
     * What a map of a node draws around it, in grey: the other children of its parent and the
     * outlines of its ancestors up to the city, simplified for the node's scale. Outlines and names
     * of jurisdictions are not personal data, so siblings outside the reader's scope (the other
     * districts around a district officer's own) are drawn too, but without their id, and no item
     * carries a count or figure: what is counted stays scoped. The node itself must be readable.
     */
    async context(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<JurisdictionContext> {
      const node = await readable(db, actor, id);
      const own = parseGeometry(node.geometry);
      const ancestorPaths = repo.pathPrefixes(node.path).slice(0, -1);
      const [siblings, ancestors] = await Promise.all([
        node.parent_id ? repo.listSiblingsForContext(db, node.parent_id, node.id, CONTEXT_SIBLING_CAP + 1) : Promise.resolve([]),
        repo.findByPathsForContext(db, ancestorPaths),
      ]);
      ancestors.sort((a, b) => b.path.length - a.path.length);
      const parentExtent = extentOf(parseGeometry(ancestors[0]?.geometry ?? null));
      // A node without a shape is looked at on its parent's scale, a tenth of it.
      const ext = extentOf(own) ?? (parentExtent ? parentExtent / 10 : 0.01);
      // About what a map fitted to the node shows: names of neighbours go inside it.
      const near = widenedBox(own, NEAR_LABEL_MARGIN);
      const item = (r: ContextRow, relation: JurisdictionContextItem['relation']): JurisdictionContextItem => {
        const g = parseGeometry(r.geometry);
        const tolerance = relation === 'ancestor' ? Math.max(ext / CONTEXT_DETAIL, (extentOf(g) ?? 0) / CONTEXT_ANCESTOR_DETAIL) : ext / CONTEXT_DETAIL;
        return {
          id: canReadJurisdiction(actor, r.path) ? r.id : null,
          code: r.code,
          name: r.name,
          level: r.level,
          relation,
          geometry: g && simplifyGeometry(g, tolerance),
          labelAt:
            relation === 'sibling'
              ? labelPoint(g, r.centroid_lng !== null && r.centroid_lat !== null ? [Number(r.centroid_lng), Number(r.centroid_lat)] : null, near)
              : null,
        };
      };
      return {
        node: { id: node.id, name: node.name, level: node.level },
        items: [...siblings.slice(0, CONTEXT_SIBLING_CAP).map((r) => item(r, 'sibling')), ...ancestors.map((r) => item(r, 'ancestor'))],
        truncated: siblings.length > CONTEXT_SIBLING_CAP,
      };
    },

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
