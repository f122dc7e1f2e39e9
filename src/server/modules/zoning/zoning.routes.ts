import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import * as s from './zoning.schemas.js';

const tags = ['zoning'];
const areaScope = { entity: 'zoning_area', from: 'params', key: 'id' } as const;

/** Risk areas (风险区): proposals, review, publication, lifting, the 一刀切 detector, the map and the public list. */
const zoningRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const z = deps.services.zoning;

  app.get(
    '/api/zoning/areas',
    {
      config: { policy: { capability: 'area.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Risk areas in your scope (filter by status, level, jurisdiction), with lifting countdown and detector flag.',
        querystring: s.listQuery,
        response: { 200: s.areaList },
      },
    },
    async (req) => z.list(req.actor, req.query),
  );

  app.get(
    '/api/zoning/areas/:id',
    {
      config: { policy: { capability: 'area.read', scope: areaScope } },
      schema: {
        tags,
        description: 'One area: nodes, basis, who proposed/approved/published it, schedule, detector numbers, history.',
        params: s.idParams,
        response: { 200: s.areaDetail },
      },
    },
    async (req) => z.get(req.actor, req.params.id),
  );

  app.post(
    '/api/zoning/proposals',
    {
      config: { policy: { capability: 'area.propose', scope: 'filtered' } },
      schema: {
        tags,
        description: "Proposes areas from the cases' residences and visited places at the active preset's granularity.",
        body: s.generateBody,
        response: { 201: s.generateResult },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => z.generateProposals(trx, req.actor, req.body), 201);
    },
  );

  app.post(
    '/api/zoning/areas',
    {
      config: { policy: { capability: 'area.propose', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Proposes an area by hand: nodes in your scope, a level of the active preset, a basis of cases/contacts.',
        body: s.createBody,
        response: { 201: s.areaDetail },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => z.create(trx, req.actor, req.body), 201);
    },
  );

  app.patch(
    '/api/zoning/areas/:id',
    {
      config: { policy: { capability: 'area.propose', scope: areaScope } },
      schema: {
        tags,
        description: 'Adjusts a proposed area (add/remove nodes, level, measures, name) with a reason.',
        params: s.idParams,
        body: s.adjustBody,
        response: { 200: s.areaDetail },
      },
    },
    async (req) => req.tx((trx) => z.adjust(trx, req.actor, req.params.id, req.body)),
  );

  const publishPolicy = { policy: { capability: 'area.publish', scope: areaScope } } as const;

  app.post(
    '/api/zoning/areas/:id/publish',
    {
      config: publishPolicy,
      schema: {
        tags,
        description:
          'Publishes (approves) a proposed area: residents take its measures through the control service (basis risk_area). A flagged area needs a justification.',
        params: s.idParams,
        body: s.publishBody,
        response: { 200: s.areaDetail },
      },
    },
    async (req) => req.tx((trx) => z.publish(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/zoning/areas/:id/reject',
    {
      config: publishPolicy,
      schema: { tags, description: 'Rejects a proposed area with a reason.', params: s.idParams, body: s.rejectBody, response: { 200: s.areaDetail } },
    },
    async (req) => req.tx((trx) => z.reject(trx, req.actor, req.params.id, req.body.reason)),
  );

  app.post(
    '/api/zoning/areas/:id/step',
    {
      config: publishPolicy,
      schema: {
        tags,
        description:
          'Executes the next lifting step (step down or lift). Refused before it is due or with an active case inside unless override + reason; never without the negative lifting round (a testing campaign) where the preset requires one, nor before the county is clear for a low area.',
        params: s.idParams,
        body: s.stepBody,
        response: { 200: s.areaDetail },
      },
    },
    async (req) => req.tx((trx) => z.step(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/zoning/areas/:id/justify',
    {
      config: publishPolicy,
      schema: { tags, description: 'Records why a flagged area is kept.', params: s.idParams, body: s.justifyBody, response: { 200: s.areaDetail } },
    },
    async (req) => req.tx((trx) => z.justify(trx, req.actor, req.params.id, req.body.justification)),
  );

  app.post(
    '/api/zoning/areas/:id/extensions/:extensionId',
    {
      config: publishPolicy,
      schema: {
        tags,
        description: 'Accepts (the countdown restarts from the near case) or rejects a proposal to extend an area, with a reason (journaled).',
        params: s.extensionParams,
        body: s.decideExtensionBody,
        response: { 200: s.areaDetail },
      },
    },
    async (req) => req.tx((trx) => z.decideExtension(trx, req.actor, req.params.id, req.params.extensionId, req.body)),
  );

  app.get(
    '/api/zoning/detector',
    {
      config: { policy: { capability: 'area.read', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'The 一刀切 detector: per open area and per district, population ratio, granularity, past lifting date, persons under measure per active case.',
        querystring: s.jurisdictionQuery,
        response: { 200: s.detectorReport },
      },
    },
    async (req) => z.detector(req.actor, req.query),
  );

  app.get(
    '/api/zoning/detector/export',
    {
      config: { policy: { capability: 'area.read', scope: 'filtered' } },
      schema: { tags, description: 'The detector report as an XLSX workbook (areas, districts).', querystring: s.jurisdictionQuery },
    },
    async (req, reply) => xlsx(reply, await z.detectorXlsx(req.actor, req.query), 'zoning-detector.xlsx'),
  );

  app.get(
    '/api/zoning/settings',
    {
      config: { policy: { capability: 'area.read', scope: 'none' } },
      schema: { tags, description: "The detector's ratio threshold.", response: { 200: s.settings } },
    },
    async (req) => z.settings(req.actor),
  );

  app.put(
    '/api/zoning/settings',
    {
      config: { policy: { capability: 'area.publish', scope: 'none' } },
      schema: { tags, description: "Sets the detector's ratio threshold (journaled).", body: s.settingsBody, response: { 200: s.settings } },
    },
    async (req) => req.tx((trx) => z.setSettings(trx, req.actor, req.body)),
  );

  app.get(
    '/api/zoning/map',
    {
      config: { policy: { capability: 'area.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Covered nodes as GeoJSON with their effective level on a day (past days rebuilt from the area history) and detector flags.',
        querystring: s.mapQuery,
        response: { 200: s.zoningMap },
      },
    },
    async (req) => z.map(req.actor, req.query),
  );

  // The public list: no sign-in, no personal data, cached per version, shed under load.
  const shed = async (_req: unknown, reply: FastifyReply) => {
    if (!z.tryEnterPublic())
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: { code: 'ZONING_PUBLIC_BUSY', message: 'The public risk-area list is busy; retry shortly', details: null } });
    reply.raw.once('close', () => z.leavePublic());
  };

  app.get(
    '/api/public/zoning',
    {
      config: { policy: { public: true } },
      onRequest: shed,
      schema: {
        tags: ['public'],
        description:
          'Current risk areas by district with their measures and since when, and recent history (no projected lifting date). 503 + Retry-After when busy.',
        response: { 200: s.publicList, 503: s.errorResponse },
      }, // documents the answer; the body is the service's pre-checked JSON text
    },
    async (req, reply) => sendPublic(req.headers['if-none-match'], reply, await z.publicJson('list')),
  );

  app.get(
    '/api/public/zoning/geojson',
    {
      config: { policy: { public: true } },
      onRequest: shed,
      schema: {
        tags: ['public'],
        description: 'Current risk areas as GeoJSON (one feature per covered place).',
        response: { 200: s.publicGeojson, 503: s.errorResponse },
      },
    },
    async (req, reply) => sendPublic(req.headers['if-none-match'], reply, await z.publicJson('geojson')),
  );
};

/** Sends the cached JSON text as is (no per-request serialisation); 304 when the client has this version. */
function sendPublic(ifNoneMatch: string | undefined, reply: FastifyReply, c: { json: string; etag: string }) {
  reply.header('etag', c.etag).header('cache-control', 'public, max-age=5');
  if (ifNoneMatch === c.etag) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(c.json);
}

function xlsx(reply: FastifyReply, body: Buffer, filename: string) {
  return reply
    .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body);
}

export default zoningRoutes;
