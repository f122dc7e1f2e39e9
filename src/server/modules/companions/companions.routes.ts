import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { checkCsvFileOffThread } from '../../platform/upload/guard.js';
import { withUpload } from '../population/index.js';
import * as s from './companions.schemas.js';

// Ping files are streamed to a temporary file and read line by line, never held in memory, so they
// may be far larger than a JSON body: 14 days of a district's pings run to hundreds of megabytes.
const PING_UPLOAD_LIMIT = 1024 * 1024 * 1024;

const batchScope = { entity: 'companion_batch', from: 'params', key: 'id' } as const;

/** Spatiotemporal companions (时空伴随): ping import, detection into review batches, review. */
const companionRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const c = deps.services.companions;

  app.post(
    '/api/companions/pings/import',
    {
      config: { policy: { capability: 'companions.review', scope: 'none' } },
      schema: {
        tags: ['companions'],
        consumes: ['multipart/form-data'],
        description:
          'Imports location pings from an uploaded CSV (multipart, streamed; header: person_id or phone_hash, time as epoch ms or ISO-8601 with offset, lat+lng or cell_id). mode=all (default): any bad row → 422 COMPANION_CSV_INVALID with the row report, nothing written; mode=partial: the good rows are written and the bad ones reported.',
        querystring: s.importQuery,
        response: { 200: s.importResult },
      },
    },
    async (req) =>
      withUpload(req, PING_UPLOAD_LIMIT, async (file) => {
        await checkCsvFileOffThread(file, { quotes: false }); // the upload guard: columns and line length, off the event loop
        return req.tx((trx) => c.importPings(trx, req.actor, createReadStream(file), { partial: req.query.mode === 'partial' }));
      }),
  );

  app.post(
    '/api/companions/batches',
    {
      config: { policy: { capability: 'companions.review', scope: { entity: 'person', from: 'body', key: 'personId' } } },
      schema: {
        tags: ['companions'],
        description: "Detects companions of a case's person into a review batch with evidence. Changes nobody's status.",
        body: s.detectBody,
        response: { 201: s.batch },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => c.detect(trx, req.actor, req.body), 201);
    },
  );

  app.get(
    '/api/companions/batches',
    {
      config: { policy: { capability: 'companions.review', scope: 'filtered' } },
      schema: {
        tags: ['companions'],
        description: 'Review batches in your scope, newest first.',
        querystring: s.listQuery,
        response: { 200: z.object({ items: z.array(s.batch), total: z.number().int() }) },
      },
    },
    async (req) => c.listBatches(req.actor, req.query),
  );

  app.get(
    '/api/companions/batches/:id',
    {
      config: { policy: { capability: 'companions.review', scope: batchScope } },
      schema: { tags: ['companions'], description: 'One batch with its candidates and their evidence.', params: s.idParams, response: { 200: s.batch } },
    },
    async (req) => c.getBatch(req.actor, req.params.id),
  );

  app.post(
    '/api/companions/batches/:id/candidates/:candidateId/accept',
    {
      config: { policy: { capability: 'companions.review', scope: batchScope } },
      schema: {
        tags: ['companions'],
        description:
          "Accepts a candidate: it becomes a contact of the batch's case (close unless chosen; exposure from the evidence; relation 时空伴随) through the normal contact flow. Accepting again returns the same contact. 409 when rejected.",
        params: s.candidateParams,
        body: s.acceptBody,
        response: { 200: s.candidate },
      },
    },
    async (req) => req.tx((trx) => c.accept(trx, req.actor, req.params.id, req.params.candidateId, req.body)),
  );

  app.post(
    '/api/companions/batches/:id/candidates/:candidateId/reject',
    {
      config: { policy: { capability: 'companions.review', scope: batchScope } },
      schema: {
        tags: ['companions'],
        description: "Rejects a candidate with a reason. Changes nobody's status; 409 when already reviewed.",
        params: s.candidateParams,
        body: s.rejectBody,
        response: { 200: s.candidate },
      },
    },
    async (req) => req.tx((trx) => c.reject(trx, req.actor, req.params.id, req.params.candidateId, req.body.reason)),
  );
};

export default companionRoutes;
