import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import sseRoutes from '../sse/sse.routes.js';
import systemRoutes from '../jobs/system.routes.js';
import notificationRoutes from './notifications.routes.js';
import {
  cancelBody,
  commentBody,
  createTaskBody,
  handoffBody,
  idParams,
  taskListQuery,
  taskListResponse,
  taskSchema,
  transitionBody,
} from './tasks.schemas.js';

const byId = { entity: 'task', from: 'params', key: 'id' } as const;

/** Tasks, and (registered from here) notifications/alerts, the SSE stream and the system clock. */
const taskRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const tasks = deps.services.tasks;
  await app0.register(notificationRoutes, { deps });
  await app0.register(sseRoutes, { deps });
  await app0.register(systemRoutes, { deps });

  app.get(
    '/api/tasks',
    {
      config: { policy: { capability: 'task.work', scope: 'filtered' } },
      schema: {
        tags: ['tasks'],
        description: "Tasks, newest first: my unit's inbox, created by my unit, or all in my jurisdiction.",
        querystring: taskListQuery,
        response: { 200: taskListResponse },
      },
    },
    async (req) => tasks.list(req.actor, req.query),
  );

  app.get(
    '/api/tasks/:id',
    {
      config: { policy: { capability: 'task.work', scope: byId } },
      schema: { tags: ['tasks'], description: 'A task with its whole history.', params: idParams, response: { 200: taskSchema } },
    },
    async (req) => tasks.get(req.actor, req.params.id),
  );

  app.post(
    '/api/tasks',
    {
      config: { policy: { capability: 'task.assign', scope: 'none' } },
      schema: { tags: ['tasks'], description: 'Creates a task assigned to a unit.', body: createTaskBody, response: { 201: taskSchema } },
    },
    async (req, reply) => {
      const task = await req.tx((trx) => tasks.createRequested(trx, req.actor, req.body), 201);
      return reply.code(201).send(task);
    },
  );

  app.post(
    '/api/tasks/:id/transition',
    {
      config: { policy: { capability: 'task.work', scope: byId } },
      schema: {
        tags: ['tasks'],
        description:
          'Moves a task: new → acknowledged → in_progress → reported → verified (verify needs task.verify). Illegal moves: 409 TASK_TRANSITION_INVALID.',
        params: idParams,
        body: transitionBody,
        response: { 200: taskSchema },
      },
    },
    async (req) => req.tx((trx) => tasks.transition(trx, req.actor, req.params.id, req.body.to, req.body.note)),
  );

  app.post(
    '/api/tasks/:id/handoff',
    {
      config: { policy: { capability: 'task.assign', scope: byId } },
      schema: {
        tags: ['tasks'],
        description: 'Hands the task to another unit (status back to new). The note is required.',
        params: idParams,
        body: handoffBody,
        response: { 200: taskSchema },
      },
    },
    async (req) => req.tx((trx) => tasks.handoff(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/tasks/:id/cancel',
    {
      config: { policy: { capability: 'task.assign', scope: byId } },
      schema: {
        tags: ['tasks'],
        description: 'Cancels a task that is not finished. The reason is required.',
        params: idParams,
        body: cancelBody,
        response: { 200: taskSchema },
      },
    },
    async (req) => req.tx((trx) => tasks.cancel(trx, req.actor, req.params.id, req.body.reason)),
  );

  app.post(
    '/api/tasks/:id/comment',
    {
      config: { policy: { capability: 'task.work', scope: byId } },
      schema: { tags: ['tasks'], description: 'Adds a comment to the task history.', params: idParams, body: commentBody, response: { 200: taskSchema } },
    },
    async (req) => req.tx((trx) => tasks.comment(trx, req.actor, req.params.id, req.body.note)),
  );
};

export default taskRoutes;
