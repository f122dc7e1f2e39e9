import { Alert } from 'antd';
import { LngLatBounds, Marker, Popup, type ExpressionSpecification, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import { useEffect, useMemo, useRef } from 'react';
import type { JurisdictionFeatureProperties } from '../../common/geo.js';
import { formatCount } from '../app/format.js';
import { useI18n } from '../app/i18n.js';
import type { JurisdictionCollection } from '../modules/geo/api.js';
import { useMapContext } from './map-context.js';
import { useMapLibre } from './use-maplibre.js';

/** Population colour ramp, light to dark (the legend draws the same one in CSS). */
const RAMP = ['#fde0dd', '#f768a1', '#7a0177'] as const;

/** Name labels are HTML markers (there is no glyph server); past this many they would only clutter. */
const MAX_LABELS = 120;

type Ring = [number, number][];
/** What a GeoJSON source accepts (our collection, with its extra `truncated`/`total`, is one). */
type GeoJsonData = Parameters<GeoJSONSource['setData']>[0];

/** The area-weighted centre of the largest polygon of a feature (where its label goes). */
function labelPoint(geometry: { type: string; coordinates: unknown } | null): [number, number] | null {
  if (!geometry) return null;
  const polys: Ring[][] =
    geometry.type === 'Polygon' ? [geometry.coordinates as Ring[]] : geometry.type === 'MultiPolygon' ? (geometry.coordinates as Ring[][]) : [];
  let best: { a: number; x: number; y: number } | null = null;
  for (const poly of polys) {
    const ring = poly[0];
    if (!ring || ring.length < 3) continue;
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      a += f;
      cx += (ring[j][0] + ring[i][0]) * f;
      cy += (ring[j][1] + ring[i][1]) * f;
    }
    if (a === 0) continue;
    const c = { a: Math.abs(a), x: cx / (3 * a), y: cy / (3 * a) };
    if (!best || c.a > best.a) best = c;
  }
  return best ? [best.x, best.y] : null;
}

function boundsOf(fc: JurisdictionCollection): LngLatBounds | null {
  const b = new LngLatBounds();
  let any = false;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      b.extend([c[0] as number, c[1] as number]);
      any = true;
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of fc.features) if (f.geometry) visit(f.geometry.coordinates);
  return any ? b : null;
}

interface Props {
  collection: JurisdictionCollection;
  /** Called with the clicked area's properties. */
  onSelect?: (p: JurisdictionFeatureProperties) => void;
  /** Outlined as selected. */
  selectedId?: string | null;
  /** The node whose parts the collection is: its neighbours and parents are drawn around in grey. */
  contextId?: string | null;
  'data-testid'?: string;
}

/**
 * A map of jurisdiction polygons coloured by population, drawn by MapLibre GL on a plain background
 * (or the configured base map, served by Bulwark), with the node's neighbours and parents in grey
 * around it (`contextId`). No fonts or sprites from anywhere: context names are drawn locally.
 * Names are HTML markers; clicking an area shows its name and population. Without WebGL 2 it
 * shows a clear message instead (`data-map-state="no-webgl"`), never a crash.
 */
