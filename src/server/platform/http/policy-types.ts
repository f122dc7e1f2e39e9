import type { Capability } from '../../../common/roles.js';

/**
 * How a route decides whether its record is inside the caller's jurisdiction.
 * - `none`: the route touches no jurisdiction-scoped record (e.g. own profile).
 * - `filtered`: a list or search; the repository filters by the actor's scope.
 * - an entity lookup: the central hook resolves the record named by a param/body/query field to its
 *   jurisdiction path(s) through the entity-scope registry; a record outside scope is a 404.
 */
export type ScopeRule = 'none' | 'filtered' | { entity: string; from: 'params' | 'body' | 'query'; key: string };

/** Every route under /api declares one. `public` routes need no sign-in. */
export type RoutePolicy =
  | { public: true }
  | {
      /** The capability required, or `authenticated` for any signed-in user. */
      capability: Capability | 'authenticated';
      scope: ScopeRule;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
    /**
     * `false` on routes whose answer must never be stored at rest (a revealed ID number, a resident's
     * results): an Idempotency-Key is then ignored and a retry is a new request.
     */
    idempotency?: boolean;
    /**
     * `'stream'` on long-lived streams (Server-Sent Events): admitted like any request, but not
     * counted against the in-flight limit while open (see admission.ts), so open dashboards cannot
     * use up the slots that short requests need.
     */
    admission?: 'stream';
  }
}
