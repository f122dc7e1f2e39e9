import { JURISDICTION_LEVELS, type JurisdictionLevel } from '../../../common/geo.js';
import { useRemote } from '../../app/use-remote.js';
import { geoApi } from './api.js';

/** The level just below `level` (undefined below an entrance). */
export function childLevel(level: string | undefined): JurisdictionLevel | undefined {
  const i = JURISDICTION_LEVELS.indexOf(level as JurisdictionLevel);
  return i >= 0 ? JURISDICTION_LEVELS[i + 1] : undefined;
}

/** The parts one level below a node as GeoJSON (districts for the city). */
export function useChildrenGeojson(rootId: string | undefined, rootLevel: string | undefined) {
  const level = childLevel(rootLevel);
  return useRemote(
    (signal) => (level ? geoApi.geojson({ rootId: rootLevel === 'city' ? undefined : rootId, level }, signal) : Promise.resolve(null)),
    [rootId, level],
  );
}

export function useJurisdictionDetail(id: string | undefined) {
  return useRemote((signal) => (id ? geoApi.detail(id, signal) : Promise.resolve(null)), [id]);
}
