import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';

const summary = z.object({
  jurisdictions: z.number().int().describe('jurisdiction nodes in my scope'),
  residents: z.number().int().describe('persons living or staying in my scope (kept-current counters)'),
  users: z.number().int().describe('staff accounts in my scope'),
  openTasks: z.number().int().describe('tasks not yet verified or cancelled in my scope'),
  journalEntries: z.number().int().describe('journal entries about my scope'),
  unacknowledgedAlerts: z.number().int().describe('alerts in my feed nobody has acknowledged'),
  districts: z.array(z.object({ id: z.string(), code: z.string(), name: z.string(), population: z.number().int() })).describe('districts I can see, with population'),
});

const dashboardRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  app.get('/api/dashboard/summary', {
    config: { policy: { capability: 'dashboard.read', scope: 'filtered' } },
    schema: {
      tags: ['dashboard'],
      description: 'Real counts for the home page, within the caller\'s jurisdiction or a chosen node of it.',
      querystring: z.strictObject({ jurisdictionId: z.string().max(64).optional().describe('narrow to this node (inside my scope)') }),
      response: { 200: summary },
    },
  }, async (req) => deps.services.dashboard.summary(req.actor, req.query.jurisdictionId));
};

export default dashboardRoutes;
