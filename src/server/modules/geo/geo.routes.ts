import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import { basemapReply, readBasemapInfo } from './basemap.js';
import {
  basemapResponse,
  contextResponse,
  detailResponse,
  featureCollectionSchema,
  geojsonQuery,
  idParams,
  listQuery,
  listResponse,
  nearestQuery,
  nearestResponse,
} from './geo.schemas.js';

// Reading the tree uses scope 'filtered': the service lets a user read the nodes inside their scope
// AND the ancestors above it (to navigate from the city down), which the strict entity-scope hook
// cannot express. Out-of-scope nodes are a 404 exactly like missing ones.
const read = { capability: 'geo.read', scope: 'filtered' } as const;
// The base map names no record: anyone who may read the tree may fetch it.
const basemap = { capability: 'geo.read', scope: 'none' } as const;

/** The jurisdiction tree, node details and GeoJSON maps. */
const geoRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const geo = deps.services.geo;

  app.get(
    '/api/geo/jurisdictions',
    {
      config: { policy: read },
      schema: {
        tags: ['geo'],
        description: 'Children of parentId (the city when omitted), or a search by level and/or q, within what the caller may read.',
        querystring: listQuery,
        response: { 200: listResponse },
      },
    },
    async (req) => ({ items: await geo.list(req.actor, req.query) }),
  );

  app.get(
    '/api/geo/jurisdictions/:id',
    {
      config: { policy: read },
      schema: {
        tags: ['geo'],
        description: 'A node with breadcrumbs, descendant counts per level, population, and for a compound its buildings with vulnerable counts.',
        params: idParams,
        response: { 200: detailResponse },
      },
    },
    async (req) => geo.detail(req.actor, req.params.id),
  );

  app.get(
    '/api/geo/geojson',
    {
      config: { policy: read },
      schema: {
        tags: ['geo'],
        description:
          'FeatureCollection of the nodes of one level under rootId (default the city, districts); at most 5000 features (truncated/total say when more matched).',
        querystring: geojsonQuery,
        response: { 200: featureCollectionSchema },
      },
    },
    async (req) => geo.geojson(req.actor, req.query),
  );

  app.get(
    '/api/geo/nearest',
    {
      config: { policy: read },
      schema: {
        tags: ['geo'],
        description: 'The nearest building or compound (by centroid) to a point, inside your jurisdiction and within maxMetres; node null when none.',
        querystring: nearestQuery,
        response: { 200: nearestResponse },
      },
    },
    async (req) => {
      const q = req.query;
      const hit = await geo.nearest(req.actor, [q.lng, q.lat], { maxMetres: q.maxMetres, levels: q.level ? [q.level] : undefined });
      return { node: hit?.node ?? null, metres: hit?.metres ?? null };
    },
  );

  app.get(
    '/api/geo/jurisdictions/:id/context',
    {
      config: { policy: read },
      schema: {
        tags: ['geo'],
        description:
          "What a map of the node draws around it in grey: its parent's other children and its ancestors' outlines, simplified; outlines and names only (a sibling outside your jurisdiction has no id), no figures.",
        params: idParams,
        response: { 200: contextResponse },
      },
    },
    async (req) => geo.context(req.actor, req.params.id),
  );

  app.get(
    '/api/geo/basemap',
    {
      config: { policy: basemap },
      schema: {
        tags: ['geo'],
        description: 'The configured base map (BULWARK_BASEMAP_PMTILES): where it is served, its tile type, zooms and bounds; null when none is.',
        response: { 200: basemapResponse },
      },
    },
    async () => ({ basemap: deps.config.basemapPmtiles ? await readBasemapInfo(deps.config.basemapPmtiles) : null }),
  );

  app.get(
    '/api/geo/basemap.pmtiles',
    {
      config: { policy: basemap },
      schema: {
        tags: ['geo'],
        description:
          'The base map file itself, for the PMTiles reader: one byte range per request (206), or the whole file; 416 for a range not inside it; 404 when none is configured.',
      },
    },
    async (req, reply) => {
      const out = await basemapReply(deps.config.basemapPmtiles, { range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
      reply.headers(out.headers);
      if (out.status === 416) throw out.error;
      return reply.code(out.status).send(out.body);
    },
  );

  app.get(
    '/api/geo/jurisdictions/:id/export.geojson',
    {
      config: { policy: read },
      schema: { tags: ['geo'], description: 'The whole (readable) subtree as a GeoJSON FeatureCollection download, every level, streamed.', params: idParams },
    },
    async (req, reply) => {
      const out = await geo.exportSubtree(req.actor, req.params.id);
      reply.header('content-type', 'application/geo+json; charset=utf-8').header('content-disposition', `attachment; filename="${out.filename}"`);
      return reply.send(Readable.from(out.chunks));
    },
  );
};

export default geoRoutes;
