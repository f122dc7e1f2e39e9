import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp, createDeps } from '../../src/server/app.js';
import { testConfig } from '../../src/server/config.js';
import { openDb, type DialectKind } from '../../src/server/db/dialect.js';
import { ManualClock } from '../../src/server/platform/clock.js';
import { addPersons, barcode, buildTestingCity, cid, type PersonFixture } from '../../src/server/modules/testing/testing.test-helpers.js';
import type { TestApp } from '../helpers/db.js';
import { sessionHeaders } from '../helpers/factories.js';

/**
 * The scan-ingest crash round (issue 14, faults), shared by the test (`npx vitest run test/crash`)
 * and the bench row (`npm run bench -- --only faults`): a real `bulwark serve` process ingesting
 * scan batches from several clients is killed with SIGKILL at a random moment, restarted on the same
 * database, killed again; then the database is checked against what the server acknowledged.
 */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `bulwark serve` (with `args`, e.g. `--workers 2`) on a database; resolves once it listens. */
export async function spawnServer(
  port: number,
  dbUrl: string,
  schema: string | undefined,
  args: readonly string[] = [],
): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, ['bin/bulwark.js', 'serve', ...args], {
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

/** A database the crash rounds run on: a SQLite file, or a fresh schema on `pgUrl`. */
export interface CrashDb {
  dialect: DialectKind;
  dbUrl: string;
  schema: string | undefined;
  /** Removes the database (the SQLite folder or the PostgreSQL schema). */
  drop(): Promise<void>;
}

/** A new, migrated database for a crash run, built through the app's own code; its handle is closed again. */
export async function crashDb(dialect: DialectKind, pgUrl: string | undefined, build: (t: TestApp) => Promise<void>): Promise<CrashDb> {
  const dir = dialect === 'sqlite' ? mkdtempSync(path.join(tmpdir(), 'bulwark-crash-')) : undefined;
  const schema = dialect === 'postgres' ? `crash_${randomBytes(5).toString('hex')}` : undefined;
  if (dialect === 'postgres' && !pgUrl) throw new Error('a PostgreSQL crash run needs a database URL');
  const config = testConfig(dir ? { db: path.join(dir, 'bulwark.db') } : { dbKind: 'postgres', db: pgUrl!, pgSchema: schema });
  const clock = new ManualClock();
  const deps = await createDeps(config, { clock });
  const app = await buildApp(deps);
  try {
    await build({ deps, clock, config, app, close: async () => {} });
  } finally {
    await app.close();
    await deps.handle.close(); // keeps the database (and the PostgreSQL schema)
  }
  return {
    dialect,
    dbUrl: config.db,
    schema,
    async drop() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (schema) {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        try {
          await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await c.end();
        }
      }
    },
  };
}

/** One batch a client sent: its items' client ids, and whether the server acknowledged all of it. */
export interface SentBatch {
  clientIds: string[];
  acked: boolean;
}

/** What the scan-ingest rounds need: an active campaign, a site, persons and a sampler's session. */
export interface IngestFixture {
  db: CrashDb;
  campaignId: string;
  siteId: string;
  districtPath: string;
  persons: PersonFixture[];
  sampler: Record<string, string>;
}

/** Builds the scan-ingest fixture on a new database. */
export async function ingestFixture(dialect: DialectKind, pgUrl?: string): Promise<IngestFixture> {
  let out!: Omit<IngestFixture, 'db'>;
  const db = await crashDb(dialect, pgUrl, async (t) => {
    const city = await buildTestingCity(t);
    const persons = [...city.persons.a11, ...(await addPersons(t, city.bA12, 60))];
    const officer = city.users.officer.headers;
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/testing/campaigns',
      headers: officer,
      payload: { name: '崩溃测试轮次', scopeJurisdictionIds: [city.xiling.id], poolSize: 10 },
    });
    if (c.statusCode !== 201) throw new Error(`campaign: ${c.statusCode} ${c.body}`);
    const campaignId = c.json().id as string;
    const act = await t.app.inject({ method: 'POST', url: `/api/testing/campaigns/${campaignId}/activate`, headers: officer });
    if (act.statusCode !== 200) throw new Error(`activate: ${act.statusCode} ${act.body}`);
    const site = await t.app.inject({
      method: 'POST',
      url: '/api/testing/sites',
      headers: officer,
      payload: {
        name: '崩溃测试采样点',
        kind: 'vacant_flat',
        jurisdictionId: city.commA.id,
        location: [111.301, 30.701],
        lanes: 4,
        servedCompoundIds: [city.compA1.id],
      },
    });
    if (site.statusCode !== 201) throw new Error(`site: ${site.statusCode} ${site.body}`);
    // The server runs on real time: its session is made at real time.
    const sampler = await sessionHeaders(t.deps.db, city.users.sampler.user, Date.now());
    out = { campaignId, siteId: site.json().id, districtPath: city.xiling.path, persons, sampler };
  });
  return { db, ...out };
}

/** The outcome of some kill rounds. */
export interface IngestRounds {
  sent: SentBatch[];
  /** Batches acknowledged before each round's kill. */
  ackedPerRound: number[];
  /** The servers' output and the last refusal a client saw (for failure messages). */
  diagnostics: string;
  seconds: number;
}

/**
 * Runs `rounds` kill rounds: a server, `clients` clients sending batches (open a tube, scan
 * `scansPerBatch` persons into it) back to back, SIGKILL after 0.6–1.5 s, wait for the clients.
 */
