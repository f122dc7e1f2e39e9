import type { Capability, Role } from '../../common/roles.js';

/** Who is acting: a signed-in user, the system (jobs, imports, the demo), or the public. */
export interface Actor {
  kind: 'user' | 'system' | 'public';
  userId: string | null;
  /** Login name (users) or a system component name. Never personal data of residents. */
  name: string;
  unitId: string | null;
  roles: readonly Role[];
  capabilities: ReadonlySet<Capability>;
  /**
   * Jurisdiction path prefix the actor may see (`/420500/420502/`); `/` sees everything.
   * Repositories filter with `path LIKE scopePath || '%'`.
   */
  scopePath: string;
  sessionId: string | null;
}

/** An actor for jobs, imports and the demo loader: every capability, whole-city scope. */
export function systemActor(name = 'system'): Actor {
  return { kind: 'system', userId: null, name, unitId: null, roles: [], capabilities: ALL, scopePath: '/', sessionId: null };
}

/** The anonymous public (the residents' pages). No capabilities. */
export const publicActor: Actor = Object.freeze({
  kind: 'public',
  userId: null,
  name: 'public',
  unitId: null,
  roles: [],
  capabilities: new Set<Capability>(),
  scopePath: '/',
  sessionId: null,
}) as Actor;

const ALL: ReadonlySet<Capability> = new Proxy(new Set<Capability>(), {
  get(target, prop) {
    if (prop === 'has') return () => true;
    return Reflect.get(target, prop, target);
  },
});

/** True when `path` lies inside the actor's jurisdiction scope. */
export function inScope(actor: Pick<Actor, 'scopePath'>, path: string | null | undefined): boolean {
  if (actor.scopePath === '/') return true;
  return !!path && path.startsWith(actor.scopePath);
}

/** The LIKE prefix a repository applies for this actor, or null when the actor sees everything. */
export function scopePrefix(actor: Pick<Actor, 'scopePath'>): string | null {
  return actor.scopePath === '/' ? null : actor.scopePath;
}
