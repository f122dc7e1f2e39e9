import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../deps.js';

const authRoutes: FastifyPluginAsync<{ deps: Deps }> = async () => {};
export default authRoutes;
