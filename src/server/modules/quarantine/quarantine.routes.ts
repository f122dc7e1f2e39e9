import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import * as s from './quarantine.schemas.js';

const facilityScope = { entity: 'quarantine_facility', from: 'params', key: 'id' } as const;
const stayScope = { entity: 'quarantine_stay', from: 'params', key: 'id' } as const;

/** Quarantine (隔离): facilities, rooms and occupancy; stays, test days and release. */
const quarantineRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const q = deps.services.quarantine;

  app.post(
    '/api/quarantine/facilities',
    {
      config: { policy: { capability: 'quarantine.manage', scope: 'filtered' } },
      schema: {
        tags: ['quarantine'],
        description: 'Creates a central quarantine facility (集中隔离场所) inside your scope.',
        body: s.facilityBody,
        response: { 201: s.facility },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => q.createFacility(trx, req.actor, req.body), 201);
    },
  );

  app.get(
    '/api/quarantine/facilities',
    {
      config: { policy: { capability: 'quarantine.read', scope: 'filtered' } },
      schema: {
        tags: ['quarantine'],
        description: 'Facilities in your scope with live occupancy counters.',
        querystring: s.facilityListQuery,
        response: { 200: z.object({ items: z.array(s.facility), total: z.number().int() }) },
      },
    },
    async (req) => q.listFacilities(req.actor, req.query),
  );

  app.get(
    '/api/quarantine/facilities/:id',
    {
      config: { policy: { capability: 'quarantine.read', scope: facilityScope } },
      schema: {
        tags: ['quarantine'],
        description: 'One facility: occupancy, free rooms and every room.',
        params: s.idParams,
        response: { 200: s.facilityDetail },
      },
    },
    async (req) => q.getFacility(req.actor, req.params.id),
  );

  app.patch(
    '/api/quarantine/facilities/:id',
    {
      config: { policy: { capability: 'quarantine.manage', scope: facilityScope } },
      schema: {
        tags: ['quarantine'],
        description: 'Edits a facility; active=false takes it out of service.',
        params: s.idParams,
        body: s.facilityPatch,
        response: { 200: s.facility },
      },
    },
    async (req) => req.tx((trx) => q.updateFacility(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/quarantine/facilities/:id/rooms',
    {
      config: { policy: { capability: 'quarantine.manage', scope: facilityScope } },
      schema: {
        tags: ['quarantine'],
        description: 'Adds rooms in bulk (all or nothing; a taken number is 409).',
        params: s.idParams,
        body: s.roomsBody,
        response: { 201: z.object({ items: z.array(s.room) }) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return { items: await req.tx((trx) => q.createRooms(trx, req.actor, req.params.id, req.body.rooms), 201) };
    },
  );

  app.post(
    '/api/quarantine/facilities/:id/rooms/:roomId/status',
    {
      config: { policy: { capability: 'quarantine.manage', scope: facilityScope } },
      schema: {
        tags: ['quarantine'],
        description: 'Sets an empty room to available (after cleaning), cleaning or out of service.',
        params: s.roomParams,
        body: s.roomStatusBody,
        response: { 200: s.room },
      },
    },
    async (req) => req.tx((trx) => q.setRoomStatus(trx, req.actor, req.params.id, req.params.roomId, req.body.status)),
  );

  app.post(
    '/api/quarantine/stays',
    {
      config: { policy: { capability: 'quarantine.manage', scope: { entity: 'person', from: 'body', key: 'personId' } } },
      schema: {
        tags: ['quarantine'],
        description: 'Assigns a person to central or home quarantine; the stay, test days (as tasks) and phases follow the active preset.',
        body: s.stayBody,
        response: { 201: s.stay },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => q.assign(trx, req.actor, req.body), 201);
    },
  );

  app.get(
    '/api/quarantine/plan',
    {
      config: { policy: { capability: 'quarantine.manage', scope: 'none' } },
      schema: {
        tags: ['quarantine'],
        description: 'The stay the active preset would give now (phases, end date, test days), before assigning.',
        querystring: s.planQuery,
        response: { 200: s.plan },
      },
    },
    async (req) => q.plan(req.query),
  );

  app.get(
    '/api/quarantine/stays',
    {
      config: { policy: { capability: 'quarantine.read', scope: 'filtered' } },
      schema: {
        tags: ['quarantine'],
        description: 'Stays of persons (or in facilities) in your scope, newest first.',
        querystring: s.stayListQuery,
        response: { 200: z.object({ items: z.array(s.stay), total: z.number().int() }) },
      },
    },
    async (req) => q.listStays(req.actor, req.query),
  );

  app.get(
    '/api/quarantine/stays/:id',
    {
      config: { policy: { capability: 'quarantine.read', scope: stayScope } },
      schema: { tags: ['quarantine'], description: 'One stay with its day counter, phases and test days.', params: s.idParams, response: { 200: s.stay } },
    },
    async (req) => q.getStay(req.actor, req.params.id),
  );

  app.post(
    '/api/quarantine/stays/:id/tests',
    {
      config: { policy: { capability: 'quarantine.manage', scope: stayScope } },
      schema: {
        tags: ['quarantine'],
        description: 'Records the result of a scheduled test day.',
        params: s.idParams,
        body: s.testBody,
        response: { 200: s.stay },
      },
    },
    async (req) => req.tx((trx) => q.recordTest(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/quarantine/stays/:id/transfer',
    {
      config: { policy: { capability: 'quarantine.manage', scope: stayScope } },
      schema: {
        tags: ['quarantine'],
        description: 'Records the point-to-point transfer (点对点转运) from central to home done; the next phase starts then. 409 when none is due.',
        params: s.idParams,
        body: s.transferBody,
        response: { 200: s.stay },
      },
    },
    async (req) => req.tx((trx) => q.recordTransfer(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/quarantine/stays/:id/release',
    {
      config: { policy: { capability: 'quarantine.manage', scope: stayScope } },
      schema: {
        tags: ['quarantine'],
        description: 'Releases a stay whose criteria are met (end date, all tests negative), else 422: an early release is a request a second person approves.',
        params: s.idParams,
        body: s.releaseBody,
        response: { 200: s.stay },
      },
    },
    async (req) => req.tx((trx) => q.release(trx, req.actor, req.params.id)),
  );

  app.post(
    '/api/quarantine/stays/:id/release-requests',
    {
      config: { policy: { capability: 'quarantine.release-early', scope: stayScope } },
      schema: {
        tags: ['quarantine'],
        description:
          'Requests an early release (提前解除) with a reason; a second holder of quarantine.release-early approves it. 409 when one is pending or the criteria are met.',
        params: s.idParams,
        body: s.releaseRequestBody,
        response: { 201: s.releaseRequest },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => q.requestEarlyRelease(trx, req.actor, req.params.id, req.body), 201);
    },
  );

  app.get(
    '/api/quarantine/release-requests',
    {
      config: { policy: { capability: 'quarantine.read', scope: 'filtered' } },
      schema: {
        tags: ['quarantine'],
        description: "Early-release requests of stays in your scope, newest first (status=pending: the approvers' list).",
        querystring: s.releaseRequestListQuery,
        response: { 200: z.object({ items: z.array(s.releaseRequest), total: z.number().int() }) },
      },
    },
    async (req) => q.listReleaseRequests(req.actor, req.query),
  );

  app.post(
    '/api/quarantine/release-requests/:id/decision',
    {
      config: { policy: { capability: 'quarantine.release-early', scope: { entity: 'quarantine_release_request', from: 'params', key: 'id' } } },
      schema: {
        tags: ['quarantine'],
        description: 'Approves (the stay is released at once) or rejects an early-release request; never by its requester (403).',
        params: s.idParams,
        body: s.releaseDecisionBody,
        response: { 200: s.releaseRequest },
      },
    },
    async (req) => req.tx((trx) => q.decideEarlyRelease(trx, req.actor, req.params.id, req.body)),
  );
};

export default quarantineRoutes;