export function ChoroplethMap({ collection, onSelect, selectedId, contextId, ...rest }: Props) {
  const { t, lang } = useI18n();
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const langRef = useRef(lang);
  langRef.current = lang;

  const pops = collection.features.map((f) => f.properties.population);
  const min = pops.length ? Math.min(...pops) : 0;
  const max = pops.length ? Math.max(...pops) : 0;

  // The map is rebuilt for new data (a new collection is a new place or level, so the view
  // must refit anyway); selection changes only move the outline (below).
  const {
    container,
    map: mapRef,
    state,
  } = useMapLibre(() => {
    const hi = max > min ? max : min + 1;
    const fillColor: ExpressionSpecification = ['interpolate', ['linear'], ['get', 'population'], min, RAMP[0], (min + hi) / 2, RAMP[1], hi, RAMP[2]];
    const style: StyleSpecification = {
      version: 8,
      sources: { areas: { type: 'geojson', data: collection as unknown as GeoJsonData } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } },
        { id: 'fill', type: 'fill', source: 'areas', paint: { 'fill-color': fillColor, 'fill-opacity': 0.85 } },
        { id: 'outline', type: 'line', source: 'areas', paint: { 'line-color': '#ffffff', 'line-width': 1.2 } },
        { id: 'selected', type: 'line', source: 'areas', filter: ['==', ['get', 'id'], selectedId ?? ''], paint: { 'line-color': '#1f1f1f', 'line-width': 3 } },
      ],
    };
    const bounds = boundsOf(collection);
    return {
      options: { style, bounds: bounds ?? undefined, fitBoundsOptions: { padding: 24 } },
      setup: (map) => {
        const markers: Marker[] = [];
        if (collection.features.length <= MAX_LABELS) {
          // Most populous first: when labels collide, the bigger place keeps its name.
          const ordered = [...collection.features].sort((a, b) => b.properties.population - a.properties.population);
          for (const f of ordered) {
            const at = labelPoint(f.geometry);
            if (!at) continue;
            const el = document.createElement('div');
            el.className = 'bw-map-label';
            el.textContent = f.properties.name;
            markers.push(new Marker({ element: el }).setLngLat(at).addTo(map));
          }
        }
        // No glyph server means no symbol-layer collision handling: hide HTML labels that overlap a
        // label placed before them (zooming in reveals them).
        const declutter = () => {
          const placed: DOMRect[] = [];
          for (const m of markers) {
            const el = m.getElement();
            el.style.visibility = 'visible';
            const r = el.getBoundingClientRect();
            const hit = placed.some((p) => r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top);
            if (hit) el.style.visibility = 'hidden';
            else placed.push(r);
          }
        };
        map.on('load', declutter);
        map.on('moveend', declutter);
        const popup = new Popup({ closeButton: false, maxWidth: '260px' });
        map.on('mouseenter', 'fill', () => (map.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', 'fill', () => (map.getCanvas().style.cursor = ''));
        map.on('click', 'fill', (e) => {
          const p = e.features?.[0]?.properties as JurisdictionFeatureProperties | undefined;
          if (!p) return;
          const el = document.createElement('div');
          const name = document.createElement('strong');
          name.textContent = p.name;
          const pop = document.createElement('div');
          pop.textContent = `${formatCount(Number(p.population), langRef.current)}`;
          el.append(name, pop);
          popup.setLngLat(e.lngLat).setDOMContent(el).addTo(map);
          onSelectRef.current?.({ ...p, population: Number(p.population) });
        });
        return () => {
          markers.forEach((m) => m.remove());
          popup.remove();
        };
      },
    };
  }, [collection]);

  const contextIds = useMemo(() => [contextId], [contextId]);
  const around = useMapContext(mapRef, state, contextIds);

  useEffect(() => {
    const map = mapRef.current;
    if (map && state === 'ready') map.setFilter('selected', ['==', ['get', 'id'], selectedId ?? '']);
  }, [mapRef, selectedId, state]);

  if (state === 'no-webgl') {
    return <Alert type="info" showIcon title={t('map.noWebgl')} data-testid={rest['data-testid']} data-map-state="no-webgl" />;
  }
  return (
    <div>
      <div ref={container} className="bw-map" data-testid={rest['data-testid']} data-map-state={state} />
      {collection.truncated && <Alert type="warning" showIcon title={t('map.truncated', { n: collection.features.length })} style={{ marginTop: 8 }} />}
      <div className="bw-legend">
        <span>{t('map.legend')}</span>
        <span>{formatCount(min, lang)}</span>
        <span className="bw-legend-ramp" />
        <span>{formatCount(max, lang)}</span>
        {around > 0 && (
          <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }} data-testid="legend-context">
            <span style={{ width: 14, height: 10, background: '#bfbfbf', border: '1px dashed #595959', display: 'inline-block' }} />
            {t('map.context')}
          </span>
        )}
      </div>
    </div>
  );
}
