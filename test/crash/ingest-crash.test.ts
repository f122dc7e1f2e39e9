import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { openDb } from '../../src/server/db/dialect.js';
import { addPersons, barcode, buildTestingCity, cid, type PersonFixture, type TestingCity } from '../../src/server/modules/testing/testing.test-helpers.js';
import { DIALECTS, dropSchema, testEnv, type TestApp } from '../helpers/db.js';
import { sessionHeaders } from '../helpers/factories.js';

/**
 * The crash harness (issue 14, faults): a real server process ingesting scan batches is killed with
 * SIGKILL at a random moment, restarted on the same database, and killed again, for ROUNDS rounds.
 * After each kill the database must hold every batch the server acknowledged, every batch either
 * whole or not at all, and coverage counters equal to a recount from the scans. Bounded: about
 * ROUNDS × 3 s per dialect.
 */
const ROUNDS = 3;
const CLIENTS = 4;
const SCANS_PER_BATCH = 9;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let lastRefusal = '';

interface Sent {
  clientIds: string[];
  acked: boolean;
}

describe.each(DIALECTS)('crash harness: kill -9 during scan ingest [%s]', (dialect) => {
  let dir: string | undefined;
  let dbUrl: string;
  let schema: string | undefined;
  let city: TestingCity;
  let persons: PersonFixture[];
  let campaignId: string;
  let siteId: string;
  let sampler: Record<string, string>;

  beforeAll(async () => {
    dir = dialect === 'sqlite' ? mkdtempSync(path.join(tmpdir(), 'bulwark-crash-')) : undefined;
    const env = await testEnv(dialect, dir ? { db: path.join(dir, 'bulwark.db') } : {});
    const app = await buildApp(env.deps);
    const t = { ...env, app } as TestApp;
    dbUrl = env.config.db;
    schema = env.config.pgSchema;
    city = await buildTestingCity(t);
    persons = [...city.persons.a11, ...(await addPersons(t, city.bA12, 60))];
    const officer = city.users.officer.headers;
    const c = await app.inject({ method: 'POST', url: '/api/testing/campaigns', headers: officer, payload: { name: '崩溃测试轮次', scopeJurisdictionIds: [city.xiling.id], poolSize: 10 } });
    expect(c.statusCode, c.body).toBe(201);
    campaignId = c.json().id;
    expect((await app.inject({ method: 'POST', url: `/api/testing/campaigns/${campaignId}/activate`, headers: officer })).statusCode).toBe(200);
    const site = await app.inject({ method: 'POST', url: '/api/testing/sites', headers: officer, payload: { name: '崩溃测试采样点', kind: 'vacant_flat', jurisdictionId: city.commA.id, location: [111.301, 30.701], lanes: 4, servedCompoundIds: [city.compA1.id] } });
    expect(site.statusCode, site.body).toBe(201);
    siteId = site.json().id;
    // The server runs on real time: its session is made at real time.
    sampler = await sessionHeaders(env.deps.db, city.users.sampler.user, Date.now());
    await app.close();
    await env.deps.handle.close(); // keeps the database (and the PostgreSQL schema)
  }, 60_000);

  afterAll(async () => {
    if (schema) await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startServer(port: number): Promise<{ child: ChildProcess; output: () => string }> {
    let output = '';
    const child = spawn(process.execPath, ['bin/bulwark.js', 'serve'], {
      env: {
        ...process.env,
        BULWARK_DB: dbUrl,
        ...(schema ? { BULWARK_PG_SCHEMA: schema } : {}),
        PORT: String(port),
        HOST: '127.0.0.1',
        BULWARK_WEB_DIR: path.join(tmpdir(), 'bulwark-no-web-here'),
        LOG_LEVEL: 'silent',
        // The keys testConfig() seeded the persons with (ID numbers are found by their HMAC).
        BULWARK_SESSION_KEY: '07'.repeat(32),
        BULWARK_DATA_KEY: '09'.repeat(32),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 30_000;
    while (!output.includes('serving at')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { child, output: () => output };
  }

  /** One client: batches (open a tube, scan persons into it) back to back until the server dies. */
  async function client(base: string, sent: Sent[], stop: () => boolean, k: number): Promise<void> {
    let n = 0;
    while (!stop()) {
      const code = barcode(`CR${k}`);
      const open = { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize: 10 };
      const scans = Array.from({ length: SCANS_PER_BATCH }, (_, i) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: persons[(k * 31 + n * SCANS_PER_BATCH + i) % persons.length].idNumber }));
      const entry: Sent = { clientIds: [open.clientId, ...scans.map((s) => s.clientId)], acked: false };
      sent.push(entry);
      n++;
      try {
        const r = await fetch(`${base}/api/testing/scans/batch`, { method: 'POST', headers: { ...sampler, 'content-type': 'application/json' }, body: JSON.stringify({ items: [open, ...scans] }), signal: AbortSignal.timeout(5000) });
        const text = await r.text();
        if (r.status === 200) entry.acked = (JSON.parse(text) as { applied: number }).applied === entry.clientIds.length;
        if (!entry.acked) lastRefusal = `${r.status} ${text.slice(0, 300)}`;
      } catch (err) {
        if (!stop()) lastRefusal = `${String(err)} ${String((err as Error).cause)}`;
        return; // the server is gone
      }
    }
  }

  it(`loses no acknowledged batch and half-applies none across ${ROUNDS} kills`, async () => {
    const all: Sent[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const port = await freePort();
      const server = await startServer(port);
      let dead = false;
      const sent: Sent[] = [];
      const clients = Array.from({ length: CLIENTS }, (_, k) => client(`http://127.0.0.1:${port}`, sent, () => dead, k + round * CLIENTS));
      await new Promise((r) => setTimeout(r, 600 + Math.random() * 900));
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGKILL');
      await exited;
      dead = true;
      await Promise.all(clients);
      all.push(...sent);
      expect(sent.filter((s) => s.acked).length, `round ${round}: no batch was acknowledged before the kill (sent ${sent.length}; ${server.output()}; last refusal: ${lastRefusal})`).toBeGreaterThan(0);
    }

    const handle = await openDb({ dbKind: dialect, db: dbUrl, pgSchema: schema });
    try {
      const db = handle.db;
      const applied = new Set<string>();
      for (const r of await db.selectFrom('testing_scans').select('client_id').where('campaign_id', '=', campaignId).execute()) applied.add(r.client_id);
      for (const r of await db.selectFrom('testing_tubes').select('open_client_id').where('campaign_id', '=', campaignId).execute()) if (r.open_client_id) applied.add(r.open_client_id);
      for (const s of all) {
        const present = s.clientIds.filter((x) => applied.has(x)).length;
        // All or nothing, and everything that was acknowledged.
        expect([0, s.clientIds.length]).toContain(present);
        if (s.acked) expect(present).toBe(s.clientIds.length);
      }
      // Coverage counters equal a recount from the scans themselves.
      const recount = await sql<{ n: number }>`select count(distinct person_id) as n from testing_scans where campaign_id = ${campaignId} and recheck = 0`.execute(db);
      const counted = await sql<{ n: number }>`select count(*) as n from testing_scans where campaign_id = ${campaignId} and counted = 1`.execute(db);
      const cov = await db.selectFrom('testing_coverage').select('sampled').where('campaign_id', '=', campaignId).where('jurisdiction_path', '=', city.xiling.path).executeTakeFirstOrThrow();
      expect(Number(cov.sampled)).toBe(Number(recount.rows[0].n));
      expect(Number(counted.rows[0].n)).toBe(Number(recount.rows[0].n));
      // Tube counts equal their scans.
      const off = await sql<{ n: number }>`select count(*) as n from testing_tubes t where t.campaign_id = ${campaignId} and t.scan_count <> (select count(*) from testing_scans s where s.tube_id = t.id)`.execute(db);
      expect(Number(off.rows[0].n)).toBe(0);
    } finally {
      await handle.close();
    }
  }, 90_000);
});
