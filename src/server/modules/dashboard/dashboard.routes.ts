import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { situation, summary, today } from './dashboard.schemas.js';

const dashboardRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/dashboard/summary',
    {
      config: { policy: { capability: 'dashboard.read', scope: 'filtered' } },
      schema: {
        tags: ['dashboard'],
        description: "Real counts for the home page, within the caller's jurisdiction or a chosen node of it.",
        querystring: z.strictObject({ jurisdictionId: z.string().max(64).optional().describe('narrow to this node (inside my scope)') }),
        response: { 200: summary },
      },
    },
    async (req) => deps.services.dashboard.summary(req.actor, req.query.jurisdictionId),
  );

  app.get(
    '/api/dashboard/situation',
    {
      config: { policy: { capability: 'dashboard.read', scope: 'filtered' } },
      schema: {
        tags: ['dashboard'],
        description:
          'The situation home page: new infections by channel, contacts traced and placed, persons under each measure, risk areas, the active testing round and overdue work. Each section only for a caller who may read its module.',
        querystring: z.strictObject({ jurisdictionId: z.string().max(64).optional().describe('narrow to this node (inside my scope)') }),
        response: { 200: situation },
      },
    },
    async (req) => deps.services.dashboard.situation(req.actor, req.query.jurisdictionId),
  );

  app.get(
    '/api/dashboard/today',
    {
      config: { policy: { capability: 'doorknock.work', scope: 'filtered' } },
      schema: {
        tags: ['dashboard'],
        description:
          "The community worker's list for today: door-knocking in the active round, home sampling to do, home-quarantine tests due today and stays ending, in the caller's compounds or a chosen node of them (404 outside).",
        querystring: z.strictObject({ jurisdictionId: z.string().max(64).optional().describe('narrow to this node (inside my scope)') }),
        response: { 200: today },
      },
    },
    async (req) => deps.services.dashboard.today(req.actor, req.query.jurisdictionId),
  );
};

export default dashboardRoutes;
