import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../actor.js';
import { decryptBytes, encrypt, hmacHex, randomToken, sha256Hex } from '../crypto.js';
import { AppError, Errors } from '../errors.js';
import { registerEntityScope } from '../http/policy.js';
import { AuthErrors } from './auth.errors.js';
import { actorFromSession, actorFromUser, toMe } from './auth.dto.js';
import * as repo from './auth.repository.js';
import type { Me } from './auth.schemas.js';
import { clearSessionCookie, readSessionToken } from './cookie.js';
import { burnPasswordCheck, hashPassword, passwordProblem, verifyPassword } from './password.js';
import { SharedMarks, SharedProgressiveDelay, SharedWindowLimiter } from './rate-limit.js';
import { base32Encode, newTotpSecret, otpauthUrl, verifyTotp } from './totp.js';
import { createJurisdictionLookup } from './jurisdictions.js';
import { createUnitAdmin } from './units.service.js';
import { createUserImport } from './user-import.js';
import { createUserAdmin } from './users.service.js';
import { firstItem } from '../items.js';
import type { AuthService } from './auth.types.js';
import type { LoginInput, LoginContext } from './auth.types.js';

// Entity scopes for the central policy hook: a user is where their unit is; a unit where its
// jurisdiction is. (`jurisdiction`, which POST /api/units names, is registered by the geo module.)
registerEntityScope('user', async (db, id) => {
  const p = await repo.userScopePath(db, id);
  return p ? [p] : undefined;
});
registerEntityScope('unit', async (db, id) => {
  const p = await repo.unitScopePath(db, id);
  return p ? [p] : undefined;
});

/** Consecutive failed sign-ins that lock an account. */
export const MAX_FAILED_LOGINS = 5;
/** How long a locked account stays locked. */
export const LOCK_MS = 15 * 60_000;
/** Sign-in attempts allowed per client address per window (counted in the database: across every worker). */
export const LOGIN_RATE_LIMIT = 20;
export const LOGIN_RATE_WINDOW_MS = 60_000;
/** A session's last_seen_at is written at most this often (not on every request). */
export const SESSION_TOUCH_MS = 60_000;
/** How long a username + address that signed in successfully stays exempt from the username's delay. */
export const TRUSTED_PAIR_MS = 90 * 24 * 3_600_000;

/**
 * Identity and access: sessions, sign-in with lockout and an optional TOTP second factor, the
 * signed-in user's profile, and (through `users`, `units`, `imports`) the administration of staff.
 */
