import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import { ackBody, ackGroupResponse, idParams, notificationFeedResponse, notificationListQuery, notificationSchema, raiseAlertBody } from './tasks.schemas.js';

/**
 * Notifications and alerts. Reads and acknowledgements are limited to the caller's own feed by
 * the service (a notification not addressed to them is a 404), so the route scope is `none`.
 */
const notificationRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const n = deps.services.tasks.notifications;

  app.get(
    '/api/notifications',
    {
      config: { policy: { capability: 'notification.read', scope: 'none' } },
      schema: {
        tags: ['notifications'],
        description: 'My feed, newest first: addressed to me, my unit or my jurisdiction.',
        querystring: notificationListQuery,
        response: { 200: notificationFeedResponse },
      },
    },
    async (req) => n.list(req.actor, req.query),
  );

  app.post(
    '/api/notifications/:id/read',
    {
      config: { policy: { capability: 'notification.read', scope: 'none' } },
      schema: { tags: ['notifications'], description: 'Marks a notification read (for me).', params: idParams, response: { 200: notificationSchema } },
    },
    async (req) => req.tx((trx) => n.markRead(trx, req.actor, req.params.id)),
  );

  app.post(
    '/api/notifications/:id/ack',
    {
      config: { policy: { capability: 'alert.acknowledge', scope: 'none' } },
      schema: {
        tags: ['notifications'],
        description:
          'Acknowledges an alert (once; a second acknowledgement is 409 ALERT_ALREADY_ACKNOWLEDGED): needs alert.acknowledge and the alert addressed to me, my unit, or a unit or jurisdiction inside my scope (403 ALERT_NOT_YOURS_TO_ACK). Journaled with whom it was acknowledged for.',
        params: idParams,
        body: ackBody,
        response: { 200: notificationSchema },
      },
    },
    async (req) => req.tx((trx) => n.acknowledge(trx, req.actor, req.params.id, req.body?.note)),
  );

  app.post(
    '/api/notifications/:id/ack-group',
    {
      config: { policy: { capability: 'alert.acknowledge', scope: 'none' } },
      schema: {
        tags: ['notifications'],
        description:
          'Acknowledges together the open alerts about the same event as this one (one positive pool → its community, district and HQ alerts) that I may act on, by the same rule as one acknowledgement; the others stay open and are counted (403 ALERT_NOT_YOURS_TO_ACK when none is mine, 409 when none is open). Each is journaled with whom it was acknowledged for.',
        params: idParams,
        body: ackBody,
        response: { 200: ackGroupResponse },
      },
    },
    async (req) => req.tx((trx) => n.acknowledgeGroup(trx, req.actor, req.params.id, req.body?.note)),
  );

  app.post(
    '/api/alerts',
    {
      config: { policy: { capability: 'alert.raise', scope: 'none' } },
      schema: {
        tags: ['notifications'],
        description: 'Raises an alert to a unit or a jurisdiction (default: my jurisdiction).',
        body: raiseAlertBody,
        response: { 201: notificationSchema },
      },
    },
    async (req, reply) => {
      const alert = await req.tx((trx) => n.raiseAlert(trx, req.actor, req.body), 201);
      return reply.code(201).send(alert);
    },
  );
};

export default notificationRoutes;
