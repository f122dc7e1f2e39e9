import { sql, type Selectable, type Updateable } from 'kysely';
import type { UnitKind } from '../../../common/roles.js';
import { ilike, type DbOrTx } from '../../db/dialect.js';
import { hotQuery } from '../../db/hot-query.js';
import type { SessionsTable, UnitsTable, UsersTable } from './auth.table.js';

/** The only file of the identity module that builds queries. Every function takes a db or a transaction. */

export type UserRow = Selectable<UsersTable>;
export type UnitRow = Selectable<UnitsTable>;
export type SessionRow = Selectable<SessionsTable>;

/** A user with their unit (the unit's jurisdiction comes from the geo service), for DTOs. */
export interface UserWithUnit extends UserRow {
  unit_name: string;
  unit_kind: string;
  unit_active: number;
  unit_jurisdiction_id: string;
  unit_path: string;
}

/** A unit with its parent's name and its active member count, for DTOs. */
export interface UnitWithDetail extends UnitRow {
  parent_name: string | null;
  active_users: number;
}

/** The row `authenticate()` needs: one primary-key lookup joining session, user and unit. */
export interface SessionAuthRow {
  id: string;
  user_id: string;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  username: string;
  roles: string;
  user_active: number;
  unit_id: string;
  unit_path: string;
}

// ── sessions ────────────────────────────────────────────────────────────────

export async function insertSession(db: DbOrTx, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

const sessionForAuthQ = hotQuery(
  (db, id: string) =>
    db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .innerJoin('units as un', 'un.id', 'u.unit_id')
      .select([
        's.id',
        's.user_id',
        's.last_seen_at',
        's.expires_at',
        's.revoked_at',
        'u.username',
        'u.roles',
        'u.active as user_active',
        'un.id as unit_id',
        'un.jurisdiction_path as unit_path',
      ])
      .where('s.id', '=', id),
  ['\u0001session'],
);

/** The session behind a request, with its user and unit (every authenticated request reads it). */
export async function findSessionForAuth(db: DbOrTx, id: string): Promise<SessionAuthRow | undefined> {
  const r = (await sessionForAuthQ(db, id))[0];
  if (!r) return undefined;
  return { ...r, last_seen_at: Number(r.last_seen_at), expires_at: Number(r.expires_at), revoked_at: r.revoked_at === null ? null : Number(r.revoked_at) };
}

/** Many sessions at once, with their user and unit (open live streams are checked in batches). */
export async function findSessionsForAuth(db: DbOrTx, ids: readonly string[]): Promise<SessionAuthRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('units as un', 'un.id', 'u.unit_id')
    .select([
      's.id',
      's.user_id',
      's.last_seen_at',
      's.expires_at',
      's.revoked_at',
      'u.username',
      'u.roles',
      'u.active as user_active',
      'un.id as unit_id',
      'un.jurisdiction_path as unit_path',
    ])
    .where('s.id', 'in', [...ids])
    .execute();
  return rows.map((r) => ({
    ...r,
    last_seen_at: Number(r.last_seen_at),
    expires_at: Number(r.expires_at),
    revoked_at: r.revoked_at === null ? null : Number(r.revoked_at),
  }));
}

