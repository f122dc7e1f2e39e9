import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { testConfig } from '../../src/server/config.js';
import { buildApp, createDeps } from '../../src/server/app.js';
import { inTx } from '../../src/server/db/dialect.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { newId } from '../../src/server/platform/ids.js';
import { httpLoad, measure, type BenchRow } from '../lib.js';

/**
 * The admission limits a production server runs with (README: BULWARK_MAX_IN_FLIGHT, BULWARK_MAX_LAG_MS):
 * the bench measures shedding under the defaults, not under the tests' relaxed limits.
 */
export const PRODUCTION_ADMISSION = { maxInFlight: 256, maxLagMs: 200 } as const;

/** A fresh database for a bench: a temp SQLite file (WAL, as in production) or a new PG schema. */
export async function benchDeps(dialect: 'sqlite' | 'postgres') {
  const config =
    dialect === 'sqlite'
      ? testConfig({ db: path.join(mkdtempSync(path.join(tmpdir(), 'bw-bench-')), 'bench.db'), ...PRODUCTION_ADMISSION })
      : testConfig({ dbKind: 'postgres', db: process.env.BULWARK_BENCH_PG!, pgSchema: `bench_${randomBytes(4).toString('hex')}`, ...PRODUCTION_ADMISSION });
  return createDeps(config);
}

/** Platform bench sizes: the ceilings and the platform paths measured against them. */
export interface PlatformBenchSizes {
  /** Rows of the raw multi-row insert ceiling and of the batch-journaled insert. */
  rows: number;
  /** Raw primary-key lookups. */
  lookups: number;
  /** Single-row transactions (raw, and with one journal entry each). */
  singles: number;
  /** How long each HTTP load runs, in ms. */
  httpMs: number;
}

/**
 * Closes a bench database and removes what it left on disk: the temp SQLite folder (gigabytes at the
 * big tiers), or the PostgreSQL schema.
 */
export async function closeBenchDeps(deps: Awaited<ReturnType<typeof benchDeps>>): Promise<void> {
  if (deps.config.dbKind === 'postgres' && deps.config.pgSchema) await sql`drop schema if exists ${sql.id(deps.config.pgSchema)} cascade`.execute(deps.db);
  await deps.handle.close();
  if (deps.config.dbKind === 'sqlite' && path.basename(path.dirname(deps.config.db)).startsWith('bw-bench-'))
    rmSync(path.dirname(deps.config.db), { recursive: true, force: true });
}

export async function platformCases(dialect: 'sqlite' | 'postgres', sizes: PlatformBenchSizes): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const g = `platform ${dialect}`;
  const deps = await benchDeps(dialect);
  const { db } = deps;
  await sql`create table bench_raw (id text primary key, a text not null, b bigint not null)`.execute(db);

  // Ceiling: raw multi-row inserts of small rows in one transaction.
  const n = sizes.rows;
  rows.push(
    await measure(
      g,
      'raw insert (ceiling)',
      n,
      async () => {
        await inTx(db, async (trx) => {
          for (let i = 0; i < n; i += 500) {
            const chunk = Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ id: newId(), a: `row ${i + k}`, b: i + k }));
            await trx
              .insertInto('bench_raw' as never)
              .values(chunk as never)
              .execute();
          }
        });
      },
      { unit: 'rows' },
    ),
  );
  // Ceiling: primary-key lookups.
  const ids = (await sql<{ id: string }>`select id from bench_raw limit 2000`.execute(db)).rows.map((r) => r.id);
  const lookups = sizes.lookups;
  rows.push(
    await measure(
      g,
      'raw lookup by key (ceiling)',
      lookups,
      async () => {
        for (let i = 0; i < lookups; i++) await sql`select * from bench_raw where id = ${ids[i % ids.length]}`.execute(db);
      },
      { unit: 'lookups' },
    ),
  );

  const actor = systemActor('bench');
  const singles = sizes.singles;
  rows.push(
    await measure(
      g,
      'raw insert, one per transaction (ceiling)',
      singles,
      async () => {
        for (let i = 0; i < singles; i++) {
          await inTx(db, (trx) =>
            trx
              .insertInto('bench_raw' as never)
              .values({ id: newId(), a: 'single', b: i } as never)
              .execute(),
          );
        }
      },
      { unit: 'rows' },
    ),
  );
  rows.push(
    await measure(
      g,
      'journal append, one per transaction',
      singles,
      async () => {
        for (let i = 0; i < singles; i++) {
          await inTx(db, (trx) => deps.services.journal.append(trx, actor, { action: 'bench.x', entityType: 'x', entityId: String(i), payload: { i } }));
        }
      },
      { unit: 'entries', ceiling: `${g}/raw insert, one per transaction (ceiling)` },
    ),
  );
  const batchRows = sizes.rows;
  rows.push(
    await measure(
      g,
      'rows journaled per batch of 500',
      batchRows,
      async () => {
        for (let i = 0; i < batchRows; i += 500) {
          const chunk = Array.from({ length: 500 }, (_, k) => ({ id: newId(), a: `row ${i + k}`, b: i + k }));
          await inTx(db, async (trx) => {
            await trx
              .insertInto('bench_raw' as never)
              .values(chunk as never)
              .execute();
            await deps.services.journal.appendBatch(trx, actor, { action: 'bench.rows', entityType: 'x', rows: chunk });
          });
        }
      },
      { unit: 'rows', ceiling: `${g}/raw insert (ceiling)`, note: 'rows + one journal entry per batch' },
    ),
  );
  const entries = await deps.services.journal.count();
  rows.push(
    await measure(
      g,
      'journal verify',
      entries,
      async () => {
        const v = await deps.services.journal.verify();
        if (!v.ok) throw new Error('chain broken');
      },
      { unit: 'entries' },
    ),
  );

  // HTTP: a bare Fastify route (ceiling) against Bulwark's full stack on a public route.
  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`;
  const dur = sizes.httpMs;
  const bareRes = await httpLoad(bareUrl, { durationMs: dur, concurrency: 32 });
  rows.push({ group: g, name: 'bare Fastify route (ceiling)', ops: bareRes.ok, seconds: bareRes.seconds, unit: 'req' });
  await bare.close();

  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const health = await httpLoad(`${base}/api/health`, { durationMs: dur, concurrency: 32 });
  rows.push({
    group: g,
    name: 'GET /api/health (all hooks)',
    ops: health.ok,
    seconds: health.seconds,
    unit: 'req',
    ceiling: `${g}/bare Fastify route (ceiling)`,
  });
  await app.close();
  await closeBenchDeps(deps);
  return rows;
}
