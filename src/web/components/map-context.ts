import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, Map as MapLibreMap } from 'maplibre-gl';
import { useEffect, useMemo, useState, type RefObject } from 'react';
import type { JurisdictionContext, JurisdictionContextItem } from '../../server/modules/geo/geo.schemas.js';
import { http } from '../app/http.js';
import { BASEMAP_PREFIX } from './basemap.js';
import type { MapState } from './use-maplibre.js';

/** A map asks for the context of at most this many nodes (the zoning map's first covered places). */
const MAX_NODES = 4;

/** The grey of everything drawn for orientation only. */
const GREY = { fill: '#bfbfbf', line: '#8c8c8c', ancestor: '#595959', text: '#434343' };

type GeoJsonData = Parameters<GeoJSONSource['setData']>[0];

/**
 * The siblings and ancestors of several nodes as one list: an ancestor of one is not drawn as
 * another's sibling, the nodes themselves (which the map draws) are left out, and each outline once.
 */
function merge(contexts: readonly JurisdictionContext[]): JurisdictionContextItem[] {
  const own = new Set(contexts.map((c) => c.node.id));
  const byCode = new Map<string, JurisdictionContextItem>();
  for (const c of contexts) {
    for (const item of c.items) {
      if (item.id && own.has(item.id)) continue;
      const seen = byCode.get(item.code);
      if (!seen || (seen.relation === 'sibling' && item.relation === 'ancestor')) byCode.set(item.code, item);
    }
  }
  return [...byCode.values()];
}

function outlines(items: readonly JurisdictionContextItem[]): GeoJsonData {
  return {
    type: 'FeatureCollection',
    features: items
      .filter((i) => i.geometry)
      .map((i) => ({ type: 'Feature', geometry: i.geometry, properties: { name: i.name, level: i.level, relation: i.relation } })),
  } as unknown as GeoJsonData;
}

function labels(items: readonly JurisdictionContextItem[]): GeoJsonData {
  return {
    type: 'FeatureCollection',
    features: items
      .filter((i) => i.relation === 'sibling' && i.labelAt)
      .map((i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: i.labelAt }, properties: { name: i.name } })),
  } as unknown as GeoJsonData;
}

/** Line width of an ancestor's outline: the higher the level, the wider. */
const ANCESTOR_WIDTH: ExpressionSpecification = ['match', ['get', 'level'], 'city', 2.5, 'district', 2, 'street', 1.6, 1.2];

function contextLayers(): { below: LayerSpecification[]; above: LayerSpecification[] } {
  const text = { 'text-color': GREY.text, 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 } as const;
  return {
    below: [
      {
        id: 'context-fill',
        type: 'fill',
        source: 'context',
        filter: ['==', ['get', 'relation'], 'sibling'],
        paint: { 'fill-color': GREY.fill, 'fill-opacity': 0.35 },
      },
      {
        id: 'context-line',
        type: 'line',
        source: 'context',
        filter: ['==', ['get', 'relation'], 'sibling'],
        paint: { 'line-color': GREY.line, 'line-width': 1 },
      },
      {
        id: 'context-ancestor-line',
        type: 'line',
        source: 'context',
        filter: ['==', ['get', 'relation'], 'ancestor'],
        paint: { 'line-color': GREY.ancestor, 'line-width': ANCESTOR_WIDTH, 'line-dasharray': [3, 2] },
      },
    ],
    // Names go above everything; MapLibre's collision detection drops a label that would overlap
    // one already placed (text-allow-overlap false), and zooming in brings it back.
    above: [
      {
        id: 'context-ancestor-label',
        type: 'symbol',
        source: 'context',
        filter: ['==', ['get', 'relation'], 'ancestor'],
        layout: {
          'symbol-placement': 'line',
          'symbol-spacing': 360,
          'text-field': ['get', 'name'],
          'text-size': 12,
          'text-allow-overlap': false,
          'text-ignore-placement': false,
          'text-padding': 4,
        },
        paint: text,
      },
      {
        id: 'context-label',
        type: 'symbol',
        source: 'context-labels',
        layout: {
          'text-field': ['get', 'name'],
          'text-size': 12,
          'text-allow-overlap': false,
          'text-ignore-placement': false,
          'text-padding': 4,
          'text-max-width': 8,
        },
        paint: text,
      },
    ],
  };
}

/** Adds the context sources and layers once: outlines above the background and base map, names on top. */
function ensureLayers(map: MapLibreMap): void {
  if (map.getSource('context')) return;
  const empty = { type: 'FeatureCollection', features: [] } as unknown as GeoJsonData;
  map.addSource('context', { type: 'geojson', data: empty });
  map.addSource('context-labels', { type: 'geojson', data: empty });
  const { below, above } = contextLayers();
  const before = map.getStyle().layers.find((l) => l.type !== 'background' && !l.id.startsWith(BASEMAP_PREFIX))?.id;
  for (const l of below) map.addLayer(l, before);
  for (const l of above) map.addLayer(l);
}

/**
 * Draws, in grey, what lies around the nodes a map shows: their parent's other children with their
 * names, and their ancestors' outlines named along the line (GET /api/geo/jurisdictions/:id/context),
 * so a single compound is never a lone shape on an empty canvas. Returns how many outlines were
 * added (the legend says what grey means when there are any).
 */
export function useMapContext(map: RefObject<MapLibreMap | null>, state: MapState, nodeIds: readonly (string | null | undefined)[]): number {
  const ids = useMemo(() => [...new Set(nodeIds.filter((x): x is string => !!x))].slice(0, MAX_NODES), [nodeIds]);
  const key = ids.join(',');
  const [items, setItems] = useState<JurisdictionContextItem[]>([]);

  useEffect(() => {
    const ctl = new AbortController();
    if (!ids.length) {
      setItems([]);
      return;
    }
    Promise.all(
      ids.map((id) => http.get<JurisdictionContext>(`/api/geo/jurisdictions/${encodeURIComponent(id)}/context`, undefined, ctl.signal).catch(() => null)),
    ).then(
      (all) => !ctl.signal.aborted && setItems(merge(all.filter((c): c is JurisdictionContext => c !== null))),
      () => undefined,
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for `ids`
  }, [key]);

  useEffect(() => {
    const m = map.current;
    if (!m || state !== 'ready') return;
    ensureLayers(m);
    (m.getSource('context') as GeoJSONSource).setData(outlines(items));
    (m.getSource('context-labels') as GeoJSONSource).setData(labels(items));
  }, [map, state, items]);

  return items.length;
}