/** Records activity; the caller does this at most once a minute per session. */
export async function touchSession(db: DbOrTx, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function revokeSession(db: DbOrTx, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Ends every live session of a user (deactivation, password reset), optionally keeping one. Returns how many. */
export async function revokeUserSessions(db: DbOrTx, userId: string, now: number, exceptId?: string): Promise<number> {
  let q = db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now);
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Removes a user's sessions that ended more than `graceMs` ago (housekeeping at sign-in). */
export async function deleteDeadSessions(db: DbOrTx, userId: string, before: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .execute();
}

/** Removes every session that ended before `before` (a maintenance job may call this). Returns how many. */
export async function purgeSessions(db: DbOrTx, before: number): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ── users ───────────────────────────────────────────────────────────────────

function usersWithUnit(db: DbOrTx) {
  return db
    .selectFrom('users as u')
    .innerJoin('units as un', 'un.id', 'u.unit_id')
    .selectAll('u')
    .select([
      'un.name as unit_name',
      'un.kind as unit_kind',
      'un.active as unit_active',
      'un.jurisdiction_id as unit_jurisdiction_id',
      'un.jurisdiction_path as unit_path',
    ]);
}

export async function findUserByUsername(db: DbOrTx, username: string): Promise<UserWithUnit | undefined> {
  return usersWithUnit(db).where('u.username', '=', username).executeTakeFirst();
}

export async function findUserById(db: DbOrTx, id: string): Promise<UserWithUnit | undefined> {
  return usersWithUnit(db).where('u.id', '=', id).executeTakeFirst();
}

export async function usernamesTaken(db: DbOrTx, usernames: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < usernames.length; i += 500) {
    const rows = await db
      .selectFrom('users')
      .select('username')
      .where('username', 'in', usernames.slice(i, i + 500))
      .execute();
    for (const r of rows) out.add(r.username);
  }
  return out;
}

export interface UserFilter {
  /** Jurisdiction path prefix of the caller's scope, or null for everything. */
  scopePrefix: string | null;
  /** Matches username or display name (contains, case-insensitive). */
  q?: string;
  unitId?: string;
  role?: string;
  active?: boolean;
  limit: number;
  offset: number;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `column LIKE pattern ESCAPE '\'`: SQLite has no default escape character, so it is spelled out
 * for both dialects; `op` is `ilike` on PostgreSQL for case-insensitive search.
 */
function like(column: string, op: 'like' | 'ilike', pattern: string) {
  return sql<boolean>`${sql.ref(column)} ${sql.raw(op)} ${pattern} escape '\\'`;
}

export async function listUsers(db: DbOrTx, f: UserFilter): Promise<{ rows: UserWithUnit[]; total: number }> {
  const op = ilike(db);
  const where = <Q extends ReturnType<typeof usersWithUnit>>(q: Q): Q => {
    let x = q as ReturnType<typeof usersWithUnit>;
    if (f.scopePrefix) x = x.where(like('un.jurisdiction_path', 'like', `${escapeLike(f.scopePrefix)}%`));
    if (f.q) {
      const pat = `%${escapeLike(f.q)}%`;
      x = x.where((eb) => eb.or([like('u.username', op, pat), like('u.display_name', op, pat)]));
    }
    if (f.unitId) x = x.where('u.unit_id', '=', f.unitId);
    if (f.role) x = x.where(like('u.roles', 'like', `%${escapeLike(JSON.stringify(f.role))}%`));
    if (f.active !== undefined) x = x.where('u.active', '=', f.active ? 1 : 0);
    return x as Q;
  };
  const rows = await where(usersWithUnit(db)).orderBy('u.username').limit(f.limit).offset(f.offset).execute();
  const total = await where(usersWithUnit(db))
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function insertUser(db: DbOrTx, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function updateUser(db: DbOrTx, id: string, patch: Updateable<UsersTable>): Promise<void> {
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}

/** Counts a failed sign-in atomically and returns the new count. */
export async function incrementFailedLogins(db: DbOrTx, id: string): Promise<number> {
  const r = await db
    .updateTable('users')
    .set({ failed_logins: sql`failed_logins + 1` })
    .where('id', '=', id)
    .returning('failed_logins')
    .executeTakeFirstOrThrow();
  return Number(r.failed_logins);
}

/**
 * Claims a TOTP step for a user: succeeds only when it is later than the last one used, so two
 * sign-ins racing with the same code cannot both pass.
 */
export async function claimTotpStep(db: DbOrTx, id: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Active users holding a role, optionally excluding one user. */
export async function countActiveWithRole(db: DbOrTx, role: string, excludeUserId?: string): Promise<number> {
  let q = db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('active', '=', 1)
    .where(like('roles', 'like', `%${escapeLike(JSON.stringify(role))}%`));
  if (excludeUserId) q = q.where('id', '!=', excludeUserId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function listActiveUserIdsOfUnit(db: DbOrTx, unitId: string): Promise<string[]> {
  const rows = await db.selectFrom('users').select('id').where('unit_id', '=', unitId).where('active', '=', 1).orderBy('username').execute();
  return rows.map((r) => r.id);
}

// ── units ───────────────────────────────────────────────────────────────────

function unitsWithDetail(db: DbOrTx) {
  return db
    .selectFrom('units as un')
    .leftJoin('units as p', 'p.id', 'un.parent_unit_id')
    .selectAll('un')
    .select((eb) => [
      'p.name as parent_name',
      eb
        .selectFrom('users as m')
        .select((e2) => e2.fn.countAll<number>().as('c'))
        .whereRef('m.unit_id', '=', 'un.id')
        .where('m.active', '=', 1)
        .as('active_users'),
    ]);
}

function normaliseUnit<T extends { active_users: unknown }>(r: T): T & { active_users: number } {
  return { ...r, active_users: Number(r.active_users ?? 0) };
}

export async function findUnitById(db: DbOrTx, id: string): Promise<UnitWithDetail | undefined> {
  const r = await unitsWithDetail(db).where('un.id', '=', id).executeTakeFirst();
  return r ? normaliseUnit(r) : undefined;
}

/** Units with exactly this name inside a scope (for import files and the CLI). */
export async function findUnitsByName(db: DbOrTx, name: string, scopePrefix: string | null): Promise<UnitRow[]> {
  let q = db.selectFrom('units').selectAll().where('name', '=', name);
  if (scopePrefix) q = q.where(like('jurisdiction_path', 'like', `${escapeLike(scopePrefix)}%`));
  return q.limit(5).execute();
}

export async function findUnitRow(db: DbOrTx, id: string): Promise<UnitRow | undefined> {
  return db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function unitNameTaken(db: DbOrTx, jurisdictionId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('units').select('id').where('jurisdiction_id', '=', jurisdictionId).where('name', '=', name);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export interface UnitFilter {
  scopePrefix: string | null;
  q?: string;
  kind?: UnitKind;
  jurisdictionId?: string;
  parentUnitId?: string;
  active?: boolean;
  limit: number;
  offset: number;
}

export async function listUnits(db: DbOrTx, f: UnitFilter): Promise<{ rows: UnitWithDetail[]; total: number }> {
  const op = ilike(db);
  const where = <Q extends ReturnType<typeof unitsWithDetail>>(q: Q): Q => {
    let x = q as ReturnType<typeof unitsWithDetail>;
    if (f.scopePrefix) x = x.where(like('un.jurisdiction_path', 'like', `${escapeLike(f.scopePrefix)}%`));
    if (f.q) x = x.where(like('un.name', op, `%${escapeLike(f.q)}%`));
    if (f.kind) x = x.where('un.kind', '=', f.kind);
    if (f.jurisdictionId) x = x.where('un.jurisdiction_id', '=', f.jurisdictionId);
    if (f.parentUnitId) x = x.where('un.parent_unit_id', '=', f.parentUnitId);
    if (f.active !== undefined) x = x.where('un.active', '=', f.active ? 1 : 0);
    return x as Q;
  };
  const rows = await where(unitsWithDetail(db)).orderBy('un.jurisdiction_path').orderBy('un.name').limit(f.limit).offset(f.offset).execute();
  const total = await where(unitsWithDetail(db))
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { rows: rows.map(normaliseUnit), total: Number(total.n) };
}

export async function insertUnit(db: DbOrTx, row: UnitRow): Promise<void> {
  await db.insertInto('units').values(row).execute();
}

export async function updateUnit(db: DbOrTx, id: string, patch: Updateable<UnitsTable>): Promise<void> {
  await db.updateTable('units').set(patch).where('id', '=', id).execute();
}

export async function countActiveChildUnits(db: DbOrTx, id: string): Promise<number> {
  const r = await db
    .selectFrom('units')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('parent_unit_id', '=', id)
    .where('active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Ids of a unit's ancestors, nearest first (bounded, in case of a cycle in bad data). */
export async function unitAncestorIds(db: DbOrTx, id: string): Promise<string[]> {
  const out: string[] = [];
  let cur: string | null = id;
  while (cur && out.length < 64) {
    const row: { parent_unit_id: string | null } | undefined = await db.selectFrom('units').select('parent_unit_id').where('id', '=', cur).executeTakeFirst();
    cur = row?.parent_unit_id ?? null;
    if (cur) out.push(cur);
  }
  return out;
}

// ── entity scope resolvers ────────────────────────────────────────────────────

export async function userScopePath(db: DbOrTx, id: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('users as u')
    .innerJoin('units as un', 'un.id', 'u.unit_id')
    .select('un.jurisdiction_path')
    .where('u.id', '=', id)
    .executeTakeFirst();
  return r?.jurisdiction_path;
}

export async function unitScopePath(db: DbOrTx, id: string): Promise<string | undefined> {
  const r = await db.selectFrom('units').select('jurisdiction_path').where('id', '=', id).executeTakeFirst();
  return r?.jurisdiction_path;
}

/** Active units whose jurisdiction is one of `paths` (exact paths; the callers pass a node's ancestors). */
export async function findActiveUnitsAtPaths(db: DbOrTx, paths: readonly string[]): Promise<{ id: string; jurisdiction_path: string }[]> {
  if (!paths.length) return [];
  return db
    .selectFrom('units')
    .select(['id', 'jurisdiction_path'])
    .where('active', '=', 1)
    .where('jurisdiction_path', 'in', [...paths])
    .execute();
}
