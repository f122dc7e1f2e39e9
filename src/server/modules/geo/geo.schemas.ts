import { z } from 'zod';
import { JURISDICTION_LEVELS } from '../../../common/geo.js';

/** Levels GET /api/geo/geojson serves (defined here, so that the schemas import no service code). */
export const GEOJSON_LEVELS = ['city', 'district', 'street', 'community', 'compound', 'building', 'entrance'] as const;
export type GeojsonLevel = (typeof GEOJSON_LEVELS)[number];

const id = z.string().min(1).max(64);

export const idParams = z.strictObject({ id: id.describe('jurisdiction id') });

export const jurisdictionSchema = z.object({
  id: z.string(),
  code: z.string().describe('division code: 6 digits (city, district), 12 (street, community), 15/17/18 (compound, building, entrance)'),
  name: z.string(),
  level: z.enum(JURISDICTION_LEVELS),
  kind: z.string().nullable().describe('refines the level: county, zone, town, township, village, urban, rural, apartment, house…'),
  parentId: z.string().nullable(),
  path: z.string().describe('materialised path of codes, /420500/420502/…/'),
  depth: z.number().int().describe('0 for the city'),
  population: z.number().int().describe('persons living (or staying) in the subtree'),
  centroid: z.tuple([z.number(), z.number()]).nullable().describe('[lng, lat] WGS-84'),
  localCode: z.boolean().describe('the code is a local one, not a GB/T 2260 / statistical division code (e.g. 宜昌高新区 420571): show it as 本地编码'),
});

export const listQuery = z.strictObject({
  parentId: id.optional().describe('children of this node (roots when omitted and no q/level)'),
  level: z.enum(JURISDICTION_LEVELS).optional().describe('only nodes of this level (a search, under parentId when given)'),
  q: z.string().trim().min(1).max(50).optional().describe('name contains, or code starts with'),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});

export const listResponse = z.object({ items: z.array(jurisdictionSchema) });
export type JurisdictionList = z.infer<typeof listResponse>;

export const detailResponse = z.object({
  node: jurisdictionSchema,
  ancestors: z.array(jurisdictionSchema).describe('breadcrumbs, the city first'),
  childCounts: z.partialRecord(z.enum(JURISDICTION_LEVELS), z.number().int()).describe('descendants per level'),
  population: z.number().int(),
  buildings: z
    .array(jurisdictionSchema.extend({ vulnerable: z.number().int().describe('residents with any vulnerability flag') }))
    .nullable()
    .describe("a compound's buildings; null for other levels"),
});
/** GET /api/geo/jurisdictions/:id */
export type JurisdictionDetail = z.infer<typeof detailResponse>;

export const geojsonQuery = z.strictObject({
  rootId: id.optional().describe('subtree root (default: the city)'),
  level: z.enum(GEOJSON_LEVELS).default('district'),
});

const featureSchema = z.object({
  type: z.literal('Feature'),
  geometry: z
    .looseObject({ type: z.string().describe('Polygon or MultiPolygon'), coordinates: z.unknown() })
    .nullable()
    .describe('GeoJSON geometry, or null when the node has no shape'),
  properties: z.object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    level: z.enum(JURISDICTION_LEVELS),
    kind: z.string().nullable(),
    population: z.number().int(),
    localCode: z.boolean(),
  }),
});

export const featureCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(featureSchema),
  truncated: z.boolean().describe('more nodes matched than the cap (5000); ask for a smaller root'),
  total: z.number().int().describe('how many nodes matched'),
});
export type JurisdictionFeature = z.infer<typeof featureSchema>;
/** GET /api/geo/geojson */
export type FeatureCollection = z.infer<typeof featureCollectionSchema>;

export const nearestQuery = z.strictObject({
  lng: z.coerce.number().min(-180).max(180).describe('longitude, WGS-84 degrees'),
  lat: z.coerce.number().min(-90).max(90).describe('latitude, WGS-84 degrees'),
  maxMetres: z.coerce.number().int().min(1).max(20_000).default(2000).describe('search radius, metres'),
  level: z.enum(['building', 'compound', 'entrance']).optional().describe('one level only (default: building or compound)'),
});
export const nearestResponse = z.object({
  node: jurisdictionSchema.nullable().describe('the nearest node inside your jurisdiction, or null when none is within maxMetres'),
  metres: z.number().nullable().describe('its centroid distance, metres'),
});

const contextItemSchema = z.object({
  id: z.string().nullable().describe('null for a node outside what the caller may read (its outline and name only, never its figures)'),
  code: z.string().describe('division code (public, GB/T 2260 and statistical codes)'),
  name: z.string(),
  level: z.enum(JURISDICTION_LEVELS),
  relation: z.enum(['sibling', 'ancestor']).describe('sibling: another child of the same parent; ancestor: a parent, grandparent… up to the city'),
  geometry: featureSchema.shape.geometry.describe('the outline, simplified for a map at the node’s scale; null when the node has no shape'),
  labelAt: z
    .tuple([z.number(), z.number()])
    .nullable()
    .describe('[lng, lat] where a sibling’s name goes (the centre of its largest part); null for ancestors, named along their outline'),
});

export const contextResponse = z.object({
  node: z.object({ id: z.string(), name: z.string(), level: z.enum(JURISDICTION_LEVELS) }),
  items: z.array(contextItemSchema).describe('siblings by code, then ancestors from the parent up; no counts or figures'),
  truncated: z.boolean().describe('the parent has more children than the cap (300); the first by code are given'),
});
/** GET /api/geo/jurisdictions/:id/context */
export type JurisdictionContext = z.infer<typeof contextResponse>;
export type JurisdictionContextItem = z.infer<typeof contextItemSchema>;

const basemapInfoSchema = z.object({
  url: z.string().describe('where the PMTiles file is served (GET with Range)'),
  version: z.string().describe('changes when the file is replaced (size and modification time)'),
  tileType: z.enum(['unknown', 'mvt', 'png', 'jpeg', 'webp', 'avif']).describe('mvt: vector tiles; the others: raster images'),
  minZoom: z.number().int(),
  maxZoom: z.number().int(),
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('[west, south, east, north] WGS-84 degrees'),
});
/** What the web needs to draw the configured base map. */
export type BasemapInfo = z.infer<typeof basemapInfoSchema>;

export const basemapResponse = z.object({
  basemap: basemapInfoSchema.nullable().describe('null when none is configured: maps draw on a plain background and fetch no tiles'),
});
/** GET /api/geo/basemap */
export type BasemapResponse = z.infer<typeof basemapResponse>;
// The response shapes, inferred (issue 15: the schemas are the one source; src/common/geo.ts
// re-exports these types for the web).
/** A jurisdiction as the API returns it. */
export type JurisdictionDto = z.infer<typeof jurisdictionSchema>;
/** Properties of every feature of GET /api/geo/geojson and the subtree export. */
export type JurisdictionFeatureProperties = JurisdictionFeature['properties'];
