import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { createClockOffsetService } from './clock-offset.js';

const clockState = z.object({
  offsetMs: z.number().int().describe('how far the platform clock runs ahead of real time, ms'),
  now: z.number().int().describe("the platform's now, epoch ms"),
});

/** The demo clock: read it, move it forward (for every server process). */
const systemRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const clock = createClockOffsetService(deps);

  app.get(
    '/api/system/clock',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: { tags: ['system'], description: 'The platform clock and its offset from real time.', response: { 200: clockState } },
    },
    async () => clock.show(),
  );

  app.post(
    '/api/system/clock',
    {
      config: { policy: { capability: 'system.manage', scope: 'none' } },
      schema: {
        tags: ['system'],
        description: 'Moves the demo clock for all server processes: advanceMs adds to the offset, offsetMs sets it (0 = real time). Journaled.',
        body: z
          .strictObject({
            advanceMs: z.number().int().optional().describe('add this many ms to the offset'),
            offsetMs: z.number().int().optional().describe('set the offset to this many ms'),
            reason: z.string().trim().max(500).optional(),
          })
          .refine((b) => (b.advanceMs === undefined) !== (b.offsetMs === undefined), { message: 'give exactly one of advanceMs or offsetMs' }),
        response: { 200: clockState },
      },
    },
    async (req) => {
      await req.tx((trx) => clock.change(trx, req.actor, req.body));
      return clock.show();
    },
  );
};

export default systemRoutes;
