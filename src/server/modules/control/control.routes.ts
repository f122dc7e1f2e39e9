import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import * as s from './control.schemas.js';

/** Control status (管控状态): explanation, manual changes, bulk approvals, scoped summary. */
const controlRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const control = deps.services.control;

  registerEntityScope('control_review', async (db, id) => {
    const path = await control.reviews.path(id, db);
    return path ? [path] : undefined;
  });
  registerEntityScope('control_bulk_request', async (db, id) => {
    const path = await control.bulkRequestPath(id, db);
    return path ? [path] : undefined;
  });

  app.get(
    '/api/control/persons/:personId',
    {
      config: { policy: { capability: 'control.read', scope: { entity: 'person', from: 'params', key: 'personId' } } },
      schema: {
        tags: ['control'],
        description: "A person's control status and why: the basis chain with who, when and why.",
        params: s.personParams,
        response: { 200: s.explanation },
      },
    },
    async (req) => control.explain(req.actor, req.params.personId),
  );

  app.get(
    '/api/control/persons/:personId/history',
    {
      config: { policy: { capability: 'control.read', scope: { entity: 'person', from: 'params', key: 'personId' } } },
      schema: {
        tags: ['control'],
        description: 'Every status change of a person, oldest first.',
        params: s.personParams,
        response: { 200: z.object({ items: z.array(s.statusChange) }) },
      },
    },
    async (req) => ({ items: await control.history(req.actor, req.params.personId) }),
  );

  app.post(
    '/api/control/changes',
    {
      config: { policy: { capability: 'control.change', scope: 'filtered' } },
      schema: {
        tags: ['control'],
        description:
          'A manual status change. Every change cites a basis and a reason (else 422). Up to the bulk threshold it applies at once (200); above it, it waits for a second approver (202).',
        body: s.changeBody,
        response: { 200: s.changeApplied, 202: s.changePending },
      },
    },
    async (req, reply) => {
      const status = (await control.needsApproval(req.body.personIds)) ? 202 : 200;
      const r = await req.tx((trx) => control.requestChange(trx, req.actor, req.body), status);
      reply.code(r.kind === 'pending' ? 202 : 200);
      return r.kind === 'pending' ? { bulkRequest: r.bulkRequest } : { applied: r.applied, personIds: r.personIds };
    },
  );

  app.get(
    '/api/control/bulk-requests',
    {
      config: { policy: { capability: 'control.read', scope: 'filtered' } },
      schema: {
        tags: ['control'],
        description: "Bulk change requests within the caller's scope, newest first.",
        querystring: s.bulkListQuery,
        response: { 200: z.object({ items: z.array(s.bulkRequest), total: z.number().int() }) },
      },
    },
    async (req) => control.listBulkRequests(req.actor, req.query),
  );

  app.get(
    '/api/control/bulk-requests/:id',
    {
      config: { policy: { capability: 'control.read', scope: { entity: 'control_bulk_request', from: 'params', key: 'id' } } },
      schema: { tags: ['control'], description: 'One bulk change request with its person ids.', params: s.requestParams, response: { 200: s.bulkRequest } },
    },
    async (req) => control.getBulkRequest(req.actor, req.params.id),
  );

  app.post(
    '/api/control/bulk-requests/:id/approve',
    {
      config: { policy: { capability: 'status.approve-bulk', scope: { entity: 'control_bulk_request', from: 'params', key: 'id' } } },
      schema: {
        tags: ['control'],
        description: 'Approves and applies a pending bulk change. The requester cannot approve their own (403).',
        params: s.requestParams,
        body: s.approveBody.optional(),
        response: { 200: s.bulkRequest },
      },
    },
    async (req) => req.tx((trx) => control.approveBulk(trx, req.actor, req.params.id, req.body?.note)),
  );

  app.post(
    '/api/control/bulk-requests/:id/reject',
    {
      config: { policy: { capability: 'status.approve-bulk', scope: { entity: 'control_bulk_request', from: 'params', key: 'id' } } },
      schema: {
        tags: ['control'],
        description: "Rejects a pending bulk change with a reason; nobody's status changes.",
        params: s.requestParams,
        body: s.rejectBody,
        response: { 200: s.bulkRequest },
      },
    },
    async (req) => req.tx((trx) => control.rejectBulk(trx, req.actor, req.params.id, req.body.reason)),
  );

  app.get(
    '/api/control/summary',
    {
      config: { policy: { capability: 'control.read', scope: { entity: 'jurisdiction', from: 'query', key: 'jurisdictionId' } } },
      schema: {
        tags: ['control'],
        description: "Persons per status within a subtree (default: the caller's scope), from counters kept current with each change.",
        querystring: s.summaryQuery,
        response: { 200: s.summary },
      },
    },
    async (req) => control.summaryOf(req.actor, req.query.jurisdictionId),
  );

  // Review records (研判记录): what a manual_review basis names; approved by a second person.
  app.get(
    '/api/control/reviews',
    {
      config: { policy: { capability: 'control.read', scope: 'filtered' } },
      schema: {
        tags: ['control'],
        description: "Review records within the caller's scope, newest first.",
        querystring: s.reviewListQuery,
        response: { 200: z.object({ items: z.array(s.reviewRecord), total: z.number().int() }) },
      },
    },
    async (req) => control.reviews.list(req.actor, req.query),
  );

  app.get(
    '/api/control/reviews/:id',
    {
      config: { policy: { capability: 'control.read', scope: { entity: 'control_review', from: 'params', key: 'id' } } },
      schema: { tags: ['control'], description: 'One review record.', params: s.reviewParams, response: { 200: s.reviewRecord } },
    },
    async (req) => control.reviews.get(req.actor, req.params.id),
  );

  app.post(
    '/api/control/reviews',
    {
      config: { policy: { capability: 'control.change', scope: { entity: 'jurisdiction', from: 'body', key: 'jurisdictionId' } } },
      schema: {
        tags: ['control'],
        description: 'Writes a review record (pending until a second person approves it). Subject, reason and evidence are required (422 naming the field).',
        body: s.createReviewBody,
        response: { 200: s.reviewRecord },
      },
    },
    async (req) => req.tx((trx) => control.reviews.create(trx, req.actor, req.body)),
  );

  app.post(
    '/api/control/reviews/:id/approve',
    {
      config: { policy: { capability: 'status.approve-bulk', scope: { entity: 'control_review', from: 'params', key: 'id' } } },
      schema: {
        tags: ['control'],
        description: 'Approves a pending review record; its reviewer cannot (403 CONTROL_REVIEW_SELF_APPROVAL). Only approved records can be cited.',
        params: s.reviewParams,
        body: s.approveBody.optional(),
        response: { 200: s.reviewRecord },
      },
    },
    async (req) => req.tx((trx) => control.reviews.approve(trx, req.actor, req.params.id, req.body?.note)),
  );

  app.post(
    '/api/control/reviews/:id/reject',
    {
      config: { policy: { capability: 'status.approve-bulk', scope: { entity: 'control_review', from: 'params', key: 'id' } } },
      schema: {
        tags: ['control'],
        description: 'Rejects a pending review record with a reason; it can never be cited.',
        params: s.reviewParams,
        body: s.rejectBody,
        response: { 200: s.reviewRecord },
      },
    },
    async (req) => req.tx((trx) => control.reviews.reject(trx, req.actor, req.params.id, req.body.reason)),
  );
};

export default controlRoutes;
