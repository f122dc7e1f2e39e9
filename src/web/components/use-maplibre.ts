import { Map as MapLibreMap, setWorkerUrl, type MapOptions } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef, useState, type DependencyList, type RefObject } from 'react';
import { addBasemap } from './basemap.js';

// The worker ships as its own file from our origin (CSP: worker-src 'self' blob:); MapLibre would
// otherwise look for it next to the bundled chunk under its original name.
setWorkerUrl(workerUrl);

/** Where a map is: being drawn, drawn, or impossible here (no WebGL 2). */
export type MapState = 'loading' | 'ready' | 'no-webgl';

/** MapLibre draws with WebGL 2; without it (no GPU and no software fallback) there is no map. */
export function webgl2Available(): boolean {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch {
    return false;
  }
}

/** What one map is made of: its options (style, bounds…) and what to add once it exists. */
export interface MapBuild {
  options: Omit<MapOptions, 'container'>;
  /** Adds markers and handlers to the new map; returns what to undo before the map is removed. */
  setup?: (map: MapLibreMap) => (() => void) | void;
}

/** The property of a map's container that holds its MapLibre map (browser tests read the style through it). */
export const MAP_PROPERTY = 'maplibreMap';

/**
 * The setup every map of the web repeats: no tiles unless a base map is configured (then its
 * layers go under everything, see basemap.ts), no rotation, a fallback state instead of a
 * crash without WebGL 2 (a GPUInitializationError at creation counts as that too), resizing with
 * its box, and removal on unmount. `build` runs again when `deps` change (a new map: new data is a
 * new place, and the view must refit anyway). A map that failed stays failed.
 */
export function useMapLibre(
  build: () => MapBuild,
  deps: DependencyList,
): { container: RefObject<HTMLDivElement | null>; map: RefObject<MapLibreMap | null>; state: MapState } {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [state, setState] = useState<MapState>(() => (webgl2Available() ? 'loading' : 'no-webgl'));
  const buildRef = useRef(build);
  buildRef.current = build;

  // eslint-disable-next-line react-hooks/exhaustive-deps -- runs per caller's deps; the state it reads is the one it sets (a failed map stays failed)
  useEffect(() => {
    const box = container.current;
    if (state === 'no-webgl' || !box) return;
    setState('loading');
    const { options, setup } = buildRef.current();
    let map: MapLibreMap;
    try {
      map = new MapLibreMap({ attributionControl: false, renderWorldCopies: false, dragRotate: false, pitchWithRotate: false, ...options, container: box });
    } catch (err) {
      // Typically GPUInitializationError: WebGL 2 exists but a context cannot be made.
      console.warn('map unavailable', err);
      setState('no-webgl');
      return;
    }
    mapRef.current = map;
    Object.defineProperty(box, MAP_PROPERTY, { value: map, configurable: true });
    let alive = true;
    map.on('load', () => {
      setState('ready');
      addBasemap(map, () => alive).catch((err: unknown) => console.warn('base map unavailable', err));
    });
    map.on('error', (e) => console.warn('map error', e.error?.message ?? e));
    const undo = setup?.(map);
    const ro = new ResizeObserver(() => map.resize());
    ro.observe(box);
    return () => {
      alive = false;
      ro.disconnect();
      undo?.();
      delete (box as unknown as Record<string, unknown>)[MAP_PROPERTY];
      map.remove();
      mapRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's list, as with useMemo's; `build` is read through a ref
  }, deps);

  return { container, map: mapRef, state };
}
