/**
 * Secondary indexes set aside during a bulk load into empty tables (`bulwark city generate`).
 *
 * Keeping seven non-unique person indexes current row by row is most of what a 25-million-person
 * load costs once they outgrow the page cache: every row lands on a random leaf of each. Building an
 * index afterwards sorts the rows once. So the loader drops the tables' non-unique indexes first and
 * builds them again at the end. Unique indexes (and primary keys) stay, so duplicates still fail as
 * they arrive.
 *
 * The dropped definitions are written to `settings` in the same transaction as the drops. If the
 * load dies half-way, `migrateToLatest` (run at every start) builds whatever is still recorded, so a
 * database is never left without its indexes.
 */
import { availableParallelism } from 'node:os';
import { sql } from 'kysely';
import { dialectOf, inTx, type DbOrTx } from './dialect.js';

const SETTING = 'db.deferred_indexes';

interface IndexDef {
  name: string;
  table: string;
  sql: string;
}

/** The non-unique, named secondary indexes of `tables` in the current database/schema. */
async function secondaryIndexes(db: DbOrTx, tables: readonly string[]): Promise<IndexDef[]> {
  if (tables.length === 0) return [];
  if (dialectOf(db) === 'postgres') {
    const r = await sql<IndexDef>`select indexname as name, tablename as "table", indexdef as sql from pg_indexes
      where schemaname = current_schema() and tablename in (${sql.join(tables)}) and indexdef not like 'CREATE UNIQUE %' order by indexname`.execute(db);
    return r.rows;
  }
  const r = await sql<IndexDef>`select name, tbl_name as "table", sql from sqlite_master
    where type = 'index' and tbl_name in (${sql.join(tables)}) and sql is not null and upper(sql) not like 'CREATE UNIQUE %' order by name`.execute(db);
  return r.rows;
}

async function recorded(db: DbOrTx): Promise<IndexDef[]> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTING).executeTakeFirst();
  return row ? (JSON.parse(row.value) as IndexDef[]) : [];
}

/**
 * Drops the non-unique secondary indexes of `tables` and records their definitions; returns their
 * names. Call `restoreDeferredIndexes` when the load is done.
 */
export async function deferIndexes(db: DbOrTx, tables: readonly string[], now: number): Promise<string[]> {
  return inTx(db, async (trx) => {
    const found = await secondaryIndexes(trx, tables);
    if (found.length === 0) return [];
    const value = JSON.stringify([...(await recorded(trx)), ...found]);
    await trx
      .insertInto('settings')
      .values({ key: SETTING, value, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
      .execute();
    for (const ix of found) await sql`drop index ${sql.ref(ix.name)}`.execute(trx);
    return found.map((ix) => ix.name);
  });
}

/** Builds every index `deferIndexes` recorded and has not been built since; returns their names. */
export async function restoreDeferredIndexes(db: DbOrTx): Promise<string[]> {
  const defs = await recorded(db);
  if (defs.length === 0) return [];
  const tables = [...new Set(defs.map((d) => d.table))];
  const present = new Set((await secondaryIndexes(db, tables)).map((d) => d.name));
  const built: string[] = [];
  // SQLite's sorter may use helper threads for CREATE INDEX (off by default).
  const sqlite = dialectOf(db) === 'sqlite';
  if (sqlite) await sql.raw(`pragma threads = ${Math.min(4, availableParallelism())}`).execute(db);
  try {
    for (const d of defs) {
      if (present.has(d.name)) continue;
      // One index per statement (each a full sort of its table); the record goes when all are back.
      await sql.raw(d.sql).execute(db);
      built.push(d.name);
    }
  } finally {
    if (sqlite) await sql.raw('pragma threads = 0').execute(db);
  }
  await db.deleteFrom('settings').where('key', '=', SETTING).execute();
  return built;
}
