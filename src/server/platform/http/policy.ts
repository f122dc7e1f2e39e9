import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { CAPABILITIES } from '../../../common/roles.js';
import type { Db } from '../../db/dialect.js';
import { inScope, publicActor, type Actor } from '../actor.js';
import { AppError, Errors } from '../errors.js';
import type { RoutePolicy, ScopeRule } from './policy-types.js';

export type { RoutePolicy } from './policy-types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller: a user, or the public actor on public routes. Set by the policy hook. */
    actor: Actor;
  }
}

/**
 * Resolves an entity id to the jurisdiction path(s) it belongs to (two for a record that touches
 * two jurisdictions), or undefined when it does not exist. Modules register one per entity type.
 */
export type EntityScopeResolver = (db: Db, id: string) => Promise<string[] | undefined>;

const resolvers = new Map<string, EntityScopeResolver>();

/** Registers how the central policy hook finds the jurisdiction of an entity type. */
export function registerEntityScope(entity: string, fn: EntityScopeResolver): void {
  resolvers.set(entity, fn);
}

export function entityScopeResolver(entity: string): EntityScopeResolver | undefined {
  return resolvers.get(entity);
}

/** Paths exempt from declaring a policy: the API docs UI, which serves static assets. */
const EXEMPT = /^\/api\/docs(\/|$)/;

/** A route as the policy check saw it at registration (what the route-policy matrix walks). */
export interface PolicedRoute {
  method: string;
  url: string;
  policy: RoutePolicy | undefined;
  /** Left out of the OpenAPI document (`schema.hide`). */
  hidden: boolean;
}

const routeListeners = new Set<(route: PolicedRoute) => void>();

/**
 * Calls `listener` for every route registered from now on (every method of it) until the returned
 * function is called. The route-policy matrix test uses it to list every route of a built app.
 */
export function onPolicedRoute(listener: (route: PolicedRoute) => void): () => void {
  routeListeners.add(listener);
  return () => routeListeners.delete(listener);
}

const KNOWN_CAPABILITIES = new Set<string>([...CAPABILITIES, 'authenticated']);

/** Why a declared policy is malformed (a typo must not open or close a route silently), or null. */
function policyProblem(policy: RoutePolicy): string | null {
  if ('public' in policy) return policy.public === true ? null : 'public must be true';
  if (!KNOWN_CAPABILITIES.has(policy.capability)) return `unknown capability '${String(policy.capability)}'`;
  const s = policy.scope;
  if (s === 'none' || s === 'filtered') return null;
  if (!s || typeof s !== 'object' || !s.entity || !['params', 'body', 'query'].includes(s.from) || !s.key)
    return 'scope must be none, filtered or { entity, from, key }';
  return null;
}

/** onRoute check: every /api route must declare a well-formed policy, so none is open by accident. */
export function assertRouteHasPolicy(route: RouteOptions): void {
  const url = route.url ?? '';
  const policy = (route.config as { policy?: RoutePolicy } | undefined)?.policy;
  const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
  for (const method of [route.method].flat()) for (const l of routeListeners) l({ method: String(method), url, policy, hidden });
  if (!url.startsWith('/api') || EXEMPT.test(url)) return;
  if (!policy) {
    throw new Error(`Route ${String(route.method)} ${url} declares no policy (config.policy)`);
  }
  const problem = policyProblem(policy);
  if (problem) throw new Error(`Route ${String(route.method)} ${url} has a malformed policy: ${problem}`);
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses cross-site writes. Browsers send Sec-Fetch-Site and Origin on cross-site POSTs; the
 * session cookie is also SameSite=Strict. Non-browser clients (scanners, curl) send neither.
 */
export function checkSameOrigin(req: FastifyRequest): void {
  if (!WRITE.has(req.method)) return;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') throw Errors.CROSS_SITE_REQUEST();
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw Errors.CROSS_SITE_REQUEST();
    }
    if (host !== req.headers.host) throw Errors.CROSS_SITE_REQUEST();
  } else if (origin === 'null') {
    throw Errors.CROSS_SITE_REQUEST();
  }
}

/**
 * The one central enforcement of route policies: authentication, capability (403), and record
 * scope (out of scope → the same 404 as a missing record).
 */
export async function enforcePolicy(
  req: FastifyRequest,
  reply: FastifyReply,
  db: Db,
  authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<Actor | null>,
): Promise<void> {
  const policy = req.routeOptions.config?.policy as RoutePolicy | undefined;
  if (!policy) {
    req.actor = publicActor;
    return;
  }
  checkSameOrigin(req);
  let actor: Actor | null;
  try {
    actor = await authenticate(req, reply);
  } catch (err) {
    // A stale or expired cookie must not stand in the way of public routes (signing in again).
    if ('public' in policy && err instanceof AppError && err.status === 401) actor = null;
    else throw err;
  }
  req.actor = actor ?? publicActor;
  if ('public' in policy) return;
  if (!actor) throw Errors.UNAUTHENTICATED();
  if (policy.capability !== 'authenticated' && !actor.capabilities.has(policy.capability)) {
    throw Errors.FORBIDDEN({ capability: policy.capability });
  }
  await checkScope(req, db, actor, policy.scope);
}

async function checkScope(req: FastifyRequest, db: Db, actor: Actor, rule: ScopeRule): Promise<void> {
  if (rule === 'none' || rule === 'filtered') return;
  const source = (req as unknown as Record<string, unknown>)[rule.from] as Record<string, unknown> | undefined;
  const id = source?.[rule.key];
  // Missing or non-string ids are left to schema validation, which reports them as 400.
  if (typeof id !== 'string' || id === '') return;
  const resolve = resolvers.get(rule.entity);
  if (!resolve) throw new Error(`No entity scope resolver registered for '${rule.entity}'`);
  const paths = await resolve(db, id);
  if (!paths || !paths.some((p) => inScope(actor, p))) throw Errors.NOT_FOUND({ entity: rule.entity });
}
