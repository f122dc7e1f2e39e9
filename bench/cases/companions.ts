/**
 * Spatiotemporal companion detection (时空伴随): N pings of P people over 14 days in a 30 × 30 grid of
 * 800 m cells, then detection for M case persons through the service (indexed (cell, bucket) lookups,
 * never a cross-join), compared in the same run with a straightforward SQL self-join on a sample of
 * the cases, run under a time cap (BULWARK_BENCH_JOIN_CAP_S, default 30 s).
 *
 * Sizes (issue 6): 5M pings for 100 cases in the default tier, 50M in the opt-in `yichang` tier. The
 * runner passes `{ pings, cases }`; a bare number is the old BULWARK_BENCH_SCALE (200,000 pings × scale).
 * The grid is a fixed 60 × 60 cells (a 48 km square city), so denser tiers mean more people per cell.
 *
 * Run alone: `node --import tsx bench/cases/companions.ts [pings] [cases]` (BULWARK_BENCH_PG=… for PostgreSQL).
 */
import { sql } from 'kysely';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { newId } from '../../src/server/platform/ids.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { BUCKET_MS, bucketOf } from '../../src/server/modules/companions/companions.grid.js';
import type { CompanionPingsTable } from '../../src/server/modules/companions/companions.table.js';
import { makePersons } from '../../src/server/modules/control/control.test-helpers.js';
import { buildJurisdiction } from '../../test/helpers/factories.js';
import type { TestEnv } from '../../test/helpers/db.js';
import type { BenchRow } from '../lib.js';
import { measure, printTable } from '../lib.js';
import { benchDeps } from './platform.js';

/** A small deterministic PRNG so runs are comparable. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Companion bench sizes: pings in the table, and case persons detected for. */
export interface CompanionBenchSizes {
  pings: number;
  cases: number;
}

/** Named tiers of the issue: default 5M pings / 100 cases; yichang 50M / 100. */
export const COMPANION_TIERS = { default: { pings: 5_000_000, cases: 100 }, yichang: { pings: 50_000_000, cases: 100 } } satisfies Record<
  string,
  CompanionBenchSizes
>;

const GRID = 60;

export async function companionCases(dialect: 'sqlite' | 'postgres', sizes: CompanionBenchSizes): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const g = `companions ${dialect}`;
  const deps = await benchDeps(dialect);
  const actor = systemActor('bench');
  const { pings: pingsN, cases: casesM } = sizes;
  const perPerson = 100;
  const people = Math.ceil(pingsN / perPerson);
  const capS = Number(process.env.BULWARK_BENCH_JOIN_CAP_S ?? '30');

  const city = await buildJurisdiction(deps.db, { code: '420500', name: '宜昌市', level: 'city' });
  const street = await buildJurisdiction(deps.db, { code: '420502001000', name: '西陵街道', level: 'street', parent: city });
  const casePersons = await makePersons({ deps } as unknown as TestEnv, street, casesM);
  const now = deps.clock.now();
  const b0 = bucketOf(now - 14 * 86_400_000);
  const rand = rng(42);

  // Each person moves between a few home cells in runs of consecutive buckets (people stay a while).
  // Generation only sets the stage (detection is what is measured): rows go in through the raw
  // driver with the two ping indexes dropped, and the indexes are built once at the end, so 50M
  // rows take minutes rather than hours of random B-tree inserts.
  rows.push(
    await measure(
      g,
      'ping generation (raw bulk insert, indexes built after)',
      pingsN,
      async () => {
        await sql`drop index companion_pings_cell_bucket_idx`.execute(deps.db);
        await sql`drop index companion_pings_subject_idx`.execute(deps.db);
        const batch: CompanionPingsTable[] = [];
        const flush = () => bulkPings(deps, batch.splice(0));
        for (let p = 0; p < people; p++) {
          const subject = p < casesM ? `p:${casePersons[p]}` : `h:${p.toString(16).padStart(16, '0')}`;
          const personId = p < casesM ? casePersons[p]! : null;
          const homeR = Math.floor(rand() * (GRID - 2));
          const homeC = Math.floor(rand() * (GRID - 2));
          for (let i = 0; i < perPerson; i += 10) {
            const cell = `g800:${homeR + Math.floor(rand() * 3)}:${homeC + Math.floor(rand() * 3)}`;
            const start = b0 + Math.floor(rand() * (14 * 144 - 10));
            for (let k = 0; k < 10; k++)
              batch.push({ id: newId(), subject_key: subject, person_id: personId, cell, bucket: start + k, at: (start + k) * BUCKET_MS, import_id: 'bench' });
          }
          if (batch.length >= 50_000) await flush();
          if (p % 50_000 === 0 && p > 0) console.error(`  … ${(p * perPerson).toLocaleString('en-US')} pings`);
        }
        if (batch.length) await flush();
        console.error('  … building the ping indexes');
        await sql`create index companion_pings_cell_bucket_idx on companion_pings (cell, bucket)`.execute(deps.db);
        await sql`create index companion_pings_subject_idx on companion_pings (subject_key, bucket)`.execute(deps.db);
        if (dialect === 'postgres') await sql`analyze companion_pings`.execute(deps.db);
      },
      { unit: 'pings' },
    ),
  );

  let candidates = 0;
  const perCase: number[] = [];
  rows.push(
    await measure(
      g,
      `detection for ${casesM} cases (indexed cell × bucket)`,
      casesM,
      async () => {
        for (const personId of casePersons) {
          const t1 = process.hrtime.bigint();
          candidates += (await deps.services.companions.detect(undefined, actor, { personId, to: now, minTotalMinutes: 20 })).candidateCount;
          perCase.push(Number(process.hrtime.bigint() - t1) / 1e6);
        }
      },
      { unit: 'cases' },
    ),
  );
  perCase.sort((a, b) => a - b);
  const pct = (p: number) => perCase[Math.min(perCase.length - 1, Math.floor((p / 100) * perCase.length))]!.toFixed(1);
  rows[rows.length - 1]!.note = `${pingsN.toLocaleString('en-US')} pings, ${candidates} candidates; per case p50 ${pct(50)} ms, p99 ${pct(99)} ms`;

  // The straightforward join: the case's pings against every ping within ±10 minutes in the same
  // cell, on as many cases as fit in the cap.
  let done = 0;
  const t0 = Date.now();
  const joinRow = await measure(
    g,
    'straightforward SQL join (sample, capped)',
    1,
    async () => {
      for (const personId of casePersons) {
        if ((Date.now() - t0) / 1000 > capS) break;
        await sql`select b.subject_key, count(*) as n from companion_pings a join companion_pings b on b.cell = a.cell and b.at between a.at - ${BUCKET_MS} and a.at + ${BUCKET_MS} and b.subject_key <> a.subject_key where a.subject_key = ${`p:${personId}`} group by b.subject_key`.execute(
          deps.db,
        );
        done++;
      }
    },
    { unit: 'cases' },
  );
  joinRow.ops = Math.max(done, 1);
  joinRow.note = `${done} of ${casesM} cases within ${capS} s`;
  rows.push(joinRow);
  rows[rows.length - 2]!.ceiling = `${g}/straightforward SQL join (sample, capped)`;

  await closeBench(deps);
  return rows;
}

