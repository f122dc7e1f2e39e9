import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../config.js';
import type { DbHandle } from '../db/dialect.js';

const run = promisify(execFile);

/** Writes a consistent backup: SQLite's online backup API, or pg_dump's custom format. */
export async function backupTo(handle: DbHandle, file: string, onProgress?: (done: number, total: number) => void): Promise<void> {
  const target = path.resolve(file);
  if (handle.kind === 'sqlite') {
    await handle.sqlite!.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 200;
      },
    });
    return;
  }
  const { connectionString, schema } = handle.pgConfig!;
  await requireTool('pg_dump');
  await run('pg_dump', ['--format=custom', '--no-owner', '--file', target, ...(schema ? ['--schema', schema] : []), '--dbname', connectionString], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Restores a backup made by `backupTo` into the configured database, replacing its contents.
 * The server should be stopped. The file's format is detected from its header.
 */
export async function restoreFrom(config: Pick<Config, 'dbKind' | 'db' | 'pgSchema'>, file: string): Promise<void> {
  const source = path.resolve(file);
  if (!existsSync(source)) throw new Error(`backup file not found: ${source}`);
  const kind = sniff(source);
  if (config.dbKind === 'sqlite') {
    if (kind !== 'sqlite') throw new Error(`${source} is not a SQLite backup (found ${kind}); restore it into a PostgreSQL BULWARK_DB`);
    if (config.db === ':memory:') throw new Error('cannot restore into an in-memory database');
    const target = path.resolve(config.db);
    for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
    const src = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    try {
      await src.backup(target);
    } finally {
      src.close();
    }
    return;
  }
  if (kind !== 'pg') throw new Error(`${source} is not a pg_dump custom-format backup (found ${kind}); restore it into a SQLite BULWARK_DB`);
  await requireTool('pg_restore');
  if (config.pgSchema) {
    // The dump names its schema; recreate it empty so the restore lands on a clean slate.
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: config.db });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA IF EXISTS "${config.pgSchema}" CASCADE`);
    } finally {
      await c.end();
    }
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', config.db, source]);
    return;
  }
  await run('pg_restore', ['--no-owner', '--clean', '--if-exists', '--exit-on-error', '--dbname', config.db, source]);
}

function sniff(file: string): 'sqlite' | 'pg' | 'unknown' {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, 0);
    if (buf.toString('latin1', 0, 15) === 'SQLite format 3') return 'sqlite';
    if (buf.toString('latin1', 0, 5) === 'PGDMP') return 'pg';
    return 'unknown';
  } finally {
    closeSync(fd);
  }
}

async function requireTool(name: string): Promise<void> {
  try {
    await run(name, ['--version']);
  } catch {
    throw new Error(`${name} is not installed; install the PostgreSQL client tools (Debian: postgresql-client)`);
  }
}
