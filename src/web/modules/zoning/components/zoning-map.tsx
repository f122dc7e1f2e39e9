import { Alert } from 'antd';
import { LngLatBounds, Marker, Popup, type ExpressionSpecification, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import { useEffect, useRef } from 'react';
import { RISK_LEVEL_LABELS } from '../../../../common/zoning.js';
import { useI18n } from '../../../app/i18n.js';
import { useMapContext } from '../../../components/map-context.js';
import { useMapLibre } from '../../../components/use-maplibre.js';
import { LEVEL_COLORS, LEVEL_ORDER, type MapLevel } from '../levels.js';

type GeoJsonData = Parameters<GeoJSONSource['setData']>[0];
type Ring = [number, number][];

/** One place on the map: a compound, building or entrance with its effective level. */
export interface ZoningMapPlace {
  id: string;
  name: string;
  /** compound | building | entrance (drawn in that order: smaller places on top). */
  level: string;
  /** The highest level of the areas covering it; null when none does. */
  effective: MapLevel | null;
  /** Whether the 一刀切 detector flags an area covering it. */
  flagged: boolean;
  /** Covered only by proposals not yet published (drawn grey with a dashed outline). */
  proposed?: boolean;
  geometry: { type: string; coordinates: unknown } | null;
}

const DRAW_ORDER: Record<string, number> = { street: 0, community: 1, compound: 2, building: 3, entrance: 4 };
const FLAG_COLOR = '#722ed1';
const NONE_COLOR = '#d9d9d9';
const PROPOSED_COLOR = '#1f1f1f';

function labelPoint(g: ZoningMapPlace['geometry']): [number, number] | null {
  if (!g) return null;
  if (g.type === 'Point') return g.coordinates as [number, number];
  const polys: Ring[][] = g.type === 'Polygon' ? [g.coordinates as Ring[]] : g.type === 'MultiPolygon' ? (g.coordinates as Ring[][]) : [];
  const ring = polys[0]?.[0];
  if (!ring?.length) return null;
  let x = 0;
  let y = 0;
  for (const [a, b] of ring) {
    x += a;
    y += b;
  }
  return [x / ring.length, y / ring.length];
}

function boundsOf(places: readonly ZoningMapPlace[]): LngLatBounds | null {
  const b = new LngLatBounds();
  let any = false;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      b.extend([c[0] as number, c[1] as number]);
      any = true;
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const p of places) visit(p.geometry?.coordinates);
  return any ? b : null;
}

function toCollection(places: readonly ZoningMapPlace[]) {
  const sorted = [...places].sort((a, b) => (DRAW_ORDER[a.level] ?? 9) - (DRAW_ORDER[b.level] ?? 9));
  return {
    type: 'FeatureCollection',
    features: sorted
      .filter((p) => p.geometry)
      .map((p) => ({
        type: 'Feature',
        geometry: p.geometry,
        properties: {
          id: p.id,
          name: p.name,
          level: p.level,
          effective: p.effective ?? 'none',
          flagged: p.flagged ? 1 : 0,
          proposed: p.proposed ? 1 : 0,
        },
      })),
  };
}

interface Props {
  places: readonly ZoningMapPlace[];
  /** The map is refitted when this changes (another jurisdiction); other changes only recolour it. */
  viewKey: string;
  /** The places whose neighbours and parents are drawn around in grey (the first few count). */
  contextIds?: readonly string[];
  showFlags: boolean;
  onSelect?: (id: string) => void;
  'data-testid'?: string;
}

/**
 * Entrances, buildings and compounds coloured by their effective risk level (the highest level of
 * the areas covering each), on a plain background (MapLibre; the configured base map if any), with
 * the places' neighbours and parents in grey around them (`contextIds`). Places in a flagged area
 * get a purple outline when the flags layer is on. New data (another day on the time slider, a
 * publish) recolours in place. Without WebGL 2 it says so; the tables beside it carry the numbers.
 */
