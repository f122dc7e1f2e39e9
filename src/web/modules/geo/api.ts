import type { JurisdictionLevel } from '../../../common/geo.js';
import type { FeatureCollection, JurisdictionDetail as JurisdictionDetailDto, JurisdictionList } from '../../../server/modules/geo/geo.schemas.js';
import { http } from '../../app/http.js';

// The shapes are the server's schemas (type-only imports: no server code reaches the bundle).
export type { JurisdictionLevel };
/** GET /api/geo/jurisdictions/:id */
export type JurisdictionDetail = JurisdictionDetailDto;
/** GET /api/geo/geojson */
export type JurisdictionCollection = FeatureCollection;

export const geoApi = {
  /** Children of `parentId` (the top of the tree when omitted). */
  children: (parentId?: string, signal?: AbortSignal) => http.get<JurisdictionList>('/api/geo/jurisdictions', { parentId, limit: 5000 }, signal),
  /** Nodes whose name contains `q` or whose code starts with it. */
  search: (q: { q: string; level?: JurisdictionLevel; limit?: number }, signal?: AbortSignal) =>
    http.get<JurisdictionList>('/api/geo/jurisdictions', q, signal),
  detail: (id: string, signal?: AbortSignal) => http.get<JurisdictionDetail>(`/api/geo/jurisdictions/${encodeURIComponent(id)}`, undefined, signal),
  /** Nodes of `level` under `rootId` (the city when omitted) as GeoJSON. */
  geojson: (q: { rootId?: string; level: JurisdictionLevel }, signal?: AbortSignal) => http.get<JurisdictionCollection>('/api/geo/geojson', q, signal),
};
