/**
 * The only file that branches on the database dialect. Everything else talks Kysely and calls the
 * small helpers exported here when SQLite and PostgreSQL genuinely differ.
 */
import BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  PostgresDriver,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type PostgresDialectConfig,
  type SqliteDialectConfig,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Database } from './schema.js';

export type DialectKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** A database handle or an open transaction: repositories accept either, so transactions compose. */
export type DbOrTx = Kysely<Database>;

export interface DbHandle {
  db: Db;
  kind: DialectKind;
  /** The underlying better-sqlite3 connection (SQLite only): online backup and raw bulk paths. */
  sqlite?: BetterSqlite3.Database;
  /** The pg pool (PostgreSQL only). */
  pool?: pg.Pool;
  /** Connection settings the pool was made with (PostgreSQL only), for LISTEN and pg_dump. */
  pgConfig?: { connectionString: string; schema?: string };
  close(): Promise<void>;
}

// int8 (counts, epoch ms) and numeric come back from pg as strings by default; the schema only
// stores values well inside Number.MAX_SAFE_INTEGER, so parse them as numbers like SQLite does.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * SQLite transactions start with BEGIN IMMEDIATE: they take the write lock up front (waiting up to
 * busy_timeout) instead of failing with SQLITE_BUSY_SNAPSHOT when another process wrote between
 * their first read and first write — which happens with `serve --workers N` on one file.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): the
   * ROLLBACK that follows then fails with "cannot rollback - no transaction is active" and would
   * replace the real cause (a full disk) in the error the caller sees. Nothing is left to undo then.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (err) {
      if (!/no transaction is active/.test(String((err as Error)?.message))) throw err;
    }
  }
}

/**
 * A PostgreSQL connection cut mid-transaction (pg_terminate_backend, a server restart) fails the
 * ROLLBACK as well: keep the original error (the caller maps it to 503). Kysely marks the connection
 * discarded when its ROLLBACK fails and pg-pool drops a client that is no longer queryable, so
 * nothing half-open goes back to the pool.
 */
class ResilientPostgresDriver extends PostgresDriver {
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection as never);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
    }
  }
}

class ResilientPostgresDialect extends PostgresDialect {
  readonly #driverConfig: PostgresDialectConfig;
  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#driverConfig = config;
  }
  override createDriver(): Driver {
    return new ResilientPostgresDriver(this.#driverConfig);
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #driverConfig: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#driverConfig = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#driverConfig);
  }
}

/** SQLite's page cache per connection (KiB). */
const SQLITE_CACHE_KIB = 131_072;

/** How many distinct SQL texts keep a prepared statement (the app issues a few hundred). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * better-sqlite3 behind Kysely re-prepares every statement, which costs about a fifth of a small
 * query's CPU. Statements are reusable (the driver is synchronous), so keep one per SQL text; a
 * statement still busy (an open streaming iterator) is never handed out twice, a fresh one is made.
 */
function cachingStatements(sqlite: BetterSqlite3.Database): SqliteDialectConfig['database'] {
  const cache = new LRUCache<string, BetterSqlite3.Statement>({ max: STATEMENT_CACHE_SIZE });
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      const hit = cache.get(sqlText);
      if (hit && !hit.busy) return hit;
      const stmt = sqlite.prepare(sqlText);
      if (!hit) cache.set(sqlText, stmt);
      return stmt;
    },
  } as SqliteDialectConfig['database'];
}

