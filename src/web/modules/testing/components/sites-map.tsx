import { Alert } from 'antd';
import { LngLatBounds, Marker, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import { useI18n } from '../../../app/i18n.js';
import { useMapLibre } from '../../../components/use-maplibre.js';

type GeoJsonData = Parameters<GeoJSONSource['setData']>[0];

export interface SitePoint {
  id: string;
  name: string;
  location: [number, number];
}
export interface GapPoint {
  id: string;
  name: string;
  centroid: [number, number];
}

/** A circle of `radiusM` metres around a point as a 48-gon (equirectangular; fine at a city's scale). */
function circle([lng, lat]: [number, number], radiusM: number): [number, number][] {
  const dLat = radiusM / 111_320;
  const dLng = radiusM / (111_320 * Math.cos((lat * Math.PI) / 180));
  const ring: [number, number][] = [];
  for (let i = 0; i <= 48; i++) {
    const a = (i / 48) * 2 * Math.PI;
    ring.push([lng + dLng * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}

/**
 * The 15-minute circle on a map: each site with its radius drawn around it, and the compounds
 * with no site within that distance as red dots (MapLibre, no base map).
 */
export function SitesMap({ sites, gaps, radiusM, ...rest }: { sites: SitePoint[]; gaps: GapPoint[]; radiusM: number; 'data-testid'?: string }) {
  const { t } = useI18n();
  const { container, state } = useMapLibre(() => {
    const circles = {
      type: 'FeatureCollection',
      features: sites.map((s) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [circle(s.location, radiusM)] }, properties: { id: s.id } })),
    };
    const sitePts = {
      type: 'FeatureCollection',
      features: sites.map((s) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: s.location }, properties: { id: s.id, name: s.name } })),
    };
    const gapPts = {
      type: 'FeatureCollection',
      features: gaps.map((g) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: g.centroid }, properties: { id: g.id, name: g.name } })),
    };
    const style: StyleSpecification = {
      version: 8,
      sources: {
        circles: { type: 'geojson', data: circles as unknown as GeoJsonData },
        sites: { type: 'geojson', data: sitePts as unknown as GeoJsonData },
        gaps: { type: 'geojson', data: gapPts as unknown as GeoJsonData },
      },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } },
        { id: 'circles', type: 'fill', source: 'circles', paint: { 'fill-color': '#1a9850', 'fill-opacity': 0.15 } },
        { id: 'circle-lines', type: 'line', source: 'circles', paint: { 'line-color': '#1a9850', 'line-width': 1 } },
        {
          id: 'gaps',
          type: 'circle',
          source: 'gaps',
          paint: { 'circle-color': '#d73027', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
        },
        {
          id: 'sites',
          type: 'circle',
          source: 'sites',
          paint: { 'circle-color': '#1a9850', 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
        },
      ],
    };
    const b = new LngLatBounds();
    let any = false;
    for (const p of [...sites.map((s) => s.location), ...gaps.map((g) => g.centroid)]) {
      b.extend(p);
      any = true;
    }
    return {
      options: { style, bounds: any ? b : undefined, fitBoundsOptions: { padding: 48, maxZoom: 15 } },
      setup: (map) => {
        const markers: Marker[] = [];
        if (sites.length + gaps.length <= 120) {
          for (const p of [...sites.map((s) => ({ at: s.location, name: s.name })), ...gaps.map((g) => ({ at: g.centroid, name: g.name }))]) {
            const el = document.createElement('div');
            el.className = 'bw-map-label';
            el.style.transform = 'translateY(-14px)';
            el.textContent = p.name;
            markers.push(new Marker({ element: el }).setLngLat(p.at).addTo(map));
          }
        }
        return () => markers.forEach((m) => m.remove());
      },
    };
  }, [sites, gaps, radiusM]);

  const legend = (
    <div className="bw-legend">
      <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
        <span style={{ width: 10, height: 10, borderRadius: 5, background: '#1a9850', display: 'inline-block' }} />
        {t('testing.gapsLegendSite')}
      </span>
      <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
        <span style={{ width: 10, height: 10, borderRadius: 5, background: '#d73027', display: 'inline-block' }} />
        {t('testing.gapsLegendGap')}
      </span>
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
      <div ref={container} className="bw-map" data-testid={rest['data-testid']} data-map-state={state} />
      {legend}
    </div>
  );
}
