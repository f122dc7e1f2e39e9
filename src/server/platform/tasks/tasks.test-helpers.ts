import { capabilitiesOf } from '../../../common/roles.js';
import type { Actor } from '../actor.js';

/** The actor a signed-in user acts as (their unit's jurisdiction is their scope). For service tests. */
export function actorOf(user: { id: string; username: string; roles: readonly string[]; unit: { id: string; jurisdiction: { path: string } } }): Actor {
  const roles = user.roles as Actor['roles'];
  return {
    kind: 'user',
    userId: user.id,
    name: user.username,
    unitId: user.unit.id,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: user.unit.jurisdiction.path,
    sessionId: null,
  };
}
