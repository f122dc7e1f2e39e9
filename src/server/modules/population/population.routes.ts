import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../deps.js';

const populationRoutes: FastifyPluginAsync<{ deps: Deps }> = async () => {};
export default populationRoutes;
