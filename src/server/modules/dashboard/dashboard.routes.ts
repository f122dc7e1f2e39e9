import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import type { SituationDto } from '../../../common/situation.js';
import { summary, today } from './dashboard.schemas.js';

const infections = z.object({
  inControl: z.number().int().describe('found among persons already under a measure (管控内)'),
  community: z.number().int().describe('found in the community (社会面)'),
  confirmed: z.number().int(),
  asymptomatic: z.number().int(),
  total: z.number().int(),
});
const situation = z.object({
  jurisdictionId: z.string().nullable(),
  jurisdictionPath: z.string(),
  asOf: z.number().int().describe('epoch ms the figures were read'),
  today: z.string().describe('YYYY-MM-DD in BULWARK_TZ'),
  yesterday: z.string(),
  infections: z.object({ today: infections, yesterday: infections }).nullable().describe('null without case.read'),
  contacts: z
    .object({ identifiedToday: z.number().int(), identifiedYesterday: z.number().int(), placedOfRecent: z.number().int(), awaitingPlacement: z.number().int() })
    .nullable()
    .describe('close contacts; null without case.read'),
  measures: z
    .object({
      pendingRecheck: z.number().int(),
      quarantinedCentral: z.number().int(),
      quarantinedHome: z.number().int(),
      homeMonitored: z.number().int(),
      awaitingPlacement: z.number().int(),
      sealed: z.number().int(),
      controlled: z.number().int(),
      underPersonMeasure: z.number().int(),
      underAreaMeasure: z.number().int(),
    })
    .nullable()
    .describe('persons under each measure now; null without control.read'),
  areas: z
    .object({
      publishedToday: z.number().int(),
      liftedToday: z.number().int(),
      publishedYesterday: z.number().int(),
      liftedYesterday: z.number().int(),
      current: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() }),
    })
    .nullable()
    .describe('risk areas; null without area.read'),
  testing: z
    .object({
      campaignId: z.string(),
      name: z.string(),
      deadline: z.number().int().nullable(),
      target: z.number().int(),
      sampled: z.number().int(),
      percent: z.number(),
      overdue: z.boolean(),
    })
    .nullable()
    .describe('the active round; null without testing.read or when none runs'),
  overdue: z.object({ tasks: z.number().int().nullable(), releases: z.number().int().nullable() }),
}) satisfies z.ZodType<SituationDto>;

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
