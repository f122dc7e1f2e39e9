import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { HouseholdsTable, PersonsTable } from './population.table.js';

export type PersonRow = PersonsTable;
export type HouseholdRow = HouseholdsTable;

/** Columns a list needs: everything except the ciphertexts. */
const PERSON_LIST_COLUMNS = [
  'id', 'name', 'id_type', 'id_masked', 'phone_masked', 'birth_date', 'sex', 'resident', 'household_id', 'building_id',
  'entrance_id', 'room', 'jurisdiction_id', 'jurisdiction_path', 'region_of_origin', 'vulnerable_flags', 'tags',
] as const;
export type PersonListRow = Pick<PersonRow, (typeof PERSON_LIST_COLUMNS)[number]>;

/** Multi-row inserts: 23 columns × 500 rows stays far below both dialects' parameter limits. */
export async function insertPersons(trx: Tx, rows: readonly PersonRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await trx.insertInto('persons').values(rows.slice(i, i + 500)).execute();
}

export async function insertHouseholds(trx: Tx, rows: readonly HouseholdRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('households').values(rows.slice(i, i + 1000)).execute();
}

export async function findPerson(db: DbOrTx, id: string): Promise<PersonRow | undefined> {
  return db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPersonsByIdHmac(db: DbOrTx, hmacs: readonly string[]): Promise<PersonListRow[]> {
  if (hmacs.length === 0) return [];
  return db.selectFrom('persons').select(PERSON_LIST_COLUMNS).where('id_hmac', 'in', hmacs).execute();
}

/** Which of these HMACs are already taken. */
export async function existingIdHmacs(db: DbOrTx, hmacs: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < hmacs.length; i += 500) {
    const rows = await db.selectFrom('persons').select('id_hmac').where('id_hmac', 'in', hmacs.slice(i, i + 500)).execute();
    for (const r of rows) out.add(r.id_hmac);
  }
  return out;
}

export interface PersonFilter {
  /** Path prefix (scope and/or the requested jurisdiction); null = whole city. */
  prefix: string | null;
  /** Name contains. */
  name?: string;
  idHmacs?: string[];
  phoneHmac?: string;
  /** Bit mask: any of these bits set. 0 = no filter. */
  vulnerableMask?: number;
}

/** The WHERE of a person list; every part optional. */
function filter(f: PersonFilter) {
  return (eb: ExpressionBuilder<Database, 'persons'>) => {
    const c: Expression<SqlBool>[] = [];
    if (f.prefix) c.push(eb('jurisdiction_path', 'like', `${f.prefix}%`));
    if (f.name) c.push(eb('name', 'like', `%${f.name}%`));
    if (f.idHmacs) c.push(eb('id_hmac', 'in', f.idHmacs.length ? f.idHmacs : ['-']));
    if (f.phoneHmac) c.push(eb('phone_hmac', '=', f.phoneHmac));
    if (f.vulnerableMask) c.push(eb(sql<number>`(vulnerable_flags & ${sql.lit(Math.trunc(f.vulnerableMask))})`, '<>', 0));
    return eb.and(c);
  };
}

/** A page of persons, ordered by address (path) then id. */
export async function listPersons(db: DbOrTx, f: PersonFilter, offset: number, limit: number): Promise<PersonListRow[]> {
  return db.selectFrom('persons').select(PERSON_LIST_COLUMNS).where(filter(f)).orderBy('jurisdiction_path').orderBy('id').offset(offset).limit(limit).execute();
}

export async function countPersons(db: DbOrTx, f: PersonFilter): Promise<number> {
  const r = await db.selectFrom('persons').select((eb) => eb.fn.countAll<number>().as('n')).where(filter(f)).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The residence path of each person that exists. */
export async function pathsOf(db: DbOrTx, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('persons').select(['id', 'jurisdiction_path']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.id, r.jurisdiction_path);
  }
  return out;
}

/** Vulnerable residents (any flag) per building. */
export async function vulnerableByBuilding(db: DbOrTx, buildingIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < buildingIds.length; i += 500) {
    const rows = await db
      .selectFrom('persons')
      .select(['building_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('building_id', 'in', buildingIds.slice(i, i + 500))
      .where('vulnerable_flags', '<>', 0)
      .groupBy('building_id')
      .execute();
    for (const r of rows) if (r.building_id) out.set(r.building_id, Number(r.n));
  }
  return out;
}

/** Persons per residence path (for recounts). */
export async function countByPath(db: DbOrTx): Promise<Map<string, number>> {
  const rows = await db.selectFrom('persons').select(['jurisdiction_path', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('jurisdiction_path').execute();
  return new Map(rows.map((r) => [r.jurisdiction_path, Number(r.n)]));
}

export async function findHousehold(db: DbOrTx, id: string): Promise<HouseholdRow | undefined> {
  return db.selectFrom('households').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findHouseholds(db: DbOrTx, ids: readonly string[]): Promise<HouseholdRow[]> {
  const out: HouseholdRow[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await db.selectFrom('households').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute()));
  return out;
}

/** Households at any of these residence nodes (to find one by node + room). */
export async function householdsAt(db: DbOrTx, jurisdictionIds: readonly string[]): Promise<HouseholdRow[]> {
  const out: HouseholdRow[] = [];
  for (let i = 0; i < jurisdictionIds.length; i += 500) {
    out.push(...(await db.selectFrom('households').selectAll().where('jurisdiction_id', 'in', jurisdictionIds.slice(i, i + 500)).execute()));
  }
  return out;
}

export async function listMembers(db: DbOrTx, householdId: string): Promise<PersonListRow[]> {
  return db.selectFrom('persons').select(PERSON_LIST_COLUMNS).where('household_id', '=', householdId).orderBy('birth_date').orderBy('id').execute();
}
