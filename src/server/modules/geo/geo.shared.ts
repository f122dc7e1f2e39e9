import type { FeatureCollection, JurisdictionDetail, JurisdictionFeature } from './geo.schemas.js';
import type { JurisdictionDto, JurisdictionFeatureProperties, JurisdictionLevel } from '../../../common/geo.js';
import { flag } from '../../db/row-values.js';
import type { Actor } from '../../platform/actor.js';
import { defineErrors } from '../../platform/errors.js';
import type { Ring } from './geometry.js';
import type { JurisdictionListRow, JurisdictionRow } from './geo.repository.js';

export const GeoErrors = defineErrors({
  JURISDICTION_NOT_FOUND: [404, 'No such jurisdiction'],
  JURISDICTION_PARENT_NOT_FOUND: [422, 'The parent jurisdiction does not exist or is outside your jurisdiction'],
  JURISDICTION_LEVEL_INVALID: [422, 'A jurisdiction must be exactly one level below its parent'],
  JURISDICTION_KIND_INVALID: [422, 'This kind does not belong to that level'],
  JURISDICTION_CODE_INVALID: [422, 'A division code is digits only and must extend within its parent'],
  JURISDICTION_CODE_EXISTS: [409, 'A jurisdiction with this code already exists'],
});

export type { GeojsonLevel } from './geo.schemas.js';

/**
 * Read visibility of the tree: a node is readable when it lies inside the actor's scope OR is an
 * ancestor of the scope (a district officer can see the city node and navigate down to their
 * district; siblings of their district stay invisible). Writes, and the `jurisdiction` entity
 * scope used by the policy hook, need the node INSIDE the scope.
 */
export function canReadJurisdiction(actor: Pick<Actor, 'scopePath'>, path: string): boolean {
  return actor.scopePath === '/' || path.startsWith(actor.scopePath) || actor.scopePath.startsWith(path);
}

export function scopeOf(actor: Pick<Actor, 'scopePath'>): string | null {
  return actor.scopePath === '/' ? null : actor.scopePath;
}

export function toJurisdictionDto(r: JurisdictionListRow): JurisdictionDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    level: r.level,
    kind: r.kind,
    parentId: r.parent_id,
    path: r.path,
    depth: Number(r.depth),
    population: Number(r.population),
    centroid: r.centroid_lng === null || r.centroid_lat === null ? null : [Number(r.centroid_lng), Number(r.centroid_lat)],
    localCode: flag(r.local_code),
  } satisfies JurisdictionDto;
}
export function featureOf(r: JurisdictionRow): JurisdictionFeature {
  const properties: JurisdictionFeatureProperties = {
    id: r.id,
    code: r.code,
    name: r.name,
    level: r.level,
    kind: r.kind,
    population: Number(r.population),
    localCode: flag(r.local_code),
  };
  return {
    type: 'Feature',
    geometry: r.geometry ? (JSON.parse(r.geometry) as JurisdictionFeature['geometry']) : null,
    properties,
  } satisfies JurisdictionFeature;
}

/** A node to insert in bulk (the demo loader). Depth and centroid are derived. */
export interface NewJurisdiction {
  id: string;
  code: string;
  name: string;
  level: JurisdictionLevel;
  kind: string | null;
  parentId: string | null;
  path: string;
  /** Outer ring [lng, lat] (open), or null. */
  ring: Ring | null;
  /** Initial counter value (a bulk loader that knows its residents sets it directly). */
  population: number;
  /** A local code, not a GB/T 2260 / statistical one (default false). */
  localCode?: boolean;
}

export interface CreateJurisdictionInput {
  parentId: string;
  code: string;
  name: string;
  level: JurisdictionLevel;
  kind?: string | null;
  ring?: Ring | null;
}

/** The response shapes are the schemas' (geo.schemas.ts). */
export type { FeatureCollection, JurisdictionDetail };

/** Metres between two WGS-84 points [lng, lat] (equirectangular; exact enough at city scale). */
export function metresBetween(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

/** Depth (0 = city) of a materialised path. */
export function depthOf(path: string): number {
  return path.split('/').filter(Boolean).length - 1;
}
