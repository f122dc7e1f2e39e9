import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import * as s from './doorknock.schemas.js';

const tags = ['doorknock'];

/** Door-knocking (敲门行动): buildings, a building's list, outcomes per knock, tap-to-call. */
const doorknockRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const d = deps.services.doorknock;

  app.get(
    '/api/doorknock/buildings',
    {
      config: { policy: { capability: 'doorknock.work', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Buildings in your scope, by scanned code (404 outside your scope) or by name.',
        querystring: s.buildingsQuery,
        response: { 200: s.buildingsResponse },
      },
    },
    async (req) => d.buildings(req.actor, req.query),
  );

  app.get(
    '/api/doorknock/campaigns/:campaignId/buildings/:buildingId',
    {
      config: { policy: { capability: 'doorknock.work', scope: 'filtered' } },
      schema: {
        tags,
        description:
          "A building's door-knocking list: residents not yet sampled by entrance, floor and room, with control status and last knock; settled ones; people in quarantine hotels or confirmed cases apart.",
        params: s.listParams,
        response: { 200: s.knockList },
      },
    },
    async (req) => d.list(req.actor, req.params.campaignId, req.params.buildingId),
  );

  app.post(
    '/api/doorknock/campaigns/:campaignId/knocks',
    {
      config: { policy: { capability: 'doorknock.work', scope: { entity: 'person', from: 'body', key: 'personId' } } },
      schema: {
        tags,
        description:
          'Records the outcome of a knock (journaled). Moved away, away from the city and in hospital exempt the person from the campaign at once. A person outside your scope is refused (404).',
        params: s.campaignParams,
        body: s.knockBody,
        response: { 200: s.knockResult },
      },
    },
    async (req) => req.tx((trx) => d.knock(trx, req.actor, req.params.campaignId, req.body)),
  );

  app.post(
    '/api/doorknock/persons/:id/phone',
    {
      // A retried reveal is a new disclosure and is journaled again.
      config: { policy: { capability: 'doorknock.work', scope: { entity: 'person', from: 'params', key: 'id' } }, idempotency: false },
      schema: {
        tags,
        description:
          "Reveals a resident's phone to call from the door: journaled as population.person.reveal with your reason (preset 敲门核查); no reason is refused.",
        params: s.personParams,
        body: s.revealBody,
        response: { 200: s.revealResponse },
      },
    },
    async (req) => d.revealPhone(undefined, req.actor, req.params.id, req.body.reason),
  );
};

export default doorknockRoutes;
