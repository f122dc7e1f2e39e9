import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import * as s from './cases.schemas.js';

/** Cases, tracing and clusters (感染者、流调、一起疫情) and protocol presets (防控方案). */
const casesRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const cases = deps.services.cases;
  const tags = ['cases'];

  app.get('/api/presets', {
    config: { policy: { capability: 'authenticated', scope: 'none' } },
    schema: { tags, description: 'Every protocol preset version (防控方案), the active one flagged.', response: { 200: z.object({ items: z.array(s.preset) }) } },
  }, async () => ({ items: await cases.presets.list() }));

  app.get('/api/presets/active', {
    config: { policy: { capability: 'authenticated', scope: 'none' } },
    schema: { tags, description: 'The preset the city follows now.', response: { 200: s.preset } },
  }, async () => cases.presets.active());

  app.post('/api/presets', {
    config: { policy: { capability: 'preset.manage', scope: 'none' } },
    schema: { tags, description: 'A custom preset, or a new version of a key (not active until activated). 422 PRESET_INVALID lists missing parameters.', body: s.presetBody, response: { 200: s.preset } },
  }, async (req) => req.tx((trx) => cases.presets.create(trx, req.actor, req.body)));

  app.post('/api/presets/:id/activate', {
    config: { policy: { capability: 'preset.manage', scope: 'none' } },
    schema: { tags, description: 'Switch the city to this preset (journaled with the reason). Existing records keep their version.', params: s.idParams, body: s.activateBody, response: { 200: s.preset } },
  }, async (req) => req.tx((trx) => cases.presets.activate(trx, req.actor, req.params.id, req.body.reason)));
};

export default casesRoutes;
