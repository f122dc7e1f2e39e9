import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../test/helpers/factories.js';
import { buildApp, createDeps } from '../app.js';
import { testConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { ManualClock } from '../platform/clock.js';
import { inTx, isDatabaseUnavailable, isStorageFull, listen } from './dialect.js';

const PG_URL = process.env.BULWARK_TEST_PG;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An officer's session headers and an alert body (a write that reaches the database). */
async function officerOf(t: { deps: Deps; clock: { now(): number } }) {
  const db = t.deps.db;
  const city = await buildMiniCity(db);
  const unit = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
  return sessionHeaders(db, await buildUser(db, { unit, roles: ['district_officer'] }), t.clock.now());
}

/**
 * Issue 14, faults of the database underneath: PostgreSQL connections cut (pg_terminate_backend,
 * as in a server restart), deadlocks between transactions, and SQLite's disk filling up.
 */
describe.each(DIALECTS)('database faults [%s]', (dialect) => {
  let t: TestApp;
  let officer: Record<string, string>;
  beforeAll(async () => {
    t = await testApp(dialect);
    officer = await officerOf(t);
  });
  afterAll(() => t.close());
  const journal = () => t.app.inject({ method: 'GET', url: '/api/notifications', headers: officer });
  // Connection faults exist only on PostgreSQL: on SQLite these cases are not registered at all
  // (rather than reported as skipped, since a CI run must skip nothing).
  const pgIt = ((name: string, fn: () => Promise<void>, timeout?: number) => {
    if (dialect === 'postgres') it(name, fn, timeout);
  }) as (name: string, fn: () => Promise<void>, timeout?: number) => void;

  pgIt('survives its pooled connections being cut, answers the request that was using one with 503 + Retry-After, and recovers by itself', async () => {
    const schema = t.config.pgSchema!;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const mine = () => admin.query(`select pid from pg_stat_activity where application_name = $1`, [`bulwark:${schema}`]);
      const cut = () => admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [`bulwark:${schema}`]);
      // Warm the pool, then cut every idle connection: the process must live on (no listener → crash).
      await Promise.all(Array.from({ length: 4 }, () => journal()));
      expect((await mine()).rowCount).toBeGreaterThan(0);
      await cut();
      await sleep(200);
      expect((await journal()).statusCode).toBe(200);

      // A request in the middle of a query when its connection is cut: it waits on a lock held here.
      await admin.query('begin');
      await admin.query(`lock table "${schema}".notifications in access exclusive mode`);
      const pending = journal();
      for (let i = 0; i < 100; i++) {
        const waiting = await admin.query(`select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [`bulwark:${schema}`]);
        if (waiting.rowCount) break;
        await sleep(50);
      }
      await cut();
      await admin.query('rollback');
      const r = await pending;
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('2');
      expect(r.json().error.code).toBe('DATABASE_UNAVAILABLE');
      // And the next request gets a fresh connection (once the cut idle ones have reported in).
      await sleep(200);
      expect((await journal()).statusCode).toBe(200);
    } finally {
      await admin.end();
    }
  });

  pgIt('a LISTEN connection that is cut comes back by itself and says so (live events resume)', async () => {
    const heard: string[] = [];
    const unlisten = (await listen(t.deps.handle, 'faults_probe', (p) => heard.push(p)))!;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [`bulwark:${t.config.pgSchema}`]);
      // Reconnected: first the catch-up signal (''), then notifications flow again.
      for (let i = 0; i < 100 && !heard.includes(''); i++) await sleep(50);
      expect(heard).toContain('');
      await admin.query(`select pg_notify('faults_probe', 'after the cut')`);
      for (let i = 0; i < 100 && !heard.includes('after the cut'); i++) await sleep(50);
      expect(heard).toContain('after the cut');
    } finally {
      await unlisten();
      await admin.end();
    }
  });

  pgIt('a connection the server refuses (a restart in progress) counts as unavailable, not as a bug', async () => {
    const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
    const err = await c.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(new Error('column "x" does not exist'))).toBe(false);
  });

  it('two transactions that take the same rows in opposite orders both commit (a deadlock victim is run again)', async () => {
    await sql`create table deadlock_probe (id integer primary key, v integer not null)`.execute(t.deps.db);
    await sql`insert into deadlock_probe (id, v) values (1, 0), (2, 0)`.execute(t.deps.db);
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<void>((r) => (release = r));
    const bump = (first: number, second: number) =>
      inTx(t.deps.db, async (trx) => {
        attempts++;
        await sql`update deadlock_probe set v = v + 1 where id = ${first}`.execute(trx);
        if (++arrived === 2) release();
        // Wait (bounded) until the other transaction holds its first row too.
        await Promise.race([bothHoldOne, sleep(dialect === 'postgres' ? 3000 : 50)]);
        await sql`update deadlock_probe set v = v + 1 where id = ${second}`.execute(trx);
      });
    await Promise.all([bump(1, 2), bump(2, 1)]);
    const rows = await sql<{ id: number; v: number }>`select id, v from deadlock_probe order by id`.execute(t.deps.db);
    expect(rows.rows.map((r) => Number(r.v))).toEqual([2, 2]);
    // PostgreSQL chose a victim and it ran again; SQLite serialises writers, so nothing had to.
    if (dialect === 'postgres') expect(attempts).toBe(3);
    else expect(attempts).toBe(2);
  });
});

describe('SQLite disk full [sqlite]', () => {
  let dir: string;
  let deps: Deps;
  let app: FastifyInstance;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-full-'));
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const clock = new ManualClock();
    deps = await createDeps(testConfig({ db: path.join(dir, 'bulwark.db') }), { clock, log: pino({ level: 'info' }, sink) });
    app = await buildApp(deps);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await deps.handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 STORAGE_FULL with Retry-After, logs the cause once (no "cannot rollback" flood), and writes again once there is room', async () => {
    const officer = await officerOf({ deps, clock: deps.clock });
    const raise = (i: number) =>
      app.inject({ method: 'POST', url: '/api/alerts', headers: officer, payload: { title: `磁盘测试 ${i}`, body: '满'.repeat(1300), severity: 'info' } });
    expect((await raise(0)).statusCode).toBe(201);
    const sqlite = deps.handle.sqlite!;
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    // The file may not grow past its current size: a real SQLITE_FULL from SQLite itself.
    const pages = Number(sqlite.pragma('page_count', { simple: true }));
    sqlite.pragma(`max_page_count = ${pages}`);
    const answers = [];
    for (let i = 1; i <= 30; i++) answers.push(await raise(i));
    const full = answers.filter((r) => r.statusCode === 503);
    expect(full.length).toBeGreaterThan(3);
    expect(answers.every((r) => r.statusCode === 201 || r.statusCode === 503)).toBe(true);
    expect(full[0].headers['retry-after']).toBe('30');
    expect(full[0].json().error.code).toBe('STORAGE_FULL');
    const log = lines.join('');
    expect(log.match(/no room to write/g)).toHaveLength(1);
    expect(log).toContain('SQLITE_FULL');
    expect(log).not.toMatch(/cannot rollback/);
    // Space returns: writes succeed again without a restart.
    sqlite.pragma('max_page_count = 1073741823');
    expect((await raise(99)).statusCode).toBe(201);
    expect(isStorageFull({ code: 'SQLITE_FULL' })).toBe(true);
  });
});
