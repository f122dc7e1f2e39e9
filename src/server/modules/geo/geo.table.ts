import type { ColumnType } from 'kysely';
import type { ColumnsOf } from '../../db/columns.js';
import type { JurisdictionLevel } from '../../../common/geo.js';

/**
 * A node of the administrative tree: city → district/county/zone → street/township →
 * community/village → compound → building → entrance.
 */
export interface JurisdictionsTable {
  id: string;
  /** GB/T 2260 six-digit code for city and districts; 12-digit extensions below; longer for compound/building/entrance. */
  code: string;
  name: string;
  /** city · district · street · community · compound · building · entrance */
  level: JurisdictionLevel;
  /** Finer kind within a level: county, zone, township, village, urban, rural… */
  kind: string | null;
  parent_id: string | null;
  /** Materialised path of codes with a trailing slash, e.g. `/420500/420502/420502001000/`. */
  path: string;
  depth: number;
  /** GeoJSON geometry (Polygon) as text; null where none is known. */
  geometry: string | null;
  centroid_lng: number | null;
  centroid_lat: number | null;
  /** Persons (residents and non-residents staying there) in this subtree, kept current incrementally. */
  population: number;
  /**
   * 1 when the code is a local one, not a GB/T 2260 / statistical division code (宜昌高新区 420571
   * and everything under it): the interface marks it 本地编码 / local code. Defaults to 0.
   */
  local_code: ColumnType<number, number | undefined, number>;
  created_at: number;
  updated_at: number;
}

export interface GeoTables {
  jurisdictions: JurisdictionsTable;
}

export const geoColumns: ColumnsOf<GeoTables> = {
  jurisdictions: {
    id: 1,
    code: 1,
    name: 1,
    level: 1,
    kind: 1,
    parent_id: 1,
    path: 1,
    depth: 1,
    geometry: 1,
    centroid_lng: 1,
    centroid_lat: 1,
    population: 1,
    local_code: 1,
    created_at: 1,
    updated_at: 1,
  },
};
