import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../deps.js';

const taskRoutes: FastifyPluginAsync<{ deps: Deps }> = async () => {};
export default taskRoutes;
