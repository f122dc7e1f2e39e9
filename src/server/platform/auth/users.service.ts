import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { canGrantRole, ROLES, type Role } from '../../../common/roles.js';
import { inScope, scopePrefix, type Actor } from '../actor.js';
import { Errors } from '../errors.js';
import { newId } from '../ids.js';
import { AuthErrors } from './auth.errors.js';
import { canonicalRoles, parseRoles, toUser } from './auth.dto.js';
import * as repo from './auth.repository.js';
import type { User } from './auth.schemas.js';
import { createJurisdictionLookup } from './jurisdictions.js';
import { hashPassword, passwordProblem } from './password.js';
import { firstItem } from '../items.js';
import type { UserListFilter, CreateUserInput, PreparedUser, UpdateUserInput } from './auth.types.js';

const USERNAME = /^[a-z][a-z0-9_.-]{2,31}$/;

/** Lower-cases and trims a login name. */
export function normaliseUsername(u: string): string {
  return u.trim().toLowerCase();
}

/** Why a login name is not acceptable, or null. */
export function usernameProblem(u: string): string | null {
  return USERNAME.test(u) ? null : '3–32 characters: a letter, then letters, digits, _ . -';
}

/** System actors (CLI, demo loader) may grant everything; people only what `canGrantRole` allows. */
export function mayGrant(actor: Actor, role: Role): boolean {
  return actor.kind === 'system' || canGrantRole(actor.roles, role);
}

/**
 * Staff accounts: create, change roles or unit, deactivate, reset passwords. Every change is
 * journaled in its transaction (never a password). A caller manages only users whose unit lies in
 * their scope and whose roles they could grant, only into units in their scope, and only with roles
 * they may grant.
 */
