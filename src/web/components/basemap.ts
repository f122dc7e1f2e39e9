import { addProtocol, type LayerSpecification, type Map as MapLibreMap } from 'maplibre-gl';
import type { BasemapInfo, BasemapResponse } from '../../server/modules/geo/geo.schemas.js';
import { http } from '../app/http.js';

/** The layers the base map adds begin with this (the context layers and tests find them by it). */
export const BASEMAP_PREFIX = 'basemap-';

let info: Promise<BasemapInfo | null> | null = null;

/**
 * The configured base map, asked for once per page load (the answer changes only with the
 * server's configuration). Without one (the demo) it is null and no tile is ever requested.
 */
function basemapInfo(): Promise<BasemapInfo | null> {
  info ??= http.get<BasemapResponse>('/api/geo/basemap').then(
    (r) => r.basemap,
    () => {
      info = null; // asked again by the next map
      return null;
    },
  );
  return info;
}

let protocol: Promise<void> | null = null;

/** Registers the `pmtiles://` protocol with MapLibre once; the reader is loaded only now. */
function registerProtocol(): Promise<void> {
  protocol ??= import('pmtiles').then(({ Protocol }) => {
    addProtocol('pmtiles', new Protocol().tile);
  });
  return protocol;
}

const muted = { earth: '#f2efe9', green: '#dfe9d8', water: '#c6d9e8', road: '#ffffff', building: '#e2ddd5' };

/**
 * Quiet vector layers for the two common PMTiles schemas (Protomaps: earth, water, landuse,
 * roads, buildings; OpenMapTiles: water, landcover, park, transportation, building). A layer whose
 * source-layer is not in the file draws nothing.
 */
function vectorLayers(): LayerSpecification[] {
  const fill = (layer: string, color: string, opacity = 1): LayerSpecification => ({
    id: `${BASEMAP_PREFIX}${layer}`,
    type: 'fill',
    source: 'basemap',
    'source-layer': layer,
    paint: { 'fill-color': color, 'fill-opacity': opacity },
  });
  const line = (layer: string): LayerSpecification => ({
    id: `${BASEMAP_PREFIX}${layer}`,
    type: 'line',
    source: 'basemap',
    'source-layer': layer,
    paint: { 'line-color': muted.road, 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.5, 16, 3] },
  });
  return [
    fill('earth', muted.earth),
    fill('landuse', muted.green, 0.6),
    fill('landcover', muted.green, 0.6),
    fill('park', muted.green, 0.6),
    fill('water', muted.water),
    line('roads'),
    line('transportation'),
    fill('buildings', muted.building),
    fill('building', muted.building),
  ];
}

/**
 * Adds the configured base map (if any) under everything the map draws, above its background.
 * Returns whether one was added. The source reads the file through the pmtiles protocol:
 * one Range request per directory or tile, to Bulwark itself.
 */
export async function addBasemap(map: MapLibreMap, alive: () => boolean): Promise<boolean> {
  const b = await basemapInfo();
  if (!b || !alive()) return false;
  await registerProtocol();
  if (!alive() || map.getSource('basemap')) return false;
  const url = `pmtiles://${location.origin}${b.url}`;
  const vector = b.tileType === 'mvt';
  map.addSource('basemap', vector ? { type: 'vector', url } : { type: 'raster', url, tileSize: 256 });
  const layers: LayerSpecification[] = vector
    ? vectorLayers()
    : [{ id: `${BASEMAP_PREFIX}raster`, type: 'raster', source: 'basemap', paint: { 'raster-saturation': -0.6, 'raster-opacity': 0.85 } }];
  // Right above the background: the first layer that is not it.
  const before = map.getStyle().layers.find((l) => l.type !== 'background')?.id;
  for (const l of layers) map.addLayer(l, before);
  return true;
}
