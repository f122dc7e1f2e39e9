import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../deps.js';

const geoRoutes: FastifyPluginAsync<{ deps: Deps }> = async () => {};
export default geoRoutes;