/** Opens the configured database (creating the SQLite file and its folder when missing). */
export async function openDb(
  config: Pick<Config, 'dbKind' | 'db' | 'pgSchema'>,
  opts: {
    poolSize?: number;
    /** Told when a pooled PostgreSQL connection breaks (the connection is dropped, never reused). */
    onConnectionError?: (err: Error) => void;
  } = {},
): Promise<DbHandle> {
  if (config.dbKind === 'postgres') {
    const schema = config.pgSchema;
    if (schema) {
      const admin = new pg.Client({ connectionString: config.db });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: config.db,
      max: opts.poolSize ?? 10,
      // Names the process's connections in pg_stat_activity (per schema: tests and operators can
      // find, and cut, exactly this server's connections).
      application_name: schema ? `bulwark:${schema}`.slice(0, 63) : 'bulwark',
      ...(schema ? { options: `-c search_path="${schema}"` } : {}),
    });
    // Without listeners, a connection cut by the server (pg_terminate_backend, a restart) emits
    // 'error' with nobody listening and the process dies. Idle clients report through the pool;
    // checked-out ones through their own listener (pg-pool removes its listener while lent out).
    // The broken client is dropped by pg-pool; the affected request fails with a connection error
    // that the error handler answers with 503 + Retry-After; the next checkout connects afresh.
    const onError = opts.onConnectionError ?? ((err: Error) => console.error(`database connection lost: ${err.message}`));
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new ResilientPostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      pool,
      pgConfig: { connectionString: config.db, schema },
      close: () => db.destroy(),
    };
  }
  if (config.db !== ':memory:') mkdirSync(path.dirname(path.resolve(config.db)), { recursive: true });
  const sqlite = new BetterSqlite3(config.db);
  if (config.db !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // SQLite's default page cache is 2 MB: at city scale nearly every index probe of a point read
  // (a person by ID, a session, a tube) then costs a read() of a page the OS already holds.
  // 128 MB keeps the hot index pages in the process (within the 2 GB server memory budget).
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }) });
  return { db, kind: 'sqlite', sqlite, close: () => db.destroy() };
}

/** How many times a transaction that PostgreSQL aborted as a deadlock or serialization failure is run again. */
export const TX_RETRIES = 4;

/**
 * Runs `fn` in the given transaction, or opens one when given a plain handle. A transaction this
 * call opened and PostgreSQL aborted as a deadlock victim (40P01) or a serialization failure
 * (40001) is run again from the start, up to TX_RETRIES times with a short random pause: nothing
 * of the aborted attempt was committed, and the retry reads afresh. `fn` must therefore keep its
 * effects inside the transaction (every service does: state outside it is changed after commit).
 */
export async function inTx<T>(db: DbOrTx, fn: (trx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= TX_RETRIES || !isRetryableTxError(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
}

/** A PostgreSQL deadlock (40P01) or serialization failure (40001): the transaction may simply be run again. */
export function isRetryableTxError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === '40P01' || code === '40001';
}

/** Messages node-postgres gives when the connection itself is gone (it has no code for these). */
const LOST_CONNECTION = /Connection terminated|not queryable|Connection ended|terminating connection/i;

/**
 * The database cannot be reached right now: a connection cut (pg_terminate_backend, a restart:
 * 57P01–57P03, class 08), too many connections (53300), or the socket refused or reset. The request
 * may succeed if retried shortly; answered with 503 + Retry-After.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^57P0[123]$/.test(code) || code.startsWith('08') || code === '53300') return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  return !code && LOST_CONNECTION.test(String(e.message ?? ''));
}

/** The database has no room to write: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100). */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'SQLITE_FULL' || code === '53100';
}

/** True when an error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The dialect of a handle or transaction, read from its adapter. */
export function dialectOf(db: DbOrTx): DialectKind {
  const adapter = db.getExecutor().adapter as { constructor: { name: string } };
  return adapter.constructor.name.startsWith('Postgres') ? 'postgres' : 'sqlite';
}

/** Case-insensitive LIKE: SQLite's LIKE already ignores ASCII case; PostgreSQL needs ILIKE. */
export function ilike(db: DbOrTx): 'like' | 'ilike' {
  return dialectOf(db) === 'postgres' ? 'ilike' : 'like';
}

/**
 * Takes transaction-scoped locks on `keys` within a key space (`space`, a small constant per use),
 * in one global order (sorted by hash), so two transactions locking overlapping keys never
 * deadlock on them. PostgreSQL: two-int advisory locks (a key space apart from any one-bigint
 * lock); a hash collision only makes two unrelated keys wait for each other. SQLite
 * serialises writers already: a no-op.
 */
