/**
 * The fast bulk path for registering many persons (`bulwark city generate`, the demo loader, imports,
 * `createMany`): inserts households and persons at the database's own bulk speed, inside the
 * caller's transaction.
 *
 * This is the one place besides db/dialect.ts that uses the raw drivers, because the query builder
 * costs more than the insert itself at a million rows (compiling a 28-column multi-row statement and
 * binding its parameters takes several times longer than SQLite needs to store the rows):
 * - SQLite: one prepared INSERT on the better-sqlite3 connection, run once per row. The caller's
 *   Kysely transaction holds that same (only) connection, so the rows commit or roll back with it.
 * - PostgreSQL: `INSERT … SELECT * FROM unnest($1::text[], …)` with one array parameter per column,
 *   5,000 rows per statement, through the transaction (no COPY: it needs a separate protocol path).
 * The rows must already be valid: the population service builds and checks them. A duplicate
 * document still fails on the unique index (and rolls the caller's transaction back).
 */
import { sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db, DbHandle, Tx } from '../../db/dialect.js';
import type { HouseholdRow, PersonRow } from './population.repository.js';

const PERSON_COLUMNS = [
  'id',
  'name',
  'id_type',
  'id_cipher',
  'id_hmac',
  'id_masked',
  'phone_cipher',
  'phone_hmac',
  'phone_masked',
  'birth_year',
  'birth_cipher',
  'sex',
  'resident',
  'household_id',
  'building_id',
  'entrance_id',
  'room',
  'jurisdiction_id',
  'jurisdiction_path',
  'region_of_origin',
  'vulnerable_flags',
  'tags',
  'name_initials',
  'name_pinyin',
  'merged_into',
  'merged_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof PersonRow)[];
const HOUSEHOLD_COLUMNS = ['id', 'jurisdiction_id', 'jurisdiction_path', 'room', 'created_at', 'updated_at'] as const satisfies readonly (keyof HouseholdRow)[];

/** PostgreSQL element types of the columns (for the unnest casts). */
const PG_TYPES: Record<string, string> = {
  resident: 'integer',
  birth_year: 'integer',
  vulnerable_flags: 'integer',
  merged_at: 'bigint',
  created_at: 'bigint',
  updated_at: 'bigint',
};

const statements = new WeakMap<BetterSqlite3.Database, { person: BetterSqlite3.Statement; household: BetterSqlite3.Statement }>();

function sqliteStatements(db: BetterSqlite3.Database) {
  let s = statements.get(db);
  if (!s) {
    s = {
      person: db.prepare(`insert into persons (${PERSON_COLUMNS.join(', ')}) values (${PERSON_COLUMNS.map(() => '?').join(', ')})`),
      household: db.prepare(`insert into households (${HOUSEHOLD_COLUMNS.join(', ')}) values (${HOUSEHOLD_COLUMNS.map(() => '?').join(', ')})`),
    };
    statements.set(db, s);
  }
  return s;
}

async function pgUnnest<T extends object>(trx: Tx, table: string, columns: readonly (keyof T & string)[], rows: readonly T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const arrays = columns.map((c) => {
      const values = chunk.map((r) => (r as Record<string, unknown>)[c] ?? null);
      return sql`${values}::${sql.raw(PG_TYPES[c] ?? 'text')}[]`;
    });
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(trx);
  }
}

/** Inserts households then persons with the fastest path the database offers (see above). */
export async function bulkInsert(trx: Tx, handle: DbHandle, households: readonly HouseholdRow[], persons: readonly PersonRow[]): Promise<void> {
  if (handle.kind === 'sqlite' && handle.sqlite) {
    const s = sqliteStatements(handle.sqlite);
    for (const h of households) s.household.run(HOUSEHOLD_COLUMNS.map((c) => h[c]));
    for (const p of persons) s.person.run(PERSON_COLUMNS.map((c) => p[c]));
    return;
  }
  await pgUnnest(trx, 'households', HOUSEHOLD_COLUMNS, households);
  await pgUnnest(trx, 'persons', PERSON_COLUMNS, persons);
}

/**
 * Seconds this database takes to insert `rows` ready-made person rows (copies of `template` with
 * fresh ids and HMACs) through the bulk path, with no application work: the benchmark's ceiling for
 * generation and import. Runs in one transaction and rolls it back.
 */
export async function rawInsertSeconds(db: Db, handle: DbHandle, template: PersonRow, rows: number): Promise<number> {
  const made: PersonRow[] = [];
  for (let i = 0; i < rows; i++)
    made.push({
      ...template,
      id: `${template.id.slice(0, 24)}${String(i).padStart(12, '0')}`,
      id_hmac: `${template.id_hmac.slice(0, 52)}${String(i).padStart(12, '0')}`,
    });
  const t0 = process.hrtime.bigint();
  await db
    .transaction()
    .execute(async (trx) => {
      await bulkInsert(trx, handle, [], made);
      throw new RolledBack();
    })
    .catch((err) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

class RolledBack extends Error {}
