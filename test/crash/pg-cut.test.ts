import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../helpers/factories.js';
import { crashDb, freePort, spawnServer, type CrashDb } from './harness.js';

const PG_URL = process.env.BULWARK_TEST_PG;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 14, faults: "The server dies when PostgreSQL connections are cut". A real `bulwark serve
 * --workers 2` under load has every one of its PostgreSQL backends (pools and LISTEN connections of
 * both workers) terminated, three times, with pg_terminate_backend on its own schema's application
 * name (never another test's, and the shared server is not restarted). The workers stay up, a request
 * that was using a cut connection gets 503 DATABASE_UNAVAILABLE with Retry-After, nothing else fails,
 * and the server answers normally again by itself.
 */
describe.runIf(PG_URL)('PostgreSQL connections cut under a real server [postgres]', () => {
  let db: CrashDb;
  let officer: Record<string, string>;

  beforeAll(async () => {
    db = await crashDb('postgres', PG_URL, async (t) => {
      const city = await buildMiniCity(t.deps.db);
      const unit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling });
      // The server runs on real time: its session is made at real time.
      officer = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), Date.now());
    });
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('keeps both workers up through three cuts of all its backends, answers 503 + Retry-After or success, and recovers by itself', async () => {
    const port = await freePort();
    const server = await spawnServer(port, db.dbUrl, db.schema, ['--workers', '2']);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const base = `http://127.0.0.1:${port}`;
    const statuses: number[] = [];
    const unavailable: { retryAfter: string | null; code: string }[] = [];
    const failures: string[] = [];
    let stop = false;
    const client = async (k: number) => {
      for (let n = 0; !stop; n++) {
        const write = n % 2 === 1;
        try {
          const r = await fetch(`${base}/api/${write ? 'alerts' : 'notifications'}`, {
            method: write ? 'POST' : 'GET',
            headers: { ...officer, ...(write ? { 'content-type': 'application/json' } : {}) },
            body: write ? JSON.stringify({ title: `断连测试 ${k}-${n}`, body: '数据库连接被切断', severity: 'info' }) : undefined,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await r.text();
          statuses.push(r.status);
          if (r.status === 503)
            unavailable.push({ retryAfter: r.headers.get('retry-after'), code: (JSON.parse(text) as { error: { code: string } }).error.code });
        } catch (err) {
          failures.push(`${String(err)} ${String((err as Error).cause)}`);
        }
      }
    };
    try {
      const clients = Array.from({ length: 4 }, (_, k) => client(k));
      let terminated = 0;
      for (let cut = 0; cut < 3; cut++) {
        await sleep(700);
        const r = await admin.query(`select pg_terminate_backend(pid) as t from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()`, [
          `bulwark:${db.schema}`,
        ]);
        terminated += r.rowCount ?? 0;
      }
      await sleep(1500);
      stop = true;
      await Promise.all(clients);
      // Every cut found the workers' backends (pools and LISTEN connections): at least two per cut.
      expect(terminated).toBeGreaterThanOrEqual(6);
      // Nothing but success or "unavailable, retry": no reset connection, no 500.
      expect(failures, server.output()).toEqual([]);
      expect(
        statuses.filter((s) => ![200, 201, 503].includes(s)),
        server.output(),
      ).toEqual([]);
      for (const u of unavailable) expect(u).toEqual({ retryAfter: '2', code: 'DATABASE_UNAVAILABLE' });
      // Recovered by itself: reads and writes answer normally, on both workers, and no worker died.
      for (let i = 0; i < 6; i++) expect((await fetch(`${base}/api/notifications`, { headers: officer })).status).toBe(200);
      const w = await fetch(`${base}/api/alerts`, {
        method: 'POST',
        headers: { ...officer, 'content-type': 'application/json' },
        body: JSON.stringify({ title: '恢复后', body: '写入正常', severity: 'info' }),
      });
      expect(w.status).toBe(201);
      expect(server.output()).not.toMatch(/worker \d+ exited/);
      expect(server.child.exitCode).toBeNull();
      expect(statuses.filter((s) => s === 200 || s === 201).length).toBeGreaterThan(0);
    } finally {
      stop = true;
      await admin.end();
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  }, 90_000);
});