export async function lockKeys(trx: Tx, space: number, keys: readonly string[]): Promise<void> {
  if (!keys.length || dialectOf(trx) !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${space}::int, h) from (select distinct hashtext(k) as h from unnest(${[...keys]}::text[]) as k order by h) as ordered`.execute(
    trx,
  );
}

/** Sends a PostgreSQL NOTIFY that is delivered only if and when the transaction commits. No-op on SQLite. */
export async function notifyOnCommit(trx: DbOrTx, channel: string, payload: string): Promise<void> {
  if (dialectOf(trx) === 'postgres') await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
}

/**
 * Subscribes to a PostgreSQL channel on a dedicated connection. Returns an unsubscribe function.
 * Returns undefined on SQLite, where callers poll instead. A cut connection (pg_terminate_backend,
 * a server restart) is re-opened with back-off (0.25 s doubling to 10 s); after re-subscribing,
 * `onMessage('')` tells the caller to catch up on what it missed while disconnected.
 */
export async function listen(handle: DbHandle, channel: string, onMessage: (payload: string) => void): Promise<(() => Promise<void>) | undefined> {
  if (handle.kind !== 'postgres' || !handle.pgConfig) return undefined;
  const pgConfig = handle.pgConfig;
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: pgConfig.connectionString,
      application_name: pgConfig.schema ? `bulwark:${pgConfig.schema}`.slice(0, 63) : 'bulwark',
      ...(pgConfig.schema ? { options: `-c search_path="${pgConfig.schema}"` } : {}),
    });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      void c.end().catch(() => {});
      if (client === c) client = undefined;
      if (stopped) return;
      retry = setTimeout(() => {
        retry = undefined;
        connect().then(
          () => {
            delay = 250;
            onMessage('');
          },
          () => {},
        );
      }, delay);
      retry.unref();
      delay = Math.min(delay * 2, 10_000);
    };
    c.on('error', onLost);
    c.on('end', onLost);
    c.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
    } catch (err) {
      onLost();
      throw err;
    }
    client = c;
    if (stopped) await c.end().catch(() => {});
  };
  try {
    await connect();
  } catch (err) {
    // The first connection is the caller's to report; no retries behind its back.
    stopped = true;
    if (retry) clearTimeout(retry);
    throw err;
  }
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

/** Names of the tables in the current database/schema (for the schema-conformance test and backups). */
export async function listTables(db: DbOrTx): Promise<string[]> {
  if (dialectOf(db) === 'postgres') {
    const r = await sql<{
      name: string;
    }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`.execute(db);
    return r.rows.map((x) => x.name);
  }
  const r = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1`.execute(db);
  return r.rows.map((x) => x.name);
}

/** Column names per table in the current database (for the schema-conformance test). */
export async function listColumns(db: DbOrTx, table: string): Promise<{ name: string; notnull: boolean }[]> {
  if (dialectOf(db) === 'postgres') {
    const r = await sql<{
      name: string;
      nullable: string;
    }>`select column_name as name, is_nullable as nullable from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(
      db,
    );
    return r.rows.map((x) => ({ name: x.name, notnull: x.nullable === 'NO' }));
  }
  const r = await sql<{ name: string; notnull: number; pk: number }>`select name, "notnull", pk from pragma_table_info(${table})`.execute(db);
  return r.rows.map((x) => ({ name: x.name, notnull: x.notnull === 1 || x.pk > 0 }));
}

/** The current PostgreSQL schema (first on the search path), or undefined on SQLite. */
export async function currentSchema(db: DbOrTx): Promise<string | undefined> {
  if (dialectOf(db) !== 'postgres') return undefined;
  const r = await sql<{ s: string }>`select current_schema() as s`.execute(db);
  return r.rows[0]?.s;
}
