import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import * as s from './companions.schemas.js';

const batchScope = { entity: 'companion_batch', from: 'params', key: 'id' } as const;

/** Spatiotemporal companions (时空伴随): ping import, detection into review batches, review. */
const companionRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const c = deps.services.companions;

  app.post('/api/companions/pings/import', {
    config: { policy: { capability: 'companions.review', scope: 'none' } },
    schema: { tags: ['companions'], description: 'Imports location pings from CSV; bad rows → 422 with a row report and nothing written, unless partial.', body: s.importBody, response: { 200: s.importResult } },
  }, async (req) => req.tx((trx) => c.importPings(trx, req.actor, req.body.csv, { partial: req.body.partial })));

  app.post('/api/companions/batches', {
    config: { policy: { capability: 'companions.review', scope: { entity: 'person', from: 'body', key: 'personId' } } },
    schema: { tags: ['companions'], description: "Detects companions of a case's person into a review batch with evidence. Changes nobody's status.", body: s.detectBody, response: { 201: s.batch } },
  }, async (req, reply) => {
    reply.code(201);
    return req.tx((trx) => c.detect(trx, req.actor, req.body), 201);
  });

  app.get('/api/companions/batches', {
    config: { policy: { capability: 'companions.review', scope: 'filtered' } },
    schema: { tags: ['companions'], description: 'Review batches in your scope, newest first.', querystring: s.listQuery, response: { 200: z.object({ items: z.array(s.batch), total: z.number().int() }) } },
  }, async (req) => c.listBatches(req.actor, req.query));

  app.get('/api/companions/batches/:id', {
    config: { policy: { capability: 'companions.review', scope: batchScope } },
    schema: { tags: ['companions'], description: 'One batch with its candidates and their evidence.', params: s.idParams, response: { 200: s.batch } },
  }, async (req) => c.getBatch(req.actor, req.params.id));

  app.post('/api/companions/batches/:id/candidates/:candidateId/review', {
    config: { policy: { capability: 'companions.review', scope: batchScope } },
    schema: { tags: ['companions'], description: 'Accepts (for contact tracing) or rejects a candidate; 409 when already reviewed.', params: s.candidateParams, body: s.reviewBody, response: { 200: s.candidate } },
  }, async (req) => req.tx((trx) => c.review(trx, req.actor, req.params.id, req.params.candidateId, req.body)));
};

export default companionRoutes;