const PING_COLUMNS = ['id', 'subject_key', 'person_id', 'cell', 'bucket', 'at', 'import_id'] as const;

/** Bench-only bulk insert: one prepared statement on better-sqlite3, or unnest arrays on PostgreSQL. */
async function bulkPings(deps: Awaited<ReturnType<typeof benchDeps>>, rows: CompanionPingsTable[]): Promise<void> {
  const raw = deps.handle.sqlite;
  if (raw) {
    const stmt = raw.prepare(`insert into companion_pings (${PING_COLUMNS.join(', ')}) values (${PING_COLUMNS.map(() => '?').join(', ')})`);
    raw.transaction(() => {
      for (const r of rows) stmt.run(r.id, r.subject_key, r.person_id, r.cell, r.bucket, r.at, r.import_id);
    })();
    return;
  }
  for (let i = 0; i < rows.length; i += 10_000) {
    const chunk = rows.slice(i, i + 10_000);
    const col = (c: (typeof PING_COLUMNS)[number], type: string) => sql`${chunk.map((r) => r[c])}::${sql.raw(type)}[]`;
    await sql`insert into companion_pings (${sql.join(PING_COLUMNS.map((c) => sql.ref(c)))}) select * from unnest(${sql.join([
      col('id', 'text'),
      col('subject_key', 'text'),
      col('person_id', 'text'),
      col('cell', 'text'),
      col('bucket', 'bigint'),
      col('at', 'bigint'),
      col('import_id', 'text'),
    ])})`.execute(deps.db);
  }
}

/** Closes the bench database; on PostgreSQL drops its schema (tens of GB at the big tiers). */
async function closeBench(deps: Awaited<ReturnType<typeof benchDeps>>): Promise<void> {
  if (deps.config.dbKind === 'postgres' && deps.config.pgSchema) await sql`drop schema ${sql.id(deps.config.pgSchema)} cascade`.execute(deps.db);
  await deps.handle.close();
  // The SQLite file of the big tier is ~10 GB: remove its temporary folder too.
  if (deps.config.dbKind === 'sqlite') await rm(path.dirname(deps.config.db), { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [pings, cases] = [Number(process.argv[2] ?? COMPANION_TIERS.default.pings), Number(process.argv[3] ?? COMPANION_TIERS.default.cases)];
  const only = process.env.BULWARK_BENCH_ONLY as 'sqlite' | 'postgres' | undefined;
  const out: BenchRow[] = [];
  for (const d of ['sqlite', ...(process.env.BULWARK_BENCH_PG ? ['postgres' as const] : [])] as const)
    if (!only || only === d) out.push(...(await companionCases(d, { pings, cases })));
  console.log(`\nBulwark bench (companions) — node ${process.version}, ${new Date().toISOString()}\n`);
  printTable(out);
  process.exit(0);
}