export async function runIngestRounds(
  f: IngestFixture,
  o: { rounds: number; clients: number; scansPerBatch: number; firstClient?: number },
): Promise<IngestRounds> {
  const t0 = Date.now();
  const all: SentBatch[] = [];
  const ackedPerRound: number[] = [];
  let diagnostics = '';
  let lastRefusal = '';
  const client = async (base: string, sent: SentBatch[], stop: () => boolean, k: number) => {
    let n = 0;
    while (!stop()) {
      const code = barcode(`CR${k}`);
      const open = { op: 'open', clientId: cid(), campaignId: f.campaignId, siteId: f.siteId, barcode: code, poolSize: 10 };
      const scans = Array.from({ length: o.scansPerBatch }, (_, i) => ({
        op: 'scan',
        clientId: cid(),
        campaignId: f.campaignId,
        barcode: code,
        idNumber: f.persons[(k * 31 + n * o.scansPerBatch + i) % f.persons.length].idNumber,
      }));
      const entry: SentBatch = { clientIds: [open.clientId, ...scans.map((s) => s.clientId)], acked: false };
      sent.push(entry);
      n++;
      try {
        const r = await fetch(`${base}/api/testing/scans/batch`, {
          method: 'POST',
          headers: { ...f.sampler, 'content-type': 'application/json' },
          body: JSON.stringify({ items: [open, ...scans] }),
          signal: AbortSignal.timeout(5000),
        });
        const text = await r.text();
        if (r.status === 200) entry.acked = (JSON.parse(text) as { applied: number }).applied === entry.clientIds.length;
        if (!entry.acked) lastRefusal = `${r.status} ${text.slice(0, 300)}`;
      } catch (err) {
        if (!stop()) lastRefusal = `${String(err)} ${String((err as Error).cause)}`;
        return; // the server is gone
      }
    }
  };
  for (let round = 0; round < o.rounds; round++) {
    const port = await freePort();
    const server = await spawnServer(port, f.db.dbUrl, f.db.schema);
    let dead = false;
    const sent: SentBatch[] = [];
    const first = (o.firstClient ?? 0) + round * o.clients;
    const clients = Array.from({ length: o.clients }, (_, k) => client(`http://127.0.0.1:${port}`, sent, () => dead, first + k));
    await new Promise((r) => setTimeout(r, 600 + Math.random() * 900));
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
    dead = true;
    await Promise.all(clients);
    all.push(...sent);
    ackedPerRound.push(sent.filter((s) => s.acked).length);
    diagnostics += `round ${round}: sent ${sent.length}; ${server.output().slice(-500)}\n`;
  }
  return { sent: all, ackedPerRound, diagnostics: `${diagnostics}last refusal: ${lastRefusal}`, seconds: (Date.now() - t0) / 1000 };
}

/** What the database holds after the kills, against what was sent and acknowledged. */
export interface IngestCheck {
  batches: number;
  acked: number;
  /** Acknowledged batches not (wholly) in the database. */
  lostAcked: number;
  /** Batches partly in the database. */
  halfApplied: number;
  /** The district's coverage counter, the counted scans and a recount from the scans. */
  coverageSampled: number;
  countedScans: number;
  recount: number;
  /** Tubes whose scan count differs from their scans. */
  tubesOff: number;
}

export async function checkIngest(f: IngestFixture, sent: readonly SentBatch[]): Promise<IngestCheck> {
  const handle = await openDb({ dbKind: f.db.dialect, db: f.db.dbUrl, pgSchema: f.db.schema });
  try {
    const db = handle.db;
    const applied = new Set<string>();
    for (const r of await db.selectFrom('testing_scans').select('client_id').where('campaign_id', '=', f.campaignId).execute()) applied.add(r.client_id);
    for (const r of await db.selectFrom('testing_tubes').select('open_client_id').where('campaign_id', '=', f.campaignId).execute())
      if (r.open_client_id) applied.add(r.open_client_id);
    let lostAcked = 0;
    let halfApplied = 0;
    for (const s of sent) {
      const present = s.clientIds.filter((x) => applied.has(x)).length;
      if (present !== 0 && present !== s.clientIds.length) halfApplied++;
      if (s.acked && present !== s.clientIds.length) lostAcked++;
    }
    const recount = await sql<{
      n: number;
    }>`select count(distinct person_id) as n from testing_scans where campaign_id = ${f.campaignId} and recheck = 0`.execute(db);
    const counted = await sql<{ n: number }>`select count(*) as n from testing_scans where campaign_id = ${f.campaignId} and counted = 1`.execute(db);
    const cov = await db
      .selectFrom('testing_coverage')
      .select('sampled')
      .where('campaign_id', '=', f.campaignId)
      .where('jurisdiction_path', '=', f.districtPath)
      .executeTakeFirstOrThrow();
    const off = await sql<{
      n: number;
    }>`select count(*) as n from testing_tubes t where t.campaign_id = ${f.campaignId} and t.scan_count <> (select count(*) from testing_scans s where s.tube_id = t.id)`.execute(
      db,
    );
    return {
      batches: sent.length,
      acked: sent.filter((s) => s.acked).length,
      lostAcked,
      halfApplied,
      coverageSampled: Number(cov.sampled),
      countedScans: Number(counted.rows[0].n),
      recount: Number(recount.rows[0].n),
      tubesOff: Number(off.rows[0].n),
    };
  } finally {
    await handle.close();
  }
}
