import type { JurisdictionDto, JurisdictionFeatureProperties, JurisdictionLevel } from '../../../common/geo.js';
import { http } from '../../app/http.js';

export type { JurisdictionDto, JurisdictionLevel };

/** GET /api/geo/jurisdictions/:id */
export interface JurisdictionDetail {
  node: JurisdictionDto;
  /** Breadcrumbs, the city first. */
  ancestors: JurisdictionDto[];
  /** Descendants per level. */
  childCounts: Partial<Record<JurisdictionLevel, number>>;
  population: number;
  /** A compound's buildings with vulnerable counts; null for other levels. */
  buildings: (JurisdictionDto & { vulnerable: number })[] | null;
}

export interface JurisdictionFeature {
  type: 'Feature';
  /** A GeoJSON Polygon (or MultiPolygon), or null when the node has no shape. */
  geometry: { type: string; coordinates: unknown } | null;
  properties: JurisdictionFeatureProperties;
}

/** GET /api/geo/geojson */
export interface JurisdictionCollection {
  type: 'FeatureCollection';
  features: JurisdictionFeature[];
  truncated: boolean;
  total: number;
}

export const geoApi = {
  /** Children of `parentId` (the top of the tree when omitted). */
  children: (parentId?: string, signal?: AbortSignal) => http.get<{ items: JurisdictionDto[] }>('/api/geo/jurisdictions', { parentId, limit: 5000 }, signal),
  /** Nodes whose name contains `q` or whose code starts with it. */
  search: (q: { q: string; level?: JurisdictionLevel; limit?: number }, signal?: AbortSignal) => http.get<{ items: JurisdictionDto[] }>('/api/geo/jurisdictions', q, signal),
  detail: (id: string, signal?: AbortSignal) => http.get<JurisdictionDetail>(`/api/geo/jurisdictions/${encodeURIComponent(id)}`, undefined, signal),
  /** Nodes of `level` under `rootId` (the city when omitted) as GeoJSON. */
  geojson: (q: { rootId?: string; level: JurisdictionLevel }, signal?: AbortSignal) => http.get<JurisdictionCollection>('/api/geo/geojson', q, signal),
};
