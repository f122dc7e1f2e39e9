/**
 * The declared type of the container's `AuthService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';
import type * as repo from './auth.repository.js';
import type { Me } from './auth.schemas.js';
import type { Role, UnitKind } from '../../../common/roles.js';
import type { ImportError } from './auth.schemas.js';

/** The AuthService facade as the container holds it (what `createAuthService` returns). */
export interface AuthService {
  users: {
    list(
      actor: Actor,
      f?: UserListFilter,
      dbx?: DbOrTx,
    ): Promise<{
      items: import('./auth.schemas.js').User[];
      total: number;
    }>;
    get(actor: Actor, id: string, dbx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    prepare(actor: Actor, input: CreateUserInput, dbx?: DbOrTx): Promise<PreparedUser>;
    create(actor: Actor, input: CreateUserInput, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    insertMany(t: import('../../db/dialect.js').Tx, actor: Actor, users: PreparedUser[]): Promise<string[]>;
    update(actor: Actor, id: string, input: UpdateUserInput, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    disable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    enable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    resetPassword(actor: Actor, id: string, password: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    resetTotp(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    unlock(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').User>;
    findByUsername: (username: string, dbx?: DbOrTx) => Promise<repo.UserWithUnit | undefined>;
  };
  units: {
    list(
      actor: Actor,
      f?: UnitListFilter,
      dbx?: DbOrTx,
    ): Promise<{
      items: import('./auth.schemas.js').Unit[];
      total: number;
    }>;
    get(actor: Actor, id: string, dbx?: DbOrTx): Promise<import('./auth.schemas.js').Unit>;
    create(actor: Actor, input: CreateUnitInput, trx?: DbOrTx): Promise<import('./auth.schemas.js').Unit>;
    update(actor: Actor, id: string, input: UpdateUnitInput, trx?: DbOrTx): Promise<import('./auth.schemas.js').Unit>;
    disable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').Unit>;
    enable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<import('./auth.schemas.js').Unit>;
    lookup(actor: Actor, text: string, dbx?: DbOrTx): Promise<UnitLookup>;
    getRef(id: string, dbx?: DbOrTx): Promise<UnitRef | undefined>;
    nearestTo(
      path: string,
      dbx?: DbOrTx,
    ): Promise<
      | {
          id: string;
          jurisdictionPath: string;
        }
      | undefined
    >;
    memberIds: (unitId: string, dbx?: DbOrTx) => Promise<string[]>;
  };
  imports: {
    prepare(actor: Actor, buffer: Buffer, mode: 'all' | 'partial', fileName?: string | null, dbx?: DbOrTx): Promise<PreparedImport>;
    apply(trx: import('../../db/dialect.js').Tx, actor: Actor, p: PreparedImport): Promise<import('./auth.schemas.js').ImportResult>;
    template(actor: Actor, dbx?: DbOrTx): Promise<Buffer>;
  };
  /**
   * Resolves the session cookie to an actor: one primary-key lookup joining session, user and
   * unit. Null without a (known) cookie; SESSION_EXPIRED for an idle, past-deadline or revoked
   * session, or one whose user was deactivated. Writes last_seen_at at most once a minute.
   */
  authenticate(req: FastifyRequest, reply: FastifyReply): Promise<Actor | null>;
  /**
   * Signs in: returns a new session token (for the cookie) and the profile. The same answer for an
   * unknown user, a deactivated one and a wrong password; five failures in a row lock the account
   * for 15 minutes. Attempts per client address are rate-limited.
   */
  login(
    input: LoginInput,
    ctx: LoginContext,
  ): Promise<{
    token: string;
    me: Me;
  }>;
  /** Ends the session a cookie names (if live) and journals it. Safe to call without one. */
  logout(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /**
   * For each holder of an open live stream: whether its session is still live (not revoked,
   * idle or past its deadline), its account active, and its roles, unit and scope the same as
   * when the stream opened. Checked in batches of 500 sessions.
   */
  streamsStillValid(actors: readonly Pick<Actor, 'sessionId' | 'userId' | 'unitId' | 'scopePath' | 'roles'>[]): Promise<boolean[]>;
  /** The signed-in user's profile. */
  me(actor: Actor, dbx?: DbOrTx): Promise<Me>;
  /**
   * Starts (or restarts) TOTP enrolment: a new secret, stored encrypted, shown once as base32 and
   * as an otpauth:// URL for the authenticator app. Sign-in is unchanged until `confirmTotp`.
   */
  enrolTotp(
    actor: Actor,
    currentPassword: string | undefined,
    trx?: DbOrTx,
  ): Promise<{
    secret: string;
    otpauthUrl: string;
  }>;
  /** Turns TOTP on once the person proves their app shows the right code. */
  confirmTotp(actor: Actor, code: string, trx?: DbOrTx): Promise<Me>;
  /** Changes one's own password (the current one is required); other sessions of the user end. */
  changePassword(actor: Actor, currentPassword: string, newPassword: string, trx?: DbOrTx): Promise<void>;
  /** The actor a user would be (for jobs that act on someone's behalf, and tests). Undefined if unknown or inactive. */
  actorForUser(userId: string, dbx?: DbOrTx): Promise<Actor | undefined>;
  /** Deletes sessions that ended more than `olderThanMs` ago. Returns how many. */
  purgeSessions: (olderThanMs?: number, dbx?: DbOrTx) => Promise<number>;
}

export interface LoginInput {
  username: string;
  password: string;
  totp?: string;
}

/** Context of a sign-in attempt that is not part of the credentials. */
export interface LoginContext {
  /** Client address (rate limiting; kept in the journal entry of the sign-in or lock). */
  ip: string;
}

export interface UnitListFilter {
  q?: string;
  kind?: UnitKind;
  jurisdictionId?: string;
  parentUnitId?: string;
  active?: boolean;
  limit?: number;
  offset?: number;
}

export interface CreateUnitInput {
  name: string;
  kind: UnitKind;
  jurisdictionId: string;
  parentUnitId?: string | null;
}

export interface UpdateUnitInput {
  name?: string;
  kind?: UnitKind;
  jurisdictionId?: string;
  parentUnitId?: string | null;
  reason?: string;
}

/** What other modules need to know about a unit (tasks are assigned to units). */
export interface UnitRef {
  id: string;
  name: string;
  kind: string;
  jurisdictionId: string;
  jurisdictionPath: string;
  parentUnitId: string | null;
  active: boolean;
}

/** Result of reading a unit named in an import file or on the command line. */
export type UnitLookup = { ok: true; unit: repo.UnitRow } | { ok: false; reason: string };

export interface UserListFilter {
  q?: string;
  unitId?: string;
  role?: Role;
  active?: boolean;
  limit?: number;
  offset?: number;
}

export interface CreateUserInput {
  username: string;
  displayName: string;
  password: string;
  unitId: string;
  roles: Role[];
}

/** A user ready to insert: checked, with the password already hashed (hashing stays outside transactions). */
export interface PreparedUser {
  username: string;
  displayName: string;
  passwordHash: string;
  unit: repo.UnitRow;
  roles: Role[];
}

export interface UpdateUserInput {
  displayName?: string;
  unitId?: string;
  roles?: Role[];
  reason?: string;
}

export interface PreparedImport {
  mode: 'all' | 'partial';
  rows: number;
  valid: { row: number; user: PreparedUser }[];
  failed: ImportError[];
  fileName: string | null;
}