export function createAuthService(deps: Deps): AuthService {
  // Security time runs on the wall clock: moving the demo clock must not end sessions or locks.
  const { db, wallClock: clock, config } = deps;
  // Every counter lives in the database (table rate_limits), so `serve --workers N` does not
  // multiply an attacker's allowance by N: each worker counts into the same rows.
  const limiter = new SharedWindowLimiter(db, 'login.address', config.sessionKey, LOGIN_RATE_LIMIT, LOGIN_RATE_WINDOW_MS);
  // Guessing the current password through a stolen session is slowed the same way, per user.
  const passwordLimiter = new SharedWindowLimiter(db, 'password.user', config.sessionKey, 5, LOGIN_RATE_WINDOW_MS);
  // Failed sign-ins slow the next attempt, per typed username and per client address. The owner,
  // signing in from an address where they have succeeded before, is exempt from the username's
  // delay, so an attacker hammering the name from elsewhere does not slow them down.
  const usernameDelay = new SharedProgressiveDelay(db, 'login.username', config.sessionKey);
  const addressDelay = new SharedProgressiveDelay(db, 'login.ip', config.sessionKey);
  const trustedPairs = new SharedMarks(db, 'login.trusted', config.sessionKey, TRUSTED_PAIR_MS);
  const pairKey = (username: string, ip: string) => `${username}\n${ip}`;

  /**
   * Whether a sign-in without a code is asked for one. For a real account: whether it has TOTP on,
   * decided before the password is looked at, so the prompt never confirms a password. For an
   * unknown name: a fixed keyed coin, so the prompt does not tell which names exist.
   */
  const asksForCode = (username: string, user: repo.UserWithUnit | undefined) =>
    user && user.active === 1 ? user.totp_enabled === 1 : (parseInt(hmacHex(config.sessionKey, `totp-decoy:${username}`).slice(0, 2), 16) & 1) === 1;

  function rateLimited(waitMs: number): AppError {
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    return new AppError(
      'RATE_LIMITED',
      429,
      '尝试过于频繁，请稍后再试 (Too many attempts; retry shortly)',
      { retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
  const users = createUserAdmin(deps);
  const units = createUnitAdmin(deps);
  const imports = createUserImport(deps, users, units);
  const jurisdictions = createJurisdictionLookup(deps);

  async function meOf(u: repo.UserWithUnit, dbx: DbOrTx = db): Promise<Me> {
    const [, j] = firstItem(await jurisdictions.attach([u], (x) => ({ id: x.unit_jurisdiction_id, path: x.unit_path }), dbx), 'the user with its jurisdiction');
    return toMe(u, j);
  }

  const totpContext = (userId: string) => `totp:${userId}`;

  async function loadUser(dbx: DbOrTx, id: string): Promise<repo.UserWithUnit> {
    const u = await repo.findUserById(dbx, id);
    if (!u) throw AuthErrors.USER_NOT_FOUND({ id });
    return u;
  }

  /** Counts a failed sign-in; the fifth in a row locks the account (journaled). Always throws; the caller answers uniformly. */
  async function failLogin(user: repo.UserWithUnit, factor: 'password' | 'totp', ctx: LoginContext): Promise<never> {
    const now = clock.now();
    const until = await inTx(db, async (t) => {
      const n = await repo.incrementFailedLogins(t, user.id);
      if (n < MAX_FAILED_LOGINS) return null;
      const lockedUntil = now + LOCK_MS;
      await repo.updateUser(t, user.id, { failed_logins: 0, locked_until: lockedUntil });
      await deps.services.journal.append(t, systemActor('auth'), {
        action: 'auth.user.lock',
        entityType: 'user',
        entityId: user.id,
        jurisdictionPath: user.unit_path,
        payload: { username: user.username, failedAttempts: n, until: lockedUntil, lastFactor: factor, ip: ctx.ip },
        reason: `${n} consecutive failed sign-ins`,
      });
      return lockedUntil;
    });
    // The caller answers; a lock is never announced to the one who caused it.
    void until;
    throw AuthErrors.INVALID_CREDENTIALS();
  }

  const service = {
    users,
    units,
    imports,

    /**
     * Resolves the session cookie to an actor: one primary-key lookup joining session, user and
     * unit. Null without a (known) cookie; SESSION_EXPIRED for an idle, past-deadline or revoked
     * session, or one whose user was deactivated. Writes last_seen_at at most once a minute.
     */
    async authenticate(req: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
      const token = readSessionToken(req);
      if (!token) return null;
      const row = await repo.findSessionForAuth(db, sha256Hex(token));
      if (!row) {
        clearSessionCookie(req, reply);
        return null;
      }
      const now = clock.now();
      const why =
        row.revoked_at !== null
          ? 'revoked'
          : row.user_active !== 1
            ? 'deactivated'
            : now >= row.expires_at
              ? 'absolute'
              : now - row.last_seen_at >= config.sessionIdleMs
                ? 'idle'
                : null;
      if (why) {
        clearSessionCookie(req, reply);
        throw Errors.SESSION_EXPIRED({ reason: why });
      }
      if (now - row.last_seen_at >= SESSION_TOUCH_MS) await repo.touchSession(db, row.id, now);
      return actorFromSession(row);
    },

    /**
     * Signs in: returns a new session token (for the cookie) and the profile. The same answer for an
     * unknown user, a deactivated one and a wrong password; five failures in a row lock the account
     * for 15 minutes. Attempts per client address are rate-limited.
     */
    async login(input: LoginInput, ctx: LoginContext): Promise<{ token: string; me: Me }> {
      const now0 = clock.now();
      const wait = await limiter.hit(ctx.ip, now0);
      if (wait !== null) throw rateLimited(wait);
      const username = input.username.trim().toLowerCase();
      const trusted = await trustedPairs.has(pairKey(username, ctx.ip), now0);
      const delayed = Math.max((await addressDelay.wait(ctx.ip, now0)) ?? 0, trusted ? 0 : ((await usernameDelay.wait(username, now0)) ?? 0));
      if (delayed > 0) throw rateLimited(delayed);
      const failed = async (e: AppError): Promise<never> => {
        await usernameDelay.fail(username, clock.now());
        await addressDelay.fail(ctx.ip, clock.now());
        throw e;
      };

      const user = await repo.findUserByUsername(db, username);
      // With TOTP on, a sign-in without a code is asked for one before the password is checked.
      if (!input.totp && asksForCode(username, user)) throw AuthErrors.TOTP_REQUIRED();
      const badAnswer = () => (input.totp ? AuthErrors.TOTP_INVALID() : AuthErrors.INVALID_CREDENTIALS());
      if (!user || user.active !== 1) {
        await burnPasswordCheck(input.password);
        return failed(badAnswer());
      }
      const passwordOk = await verifyPassword(user.password_hash, input.password);
      let step: number | null = null;
      if (user.totp_enabled === 1 && input.totp) {
        const secret = decryptBytes(config.dataKey, user.totp_secret ?? '', totpContext(user.id));
        step = verifyTotp(secret, input.totp, clock.now(), user.totp_last_step === null ? null : Number(user.totp_last_step));
      }
      const secondFactorOk = user.totp_enabled === 1 && step !== null;
      const locked = user.locked_until !== null && Number(user.locked_until) > clock.now();
      // One answer for a wrong password, a wrong code and a lock (the same as for an unknown name):
      // nothing here tells a guesser which part was right or that the account is locked. The right
      // password with a valid second factor lifts a lock; without a second factor it waits for the
      // lock to run out or an administrator (POST /api/users/:id/unlock).
      if (!passwordOk || (user.totp_enabled === 1 && !secondFactorOk)) {
        await failLogin(user, secondFactorOk || !input.totp ? 'password' : 'totp', ctx).catch(() => undefined);
        return failed(badAnswer());
      }
      if (locked && !secondFactorOk) return failed(badAnswer());

      const token = randomToken(32);
      const now = clock.now();
      await inTx(db, async (t) => {
        if (step !== null && !(await repo.claimTotpStep(t, user.id, step))) throw AuthErrors.TOTP_INVALID();
        await repo.updateUser(t, user.id, { failed_logins: 0, locked_until: null, last_login_at: now });
        await repo.deleteDeadSessions(t, user.id, now);
        await repo.insertSession(t, {
          id: sha256Hex(token),
          user_id: user.id,
          created_at: now,
          last_seen_at: now,
          expires_at: now + config.sessionAbsoluteMs,
          revoked_at: null,
        });
        await deps.services.journal.append(t, actorFromUser(user), {
          action: 'auth.session.login',
          entityType: 'user',
          entityId: user.id,
          jurisdictionPath: user.unit_path,
          payload: { ip: ctx.ip, secondFactor: step !== null, ...(locked ? { liftedLock: true } : {}) },
        });
      }).catch((e: unknown) => (e instanceof AppError && e.code === 'TOTP_INVALID' ? failed(e) : Promise.reject(e)));
      await usernameDelay.succeed(username);
      await addressDelay.succeed(ctx.ip);
      await trustedPairs.set(pairKey(username, ctx.ip), now);
      return { token, me: await meOf(user) };
    },

    /** Ends the session a cookie names (if live) and journals it. Safe to call without one. */
    async logout(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const token = readSessionToken(req);
      clearSessionCookie(req, reply);
      if (!token) return;
      const id = sha256Hex(token);
      const row = await repo.findSessionForAuth(db, id);
      if (!row || row.revoked_at !== null) return;
      await inTx(db, async (t) => {
        if (!(await repo.revokeSession(t, id, clock.now()))) return;
        await deps.services.journal.append(t, actorFromSession(row), {
          action: 'auth.session.logout',
          entityType: 'user',
          entityId: row.user_id,
          jurisdictionPath: row.unit_path,
        });
        // Ends this session's open live streams on every server process.
        await deps.services.outbox.publish(t, { topic: 'auth.session.ended', capability: 'authenticated', userId: row.user_id, payload: { sessionId: id } });
      });
    },

    /**
     * For each holder of an open live stream: whether its session is still live (not revoked,
     * idle or past its deadline), its account active, and its roles, unit and scope the same as
     * when the stream opened. Checked in batches of 500 sessions.
     */
    async streamsStillValid(actors: readonly Pick<Actor, 'sessionId' | 'userId' | 'unitId' | 'scopePath' | 'roles'>[]): Promise<boolean[]> {
      const ids = [...new Set(actors.map((a) => a.sessionId).filter((x): x is string => !!x))];
      const rows = new Map<string, repo.SessionAuthRow>();
      for (let i = 0; i < ids.length; i += 500) for (const r of await repo.findSessionsForAuth(db, ids.slice(i, i + 500))) rows.set(r.id, r);
      const now = clock.now();
      return actors.map((a) => {
        const r = a.sessionId ? rows.get(a.sessionId) : undefined;
        if (!r || r.revoked_at !== null || r.user_active !== 1 || now >= r.expires_at || now - r.last_seen_at >= config.sessionIdleMs) return false;
        const fresh = actorFromSession(r);
        return (
          fresh.userId === a.userId &&
          fresh.unitId === a.unitId &&
          fresh.scopePath === a.scopePath &&
          [...fresh.roles].sort().join() === [...a.roles].sort().join()
        );
      });
    },

    /** The signed-in user's profile. */
    async me(actor: Actor, dbx: DbOrTx = db): Promise<Me> {
      if (!actor.userId) throw Errors.UNAUTHENTICATED();
      return meOf(await loadUser(dbx, actor.userId), dbx);
    },

    /**
     * Starts (or restarts) TOTP enrolment: a new secret, stored encrypted, shown once as base32 and
     * as an otpauth:// URL for the authenticator app. Sign-in is unchanged until `confirmTotp`.
     */
    async enrolTotp(actor: Actor, currentPassword: string | undefined, trx?: DbOrTx): Promise<{ secret: string; otpauthUrl: string }> {
      // A stolen session must not be enough to bind the thief's authenticator: ask for the password.
      const owner = await loadUser(trx ?? db, actor.userId ?? '');
      if (!currentPassword) throw AuthErrors.REAUTH_REQUIRED({ field: 'currentPassword' });
      const wait = await passwordLimiter.hit(owner.id, clock.now());
      if (wait !== null) throw rateLimited(wait);
      if (!(await verifyPassword(owner.password_hash, currentPassword))) throw AuthErrors.CURRENT_PASSWORD_WRONG({ field: 'currentPassword' });
      return inTx(trx ?? db, async (t) => {
        const user = await loadUser(t, actor.userId ?? '');
        if (user.totp_enabled === 1) throw AuthErrors.TOTP_ALREADY_ENABLED();
        const secret = newTotpSecret();
        await repo.updateUser(t, user.id, {
          totp_secret: encrypt(config.dataKey, secret, totpContext(user.id)),
          totp_enabled: 0,
          totp_last_step: null,
          updated_at: clock.now(),
        });
        await deps.services.journal.append(t, actor, { action: 'auth.totp.enrol', entityType: 'user', entityId: user.id, jurisdictionPath: user.unit_path });
        const b32 = base32Encode(secret);
        return { secret: b32, otpauthUrl: otpauthUrl(b32, user.username, 'Bulwark') };
      });
    },

    /** Turns TOTP on once the person proves their app shows the right code. */
    async confirmTotp(actor: Actor, code: string, trx?: DbOrTx): Promise<Me> {
      return inTx(trx ?? db, async (t) => {
        const user = await loadUser(t, actor.userId ?? '');
        if (user.totp_enabled === 1) throw AuthErrors.TOTP_ALREADY_ENABLED();
        if (!user.totp_secret) throw AuthErrors.TOTP_NOT_ENROLLED();
        const step = verifyTotp(decryptBytes(config.dataKey, user.totp_secret, totpContext(user.id)), code, clock.now());
        if (step === null) throw AuthErrors.TOTP_CONFIRM_FAILED();
        await repo.updateUser(t, user.id, { totp_enabled: 1, totp_last_step: step, updated_at: clock.now() });
        await deps.services.journal.append(t, actor, { action: 'auth.totp.confirm', entityType: 'user', entityId: user.id, jurisdictionPath: user.unit_path });
        return meOf(await loadUser(t, user.id), t);
      });
    },

    /** Changes one's own password (the current one is required); other sessions of the user end. */
    async changePassword(actor: Actor, currentPassword: string, newPassword: string, trx?: DbOrTx): Promise<void> {
      const user = await loadUser(trx ?? db, actor.userId ?? '');
      const wait = await passwordLimiter.hit(user.id, clock.now());
      if (wait !== null) throw rateLimited(wait);
      if (!(await verifyPassword(user.password_hash, currentPassword))) throw AuthErrors.CURRENT_PASSWORD_WRONG();
      const problem = passwordProblem(newPassword, user.username);
      if (problem) throw AuthErrors.PASSWORD_TOO_WEAK({ field: 'newPassword', problem });
      const hash = await hashPassword(newPassword);
      await inTx(trx ?? db, async (t) => {
        const now = clock.now();
        await repo.updateUser(t, user.id, { password_hash: hash, password_changed_at: now, updated_at: now });
        const revokedSessions = await repo.revokeUserSessions(t, user.id, now, actor.sessionId ?? undefined);
        await deps.services.journal.append(t, actor, {
          action: 'auth.user.password-change',
          entityType: 'user',
          entityId: user.id,
          jurisdictionPath: user.unit_path,
          payload: { revokedSessions },
        });
      });
    },

    /** The actor a user would be (for jobs that act on someone's behalf, and tests). Undefined if unknown or inactive. */
    async actorForUser(userId: string, dbx: DbOrTx = db): Promise<Actor | undefined> {
      const u = await repo.findUserById(dbx, userId);
      return u && u.active === 1 ? actorFromUser(u) : undefined;
    },

    /** Deletes sessions that ended more than `olderThanMs` ago. Returns how many. */
    purgeSessions: (olderThanMs = 24 * 3_600_000, dbx: DbOrTx = db) => repo.purgeSessions(dbx, clock.now() - olderThanMs),
  };
  return service;
}
