import { LRUCache } from 'lru-cache';
import { flag } from '../../db/row-values.js';
import { capabilitiesOf, ROLES, type Role } from '../../../common/roles.js';
import type { Actor } from '../actor.js';
import type { SessionAuthRow, UnitWithDetail, UserWithUnit } from './auth.repository.js';
import type { JurisdictionBrief, Me, Unit, User } from './auth.schemas.js';

/** Row → DTO mapping for the identity module (camelCase at the service boundary). */

const known = new Set<string>(ROLES);

/** Parses the stored JSON role list, keeping only roles this build knows. */
export function parseRoles(json: string): Role[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v.filter((r) => typeof r === 'string' && known.has(r)) as Role[]) : [];
  } catch {
    return [];
  }
}

/** Roles in the canonical ROLES order, without duplicates (stored and compared in this form). */
export function canonicalRoles(roles: readonly Role[]): Role[] {
  const set = new Set(roles);
  return ROLES.filter((r) => set.has(r));
}

const capCache = new LRUCache<string, ReadonlySet<string>>({ max: 1000 });
/** Capabilities of a stored role list, memoised (a handful of distinct role sets exist). */
function capsFor(rolesJson: string, roles: Role[]): Actor['capabilities'] {
  let caps = capCache.get(rolesJson);
  if (!caps) {
    caps = capabilitiesOf(roles);
    capCache.set(rolesJson, caps);
  }
  return caps as Actor['capabilities'];
}

export function actorFromSession(r: SessionAuthRow): Actor {
  const roles = parseRoles(r.roles);
  return {
    kind: 'user',
    userId: r.user_id,
    name: r.username,
    unitId: r.unit_id,
    roles,
    capabilities: capsFor(r.roles, roles),
    scopePath: r.unit_path,
    sessionId: r.id,
  };
}

export function actorFromUser(u: UserWithUnit, sessionId: string | null = null): Actor {
  const roles = parseRoles(u.roles);
  return { kind: 'user', userId: u.id, name: u.username, unitId: u.unit_id, roles, capabilities: capsFor(u.roles, roles), scopePath: u.unit_path, sessionId };
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toMe(u: UserWithUnit, jurisdiction: JurisdictionBrief): Me {
  const roles = parseRoles(u.roles);
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    roles,
    capabilities: [...capabilitiesOf(roles)],
    unit: { id: u.unit_id, name: u.unit_name, kind: u.unit_kind },
    jurisdiction,
    totpEnabled: flag(u.totp_enabled),
  } satisfies Me;
}

export function toUser(u: UserWithUnit, jurisdiction: JurisdictionBrief): User {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    roles: parseRoles(u.roles),
    active: flag(u.active),
    unit: { id: u.unit_id, name: u.unit_name, kind: u.unit_kind },
    jurisdiction,
    totpEnabled: flag(u.totp_enabled),
    lockedUntil: num(u.locked_until),
    lastLoginAt: num(u.last_login_at),
    passwordChangedAt: num(u.password_changed_at),
    createdAt: Number(u.created_at),
    updatedAt: Number(u.updated_at),
  } satisfies User;
}

export function toUnit(u: UnitWithDetail, jurisdiction: JurisdictionBrief): Unit {
  return {
    id: u.id,
    name: u.name,
    kind: u.kind,
    jurisdiction,
    parentUnit: u.parent_unit_id ? { id: u.parent_unit_id, name: u.parent_name ?? '' } : null,
    active: flag(u.active),
    activeUsers: u.active_users,
    createdAt: Number(u.created_at),
    updatedAt: Number(u.updated_at),
  } satisfies Unit;
}
