import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import type { Actor } from '../actor.js';

// Placeholder until the identity work lands: nobody is signed in.
export function createAuthService(_deps: Deps) {
  return {
    /** Resolves the session cookie to an actor, or null. */
    async authenticate(_req: FastifyRequest, _reply: FastifyReply): Promise<Actor | null> {
      return null;
    },
  };
}
