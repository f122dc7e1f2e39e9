import { hash } from '@node-rs/argon2';
import { createHash, randomBytes } from 'node:crypto';
import type { Role, UnitKind } from '../../src/common/roles.js';
import type { JurisdictionLevel } from '../../src/common/geo.js';
import type { Db } from '../../src/server/db/dialect.js';
import { newId } from '../../src/server/platform/ids.js';

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;
function testHash(): Promise<string> {
  passwordHash ??= hash(TEST_PASSWORD);
  return passwordHash;
}

export interface JurisdictionRef {
  id: string;
  code: string;
  path: string;
  name: string;
}

/**
 * Inserts a jurisdiction node under `parent` (or as a root). Levels: city, district, street,
 * community, compound, building, entrance.
 */
export async function buildJurisdiction(
  db: Db,
  o: { code: string; name: string; level: JurisdictionLevel; parent?: JurisdictionRef; kind?: string; population?: number; geometry?: unknown },
): Promise<JurisdictionRef> {
  const id = newId();
  const path = `${o.parent ? o.parent.path : '/'}${o.code}/`;
  const now = Date.UTC(2026, 10, 1);
  await db
    .insertInto('jurisdictions')
    .values({
      id,
      code: o.code,
      name: o.name,
      level: o.level,
      kind: o.kind ?? null,
      parent_id: o.parent?.id ?? null,
      path,
      depth: path.split('/').filter(Boolean).length - 1,
      geometry: o.geometry ? JSON.stringify(o.geometry) : null,
      centroid_lng: null,
      centroid_lat: null,
      population: o.population ?? 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, code: o.code, path, name: o.name };
}

/** A tiny city: 宜昌市 with 西陵区 (in scope of district users) and 伍家岗区 (out of their scope). */
export async function buildMiniCity(db: Db) {
  const city = await buildJurisdiction(db, { code: '420500', name: '宜昌市', level: 'city' });
  const xiling = await buildJurisdiction(db, { code: '420502', name: '西陵区', level: 'district', parent: city });
  const wujiagang = await buildJurisdiction(db, { code: '420503', name: '伍家岗区', level: 'district', parent: city });
  const street = await buildJurisdiction(db, { code: '420502001000', name: '西陵街道', level: 'street', parent: xiling });
  const otherStreet = await buildJurisdiction(db, { code: '420503001000', name: '伍家岗街道', level: 'street', parent: wujiagang });
  return { city, xiling, wujiagang, street, otherStreet };
}

export interface UnitRef {
  id: string;
  name: string;
  jurisdiction: JurisdictionRef;
}

export async function buildUnit(db: Db, o: { name: string; jurisdiction: JurisdictionRef; kind?: UnitKind }): Promise<UnitRef> {
  const id = newId();
  const now = Date.UTC(2026, 10, 1);
  await db
    .insertInto('units')
    .values({
      id,
      name: o.name,
      kind: o.kind ?? 'other',
      jurisdiction_id: o.jurisdiction.id,
      jurisdiction_path: o.jurisdiction.path,
      parent_unit_id: null,
      active: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, name: o.name, jurisdiction: o.jurisdiction };
}

export interface UserRef {
  id: string;
  username: string;
  unit: UnitRef;
  roles: Role[];
}

export async function buildUser(db: Db, o: { unit: UnitRef; roles: Role[]; username?: string; active?: boolean }): Promise<UserRef> {
  const id = newId();
  const username = o.username ?? `u_${randomBytes(4).toString('hex')}`;
  const now = Date.UTC(2026, 10, 1);
  await db
    .insertInto('users')
    .values({
      id,
      username,
      display_name: `测试${username}`,
      password_hash: await testHash(),
      unit_id: o.unit.id,
      roles: JSON.stringify(o.roles),
      active: o.active === false ? 0 : 1,
      totp_secret: null,
      totp_enabled: 0,
      failed_logins: 0,
      locked_until: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, username, unit: o.unit, roles: o.roles };
}

/**
 * Creates a server-side session for a user directly and returns request headers carrying its
 * cookie (`bulwark_sid=<token>`; the sessions table stores sha256(token)). `now` is the test clock.
 */
export async function sessionHeaders(db: Db, user: UserRef, now: number, ttlMs = 12 * 3_600_000): Promise<Record<string, string>> {
  const token = randomBytes(32).toString('base64url');
  const id = createHash('sha256').update(token).digest('hex');
  await db
    .insertInto('sessions')
    .values({ id, user_id: user.id, created_at: now, last_seen_at: now, expires_at: now + ttlMs, revoked_at: null })
    .execute();
  return { cookie: `bulwark_sid=${token}` };
}