export function createUserAdmin(deps: Deps) {
  const { db, clock } = deps;
  const { journal, outbox } = deps.services;
  const jurisdictions = createJurisdictionLookup(deps);
  const userKey = (u: repo.UserWithUnit) => ({ id: u.unit_jurisdiction_id, path: u.unit_path });

  async function dtos(dbx: DbOrTx, rows: repo.UserWithUnit[]): Promise<User[]> {
    return (await jurisdictions.attach(rows, userKey, dbx)).map(([u, j]) => toUser(u, j));
  }

  async function visible(dbx: DbOrTx, actor: Actor, id: string): Promise<repo.UserWithUnit> {
    const u = await repo.findUserById(dbx, id);
    if (!u || !inScope(actor, u.unit_path)) throw AuthErrors.USER_NOT_FOUND({ id });
    return u;
  }

  async function detail(dbx: DbOrTx, id: string): Promise<User> {
    const u = await repo.findUserById(dbx, id);
    if (!u) throw AuthErrors.USER_NOT_FOUND({ id });
    return firstItem(await dtos(dbx, [u]), 'the user');
  }

  /** An active unit inside the actor's scope, else 404 / 422. */
  async function targetUnit(dbx: DbOrTx, actor: Actor, unitId: string): Promise<repo.UnitRow> {
    const unit = await repo.findUnitRow(dbx, unitId);
    if (!unit || !inScope(actor, unit.jurisdiction_path)) throw AuthErrors.UNIT_NOT_FOUND({ id: unitId, field: 'unitId' });
    if (unit.active !== 1) throw AuthErrors.UNIT_INACTIVE({ id: unitId });
    return unit;
  }

  function checkGrants(actor: Actor, roles: readonly Role[]): void {
    const refused = roles.filter((r) => !mayGrant(actor, r));
    if (refused.length) throw AuthErrors.ROLE_NOT_GRANTABLE({ roles: refused });
  }

  /** Refuses to leave the system without an active administrator. */
  async function keepAnAdmin(dbx: DbOrTx, user: repo.UserWithUnit): Promise<void> {
    if (user.active === 1 && parseRoles(user.roles).includes('admin') && (await repo.countActiveWithRole(dbx, 'admin', user.id)) === 0) {
      throw AuthErrors.LAST_ADMIN();
    }
  }

  function refuseSelf(actor: Actor, id: string): void {
    if (actor.userId === id) throw AuthErrors.SELF_CHANGE_REFUSED();
  }

  async function insertPrepared(t: Tx, actor: Actor, p: PreparedUser): Promise<string> {
    const now = clock.now();
    const id = newId(now);
    try {
      await repo.insertUser(t, {
        id,
        username: p.username,
        display_name: p.displayName,
        password_hash: p.passwordHash,
        unit_id: p.unit.id,
        roles: JSON.stringify(p.roles),
        active: 1,
        totp_secret: null,
        totp_enabled: 0,
        failed_logins: 0,
        locked_until: null,
        last_login_at: null,
        totp_last_step: null,
        password_changed_at: null,
        created_at: now,
        updated_at: now,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw AuthErrors.USERNAME_TAKEN({ username: p.username });
      throw err;
    }
    return id;
  }

  const admin = {
    /** Users whose unit lies in the actor's scope, by username. */
    async list(actor: Actor, f: UserListFilter = {}, dbx: DbOrTx = db): Promise<{ items: User[]; total: number }> {
      const { rows, total } = await repo.listUsers(dbx, { ...f, scopePrefix: scopePrefix(actor), limit: f.limit ?? 50, offset: f.offset ?? 0 });
      return { items: await dtos(dbx, rows), total };
    },

    async get(actor: Actor, id: string, dbx: DbOrTx = db): Promise<User> {
      return firstItem(await dtos(dbx, [await visible(dbx, actor, id)]), 'the user');
    },

    /**
     * Checks a new user against every rule that does not need a transaction and hashes the password.
     * Throws the first problem; `create` and the import use it.
     */
    async prepare(actor: Actor, input: CreateUserInput, dbx: DbOrTx = db): Promise<PreparedUser> {
      const username = normaliseUsername(input.username);
      const uProblem = usernameProblem(username);
      if (uProblem) throw Errors.VALIDATION_FAILED([{ path: 'username', message: uProblem }]);
      const displayName = input.displayName.trim();
      if (!displayName || displayName.length > 64) throw Errors.VALIDATION_FAILED([{ path: 'displayName', message: '1–64 characters' }]);
      const pProblem = passwordProblem(input.password, username);
      if (pProblem) throw AuthErrors.PASSWORD_TOO_WEAK({ field: 'password', problem: pProblem });
      const roles = canonicalRoles(input.roles);
      if (roles.length === 0) throw Errors.VALIDATION_FAILED([{ path: 'roles', message: 'at least one role' }]);
      checkGrants(actor, roles);
      const unit = await targetUnit(dbx, actor, input.unitId);
      return { username, displayName, passwordHash: await hashPassword(input.password), unit, roles };
    },

    async create(actor: Actor, input: CreateUserInput, trx?: DbOrTx): Promise<User> {
      const p = await admin.prepare(actor, input, trx ?? db);
      return inTx(trx ?? db, async (t) => {
        const id = await insertPrepared(t, actor, p);
        await journal.append(t, actor, {
          action: 'auth.user.create',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: p.unit.jurisdiction_path,
          payload: { username: p.username, displayName: p.displayName, unitId: p.unit.id, roles: p.roles },
        });
        return detail(t, id);
      });
    },

    /** Inserts prepared users in the caller's transaction (the import journals them as one batch). */
    async insertMany(t: Tx, actor: Actor, users: PreparedUser[]): Promise<string[]> {
      const ids: string[] = [];
      for (const p of users) ids.push(await insertPrepared(t, actor, p));
      return ids;
    },

    /** Changes display name, unit or roles. Role and unit changes take effect on the next request. */
    async update(actor: Actor, id: string, input: UpdateUserInput, trx?: DbOrTx): Promise<User> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        const curRoles = parseRoles(cur.roles);
        // Only someone who could have granted all of a user's roles manages that user.
        if (actor.userId !== id) checkGrants(actor, curRoles);
        const changes: { field: string; from: unknown; to: unknown }[] = [];
        const patch: Parameters<typeof repo.updateUser>[2] = {};
        if (input.displayName !== undefined && input.displayName.trim() !== cur.display_name) {
          patch.display_name = input.displayName.trim();
          changes.push({ field: 'displayName', from: cur.display_name, to: patch.display_name });
        }
        let unitPath = cur.unit_path;
        if (input.unitId !== undefined && input.unitId !== cur.unit_id) {
          refuseSelf(actor, id);
          const unit = await targetUnit(t, actor, input.unitId);
          patch.unit_id = unit.id;
          unitPath = unit.jurisdiction_path;
          changes.push({ field: 'unitId', from: cur.unit_id, to: unit.id });
        }
        if (input.roles !== undefined) {
          const next = canonicalRoles(input.roles);
          if (next.length === 0) throw Errors.VALIDATION_FAILED([{ path: 'roles', message: 'at least one role' }]);
          const changed = ROLES.filter((r) => curRoles.includes(r) !== next.includes(r));
          if (changed.length) {
            refuseSelf(actor, id);
            // Taking a role away needs the same right as granting it.
            checkGrants(actor, changed);
            if (!next.includes('admin')) await keepAnAdmin(t, cur);
            patch.roles = JSON.stringify(next);
            changes.push({ field: 'roles', from: curRoles, to: next });
          }
        }
        if (changes.length === 0) return firstItem(await dtos(t, [cur]), 'the user');
        await repo.updateUser(t, id, { ...patch, updated_at: clock.now() });
        await journal.append(t, actor, {
          action: 'auth.user.update',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: unitPath,
          payload: { username: cur.username, changes, ...(unitPath !== cur.unit_path ? { fromPath: cur.unit_path } : {}) },
          reason: input.reason ?? null,
        });
        await outbox.publish(t, { topic: 'auth.me.changed', capability: 'authenticated', userId: id, payload: { fields: changes.map((c) => c.field) } });
        return detail(t, id);
      });
    },

    /** Deactivates a user: their sessions end at once. */
    async disable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<User> {
      return inTx(trx ?? db, async (t) => {
        refuseSelf(actor, id);
        const cur = await visible(t, actor, id);
        if (cur.active !== 1) throw AuthErrors.USER_ALREADY_INACTIVE({ id });
        checkGrants(actor, parseRoles(cur.roles));
        await keepAnAdmin(t, cur);
        const now = clock.now();
        await repo.updateUser(t, id, { active: 0, updated_at: now });
        const revokedSessions = await repo.revokeUserSessions(t, id, now);
        await journal.append(t, actor, {
          action: 'auth.user.disable',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: cur.unit_path,
          payload: { username: cur.username, revokedSessions },
          reason,
        });
        await outbox.publish(t, { topic: 'auth.session.revoked', capability: 'authenticated', userId: id, payload: { reason: 'disabled' } });
        return detail(t, id);
      });
    },

    /** Reactivates a user (their unit must be active); clears any sign-in lock. */
    async enable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<User> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        if (cur.active === 1) throw AuthErrors.USER_ALREADY_ACTIVE({ id });
        checkGrants(actor, parseRoles(cur.roles));
        if (cur.unit_active !== 1) throw AuthErrors.UNIT_INACTIVE({ id: cur.unit_id });
        await repo.updateUser(t, id, { active: 1, failed_logins: 0, locked_until: null, updated_at: clock.now() });
        await journal.append(t, actor, {
          action: 'auth.user.enable',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: cur.unit_path,
          payload: { username: cur.username },
          reason,
        });
        return detail(t, id);
      });
    },

    /** Sets a new password chosen by an administrator; ends the user's sessions and clears any lock. */
    async resetPassword(actor: Actor, id: string, password: string, reason: string, trx?: DbOrTx): Promise<User> {
      const target = await visible(trx ?? db, actor, id);
      const problem = passwordProblem(password, target.username);
      if (problem) throw AuthErrors.PASSWORD_TOO_WEAK({ field: 'password', problem });
      checkGrants(actor, parseRoles(target.roles));
      const passwordHash = await hashPassword(password);
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        const now = clock.now();
        await repo.updateUser(t, id, { password_hash: passwordHash, password_changed_at: now, failed_logins: 0, locked_until: null, updated_at: now });
        // The administrator's own current session survives a reset of their own password.
        const revokedSessions = await repo.revokeUserSessions(t, id, now, actor.userId === id ? (actor.sessionId ?? undefined) : undefined);
        await journal.append(t, actor, {
          action: 'auth.user.password-reset',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: cur.unit_path,
          payload: { username: cur.username, revokedSessions },
          reason,
        });
        await outbox.publish(t, { topic: 'auth.session.revoked', capability: 'authenticated', userId: id, payload: { reason: 'password-reset' } });
        return detail(t, id);
      });
    },

    /** Removes a user's authenticator (lost phone): the next sign-in needs only the password. */
    async resetTotp(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<User> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        checkGrants(actor, parseRoles(cur.roles));
        await repo.updateUser(t, id, { totp_secret: null, totp_enabled: 0, totp_last_step: null, updated_at: clock.now() });
        await journal.append(t, actor, {
          action: 'auth.totp.reset',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: cur.unit_path,
          payload: { username: cur.username, wasEnabled: cur.totp_enabled === 1 },
          reason,
        });
        return detail(t, id);
      });
    },

    /** Lifts a sign-in lock (someone locked out by guessers, without a second factor to lift it). Journaled. */
    async unlock(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<User> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        checkGrants(actor, parseRoles(cur.roles));
        await repo.updateUser(t, id, { failed_logins: 0, locked_until: null, updated_at: clock.now() });
        await journal.append(t, actor, {
          action: 'auth.user.unlock',
          entityType: 'user',
          entityId: id,
          jurisdictionPath: cur.unit_path,
          payload: { username: cur.username, wasLockedUntil: cur.locked_until === null ? null : Number(cur.locked_until) },
          reason,
        });
        return detail(t, id);
      });
    },

    /** A user by login name without scope checks (CLI). */
    findByUsername: (username: string, dbx: DbOrTx = db) => repo.findUserByUsername(dbx, normaliseUsername(username)),
  };
  return admin;
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
