import { Alert } from 'antd';
import { LngLatBounds, Marker, Popup, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import { useEffect, useMemo, useRef } from 'react';
import { useI18n } from '../../../app/i18n.js';
import { useMapContext } from '../../../components/map-context.js';
import { useMapLibre } from '../../../components/use-maplibre.js';
import type { CoverageCollection } from '../api.js';

/** Coverage classes and their colours (the legend draws the same). */
export const COVERAGE_STEPS = [
  { from: 0, color: '#d73027' },
  { from: 0.5, color: '#fc8d59' },
  { from: 0.8, color: '#fee08b' },
  { from: 0.95, color: '#1a9850' },
] as const;
const NO_TARGET = '#d9d9d9';

type GeoJsonData = Parameters<GeoJSONSource['setData']>[0];
type Ring = [number, number][];

function labelPoint(geometry: unknown): [number, number] | null {
  const g = geometry as { type?: string; coordinates?: unknown } | null;
  if (!g) return null;
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

function boundsOf(fc: CoverageCollection): LngLatBounds | null {
  const b = new LngLatBounds();
  let any = false;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      b.extend([c[0] as number, c[1] as number]);
      any = true;
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of fc.features) visit((f.geometry as { coordinates?: unknown } | null)?.coordinates);
  return any ? b : null;
}

const pct = (c: number) => `${Math.round(c * 100)}%`;

interface Props {
  collection: CoverageCollection;
  /** The map is rebuilt and refitted when this changes (another area); otherwise data changes only recolour it. */
  viewKey: string;
  /** The node whose compounds are drawn: its neighbours and parents are drawn around in grey. */
  contextId?: string | null;
  onSelect?: (id: string) => void;
  'data-testid'?: string;
}

/**
 * Compounds coloured by sampling coverage (MapLibre: our polygons on a plain background or the
 * configured base map, the node's neighbours and parents in grey around them), outlined in red where a positive pool was found. New data — a live
 * `testing.coverage` event — recolours the areas in place without moving the view. Without
 * WebGL 2 it says so (`data-map-state="no-webgl"`); the numbers stay in the table beside it.
 */
export function CoverageMap({ collection, viewKey, contextId, onSelect, ...rest }: Props) {
  const { t } = useI18n();
  const labels = useRef(new Map<string, { el: HTMLDivElement; name: string }>());
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const dataRef = useRef(collection);
  dataRef.current = collection;

  // Rebuilt only for another area; data changes go through setData below.
  const {
    container,
    map: mapRef,
    state,
  } = useMapLibre(() => {
    const fc = dataRef.current;
    const fill = [
      'case',
      ['<=', ['get', 'target'], 0],
      NO_TARGET,
      ['step', ['get', 'coverage'], COVERAGE_STEPS[0].color, ...COVERAGE_STEPS.slice(1).flatMap((s) => [s.from, s.color])],
    ];
    const style: StyleSpecification = {
      version: 8,
      sources: { areas: { type: 'geojson', data: fc as unknown as GeoJsonData } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } },
        { id: 'fill', type: 'fill', source: 'areas', paint: { 'fill-color': fill as never, 'fill-opacity': 0.85 } },
        { id: 'outline', type: 'line', source: 'areas', paint: { 'line-color': '#ffffff', 'line-width': 1 } },
        { id: 'positive', type: 'line', source: 'areas', filter: ['>', ['get', 'positiveTubes'], 0], paint: { 'line-color': '#a50026', 'line-width': 3 } },
      ],
    };
    return {
      options: { style, bounds: boundsOf(fc) ?? undefined, fitBoundsOptions: { padding: 24 } },
      setup: (map) => {
        const markers: Marker[] = [];
        labels.current.clear();
        if (fc.features.length <= 150) {
          for (const f of fc.features) {
            const at = labelPoint(f.geometry);
            if (!at) continue;
            const el = document.createElement('div');
            el.className = 'bw-map-label';
            el.textContent = `${f.properties.name} ${pct(f.properties.coverage)}`;
            labels.current.set(f.properties.id, { el, name: f.properties.name });
            markers.push(new Marker({ element: el }).setLngLat(at).addTo(map));
          }
        }
        const popup = new Popup({ closeButton: false, maxWidth: '260px' });
        map.on('click', 'fill', (e) => {
          const p = e.features?.[0]?.properties as { id: string; name: string; sampled: number; target: number; coverage: number } | undefined;
          if (!p) return;
          const el = document.createElement('div');
          const name = document.createElement('strong');
          name.textContent = p.name;
          const line = document.createElement('div');
          line.textContent = `${Number(p.sampled)} / ${Number(p.target)} · ${pct(Number(p.coverage))}`;
          el.append(name, line);
          popup.setLngLat(e.lngLat).setDOMContent(el).addTo(map);
          onSelectRef.current?.(p.id);
        });
        return () => {
          markers.forEach((m) => m.remove());
          popup.remove();
        };
      },
    };
  }, [viewKey]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || state !== 'ready') return;
    (map.getSource('areas') as GeoJSONSource | undefined)?.setData(collection as unknown as GeoJsonData);
    for (const f of collection.features) {
      const l = labels.current.get(f.properties.id);
      if (l) l.el.textContent = `${l.name} ${pct(f.properties.coverage)}`;
    }
  }, [mapRef, collection, state]);

  const contextIds = useMemo(() => [contextId], [contextId]);
  const around = useMapContext(mapRef, state, contextIds);

  const legend = (
    <div className="bw-legend">
      <span>{t('testing.legendCoverage')}</span>
      {COVERAGE_STEPS.map((s, i) => (
        <span key={s.from} style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
          <span style={{ width: 14, height: 10, background: s.color, display: 'inline-block', borderRadius: 2 }} />
          {i + 1 < COVERAGE_STEPS.length ? `${pct(s.from)}–${pct(COVERAGE_STEPS[i + 1].from)}` : `≥${pct(s.from)}`}
        </span>
      ))}
      <span>{t('testing.legendPositive')}</span>
      {around > 0 && (
        <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }} data-testid="legend-context">
          <span style={{ width: 14, height: 10, background: '#bfbfbf', border: '1px dashed #595959', display: 'inline-block' }} />
          {t('map.context')}
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
      <div ref={container} className="bw-map" data-testid={rest['data-testid']} data-map-state={state} data-features={collection.features.length} />
      {collection.truncated && <Alert type="warning" showIcon title={t('map.truncated', { n: collection.features.length })} style={{ marginTop: 8 }} />}
      {legend}
    </div>
  );
}