export function ZoningMap({ places, viewKey, contextIds = [], showFlags, onSelect, ...rest }: Props) {
  const { t, label } = useI18n();
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const placesRef = useRef(places);
  placesRef.current = places;
  const flagsRef = useRef(showFlags);
  flagsRef.current = showFlags;
  const tRef = useRef(t);
  tRef.current = t;
  const labelRef = useRef(label);
  labelRef.current = label;

  // Rebuilt only for another area; data changes go through setData below.
  const {
    container,
    map: mapRef,
    state,
  } = useMapLibre(() => {
    const initial = placesRef.current;
    const fill: ExpressionSpecification = [
      'match',
      ['get', 'effective'],
      'high',
      LEVEL_COLORS.high,
      'medium',
      LEVEL_COLORS.medium,
      'low',
      LEVEL_COLORS.low,
      NONE_COLOR,
    ];
    const style: StyleSpecification = {
      version: 8,
      sources: { places: { type: 'geojson', data: toCollection(initial) as unknown as GeoJsonData } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } },
        {
          id: 'fill',
          type: 'fill',
          source: 'places',
          filter: ['!=', ['geometry-type'], 'Point'],
          paint: { 'fill-color': fill, 'fill-opacity': ['case', ['==', ['get', 'effective'], 'none'], 0.6, 0.85] },
        },
        { id: 'outline', type: 'line', source: 'places', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#ffffff', 'line-width': 0.8 } },
        {
          id: 'proposed',
          type: 'line',
          source: 'places',
          filter: ['==', ['get', 'proposed'], 1],
          paint: { 'line-color': PROPOSED_COLOR, 'line-width': 2, 'line-dasharray': [1, 1] },
        },
        {
          id: 'points',
          type: 'circle',
          source: 'places',
          filter: ['==', ['geometry-type'], 'Point'],
          paint: { 'circle-color': fill, 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
        },
        {
          id: 'flags',
          type: 'line',
          source: 'places',
          filter: ['==', ['get', 'flagged'], 1],
          layout: { visibility: flagsRef.current ? 'visible' : 'none' },
          paint: { 'line-color': FLAG_COLOR, 'line-width': 3, 'line-dasharray': [2, 1] },
        },
      ],
    };
    return {
      options: { style, bounds: boundsOf(initial) ?? undefined, fitBoundsOptions: { padding: 32, maxZoom: 17 } },
      setup: (map) => {
        const popup = new Popup({ closeButton: false, maxWidth: '260px' });
        const click = (e: { lngLat: { lng: number; lat: number }; features?: { properties: Record<string, unknown> }[] }) => {
          // The smallest place under the pointer (drawn last) is the one meant.
          const p = e.features?.[e.features.length - 1]?.properties;
          if (!p) return;
          const el = document.createElement('div');
          const name = document.createElement('strong');
          name.textContent = String(p.name);
          const line = document.createElement('div');
          const eff = String(p.effective) as MapLevel | 'none';
          line.textContent =
            eff !== 'none'
              ? labelRef.current(RISK_LEVEL_LABELS[eff])
              : Number(p.proposed) === 1
                ? tRef.current('zoning.legendProposed')
                : tRef.current('zoning.level.none');
          el.append(name, line);
          if (Number(p.flagged) === 1) {
            const f = document.createElement('div');
            f.style.color = FLAG_COLOR;
            f.textContent = tRef.current('zoning.flagged');
            el.append(f);
          }
          popup.setLngLat(e.lngLat).setDOMContent(el).addTo(map);
          onSelectRef.current?.(String(p.id));
        };
        map.on('click', 'fill', click);
        map.on('click', 'points', click);
        return () => popup.remove();
      },
    };
  }, [viewKey]);

  // The first data may arrive after the map was made (or a view may start empty): fit to the
  // first non-empty data once per view, then leave the view where the user put it.
  const fitted = useRef(false);
  useEffect(() => {
    fitted.current = false;
  }, [viewKey]);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || state !== 'ready') return;
    (map.getSource('places') as GeoJSONSource | undefined)?.setData(toCollection(places) as unknown as GeoJsonData);
    if (!fitted.current) {
      const b = boundsOf(places);
      if (b) {
        map.fitBounds(b, { padding: 32, maxZoom: 17, duration: 0 });
        fitted.current = true;
      }
    }
  }, [mapRef, places, state]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || state !== 'ready') return;
    map.setLayoutProperty('flags', 'visibility', showFlags ? 'visible' : 'none');
  }, [mapRef, showFlags, state]);

  const around = useMapContext(mapRef, state, contextIds);

  // Area names as labels would crowd a building-level map; the few areas are named in the table.
  const markers = useRef<Marker[]>([]);
  useEffect(() => {
    const map = mapRef.current;
    markers.current.forEach((m) => m.remove());
    markers.current = [];
    if (!map || state !== 'ready') return;
    const leveled = places.filter((p) => (p.effective || p.proposed) && p.level !== 'entrance');
    if (leveled.length > 40) return;
    for (const p of leveled) {
      const at = labelPoint(p.geometry);
      if (!at) continue;
      const el = document.createElement('div');
      el.className = 'bw-map-label';
      el.textContent = p.name;
      markers.current.push(new Marker({ element: el }).setLngLat(at).addTo(map));
    }
  }, [mapRef, places, state]);

  const counts = { high: 0, medium: 0, low: 0 } as Record<MapLevel, number>;
  let flagged = 0;
  let proposed = 0;
  for (const p of places) {
    if (p.effective) counts[p.effective] += 1;
    if (p.flagged) flagged += 1;
    if (p.proposed) proposed += 1;
  }

  const legend = (
    <div className="bw-legend" data-testid="zoning-legend">
      <span>{t('zoning.legend')}</span>
      {LEVEL_ORDER.map((l) => (
        <span key={l} style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }} data-testid={`legend-${l}`} data-count={counts[l]}>
          <span style={{ width: 14, height: 10, background: LEVEL_COLORS[l], display: 'inline-block', borderRadius: 2 }} />
          {label(RISK_LEVEL_LABELS[l])} {counts[l]}
        </span>
      ))}
      <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }} data-testid="legend-proposed" data-count={proposed}>
        <span style={{ width: 14, height: 10, background: NONE_COLOR, border: `1px dashed ${PROPOSED_COLOR}`, display: 'inline-block' }} />
        {t('zoning.legendProposed')} {proposed}
      </span>
      {around > 0 && (
        <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }} data-testid="legend-context">
          <span style={{ width: 14, height: 10, background: '#bfbfbf', border: '1px dashed #595959', display: 'inline-block' }} />
          {t('map.context')}
        </span>
      )}
      {showFlags && (
        <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }} data-testid="legend-flagged" data-count={flagged}>
          <span style={{ width: 14, height: 0, borderTop: `3px dashed ${FLAG_COLOR}`, display: 'inline-block' }} />
          {t('zoning.legendFlag')} {flagged}
        </span>
      )}
    </div>
  );

  if (state === 'no-webgl') {
    return (
      <div>
        <Alert type="info" showIcon title={t('map.noWebgl')} data-testid={rest['data-testid']} data-map-state="no-webgl" />
        {legend}
      </div>
    );
  }
  return (
    <div>
      <div ref={container} className="bw-map" data-testid={rest['data-testid']} data-map-state={state} data-features={places.length} />
      {legend}
    </div>
  );
}
