/**
 * Case and contact lists (issue 6), against a ceiling measured in the same run. SORMAS users wait
 * 20–30 s for these at 300k records; the target is p99 < 100 ms for a district user's first page
 * (one filter, one sort) at 30k cases / 300k contacts (default) and 300k / 3M (BULWARK_BENCH_SCALE=10,
 * the `--scale yichang` tier).
 * - cases list, district scope, kind=confirmed, newest report first (the service, keyset page of 50);
 * - contacts list, district scope, category=close, newest exposure first;
 * - ceiling: the same page without scope or filter, straight off the (report_date, id) index.
 * Rows are bulk-inserted (the lists are what is measured, not the confirmation flow).
 * The runner passes `{ cases, contacts }` from bench/tiers.ts (CASE_LIST_TIERS here).
 * Run alone: `node --import tsx bench/cases/cases.ts [cases] [contacts]` (BULWARK_BENCH_PG=… adds PostgreSQL).
 */
import { sql, type Insertable } from 'kysely';
import { pathToFileURL } from 'node:url';
import type { Database } from '../../src/server/db/schema.js';
import type { Actor } from '../../src/server/platform/actor.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { addDays } from '../../src/server/platform/clock.js';
import { newId } from '../../src/server/platform/ids.js';
import { measure, printTable, type BenchRow } from '../lib.js';
import { benchDeps } from './platform.js';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Deterministic pseudo-random days, so dates do not line up with districts (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DISTRICTS = ['420502', '420503', '420504', '420505', '420506', '420525', '420526', '420527', '420528', '420529'];

/** Case-list bench sizes: cases and contacts in the tables. */
export interface CaseListBenchSizes {
  cases: number;
  contacts: number;
}

/** Named tiers of the issue: default 30k cases / 300k contacts; yichang 300k / 3M. */
export const CASE_LIST_TIERS = { default: { cases: 30_000, contacts: 300_000 }, yichang: { cases: 300_000, contacts: 3_000_000 } } satisfies Record<
  string,
  CaseListBenchSizes
>;

export async function caseListCases(dialect: 'sqlite' | 'postgres', sizes: CaseListBenchSizes): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const g = `cases ${dialect}`;
  const deps = await benchDeps(dialect);
  const { db } = deps;
  const { cases: nCases, contacts: nContacts } = sizes;
  const preset = await deps.services.cases.presets.active();
  const now = deps.clock.now();
  const day0 = '2022-10-01';
  const rand = rng(6);
  const pathOf = (i: number) => {
    const d = DISTRICTS[i % DISTRICTS.length];
    return `/420500/${d}/${d}00${(i >> 4) % 8}000/${d}00${(i >> 4) % 8}0${(i >> 7) % 20}/`;
  };

  console.error(`  … inserting ${nCases.toLocaleString('en-US')} cases and ${nContacts.toLocaleString('en-US')} contacts`);
  const caseIds: string[] = [];
  for (let i = 0; i < nCases; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, nCases - i) }, (_, k): Insertable<Database['cases']> => {
      const n = i + k;
      const id = newId();
      caseIds.push(id);
      return {
        id,
        person_id: newId(),
        name_masked: '张*',
        kind: n % 3 ? 'confirmed' : 'asymptomatic',
        jurisdiction_path: pathOf(n),
        onset_date: null,
        report_date: addDays(day0, Math.floor(rand() * 90)),
        confirmed_at: now,
        clinical_status: 'treatment',
        detection_channel: n % 2 ? 'in_control' : 'community',
        source_case_id: null,
        cluster_id: null,
        preset_id: preset.id,
        preset_version: preset.label,
        positive_tube_id: null,
        positive_at: null,
        recheck_id: null,
        recheck_tube_id: null,
        core_investigation_at: null,
        close_contacts_at: null,
        created_by: null,
        created_by_name: 'bench',
        created_at: now,
        updated_at: now,
      };
    });
    await db.insertInto('cases').values(chunk).execute();
  }
  for (let i = 0; i < nContacts; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, nContacts - i) }, (_, k): Insertable<Database['case_contacts']> => {
      const n = i + k;
      const c = n % nCases;
      return {
        id: newId(),
        case_id: caseIds[c],
        cluster_id: null,
        person_id: newId(),
        name_masked: '李*',
        category: n % 4 ? 'close' : 'secondary',
        exposure_date: addDays(day0, Math.floor(rand() * 90)),
        exposure_place: null,
        relation: null,
        before_lookback: 0,
        routing: 'local',
        person_path: pathOf(c),
        handover_task_id: null,
        assist_request_id: null,
        control_status: 'quarantined_central',
        quarantined_at: now,
        status: 'open',
        preset_id: preset.id,
        preset_version: preset.label,
        jurisdiction_path: pathOf(c),
        created_by: null,
        created_by_name: 'bench',
        identified_at: now,
        updated_at: now,
      };
    });
    await db.insertInto('case_contacts').values(chunk).execute();
    if ((i / 1000) % 500 === 499) console.error(`  … ${(i + 1000).toLocaleString('en-US')} contacts`);
  }
  if (dialect === 'postgres') await sql`analyze`.execute(db);

  const district: Actor = { ...systemActor('bench-district'), kind: 'user', scopePath: '/420500/420502/' };
  const runs = 300;
  const timed = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) await fn(); // warm-up
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return times;
  };
  const note = (xs: number[], target: string) => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms (${target})`;

  let ceiling: number[] = [];
  rows.push(
    await measure(
      g,
      'unscoped first page off the index (ceiling)',
      runs,
      async () => {
        ceiling = await timed(() => db.selectFrom('cases').selectAll().orderBy('report_date', 'desc').orderBy('id', 'desc').limit(50).execute());
      },
      { unit: 'pages', note: '' },
    ),
  );
  rows.at(-1)!.note = note(ceiling, 'ceiling');

  let cases: number[] = [];
  rows.push(
    await measure(
      g,
      `district cases, first page (kind filter), ${nCases.toLocaleString('en-US')} cases`,
      runs,
      async () => {
        cases = await timed(async () => {
          const r = await deps.services.cases.cases.list(district, { kind: 'confirmed', limit: 50 });
          if (r.items.length !== 50) throw new Error('short page');
        });
      },
      { unit: 'pages', ceiling: `${g}/unscoped first page off the index (ceiling)` },
    ),
  );
  rows.at(-1)!.note = note(cases, 'target p99 < 100 ms');

  let contacts: number[] = [];
  rows.push(
    await measure(
      g,
      `district contacts, first page (category filter), ${nContacts.toLocaleString('en-US')} contacts`,
      runs,
      async () => {
        contacts = await timed(async () => {
          const r = await deps.services.cases.tracing.listContacts(district, { category: 'close', limit: 50 });
          if (r.items.length !== 50) throw new Error('short page');
        });
      },
      { unit: 'pages', ceiling: `${g}/unscoped first page off the index (ceiling)` },
    ),
  );
  rows.at(-1)!.note = note(contacts, 'target p99 < 100 ms');

  // A community user: a narrow prefix (about 1 row in 1,600), where walking the date index would scan far.
  const community: Actor = { ...district, scopePath: pathOf(0) };
  let narrow: number[] = [];
  rows.push(
    await measure(
      g,
      'community contacts, first page (category filter)',
      runs,
      async () => {
        narrow = await timed(() => deps.services.cases.tracing.listContacts(community, { category: 'close', limit: 50 }));
      },
      { unit: 'pages', ceiling: `${g}/unscoped first page off the index (ceiling)` },
    ),
  );
  rows.at(-1)!.note = note(narrow, 'target p99 < 100 ms');

  let deep: number[] = [];
  rows.push(
    await measure(
      g,
      'district cases, 20th page by keyset',
      runs,
      async () => {
        let cursor: string | undefined;
        for (let i = 0; i < 19; i++) cursor = (await deps.services.cases.cases.list(district, { limit: 50, cursor })).nextCursor ?? undefined;
        deep = await timed(() => deps.services.cases.cases.list(district, { limit: 50, cursor }));
      },
      { unit: 'pages', ceiling: `${g}/unscoped first page off the index (ceiling)` },
    ),
  );
  rows.at(-1)!.note = note(deep, 'keyset: no OFFSET scan');

  if (dialect === 'postgres' && deps.config.pgSchema) await sql`drop schema ${sql.id(deps.config.pgSchema)} cascade`.execute(db);
  await deps.handle.close();
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = { cases: Number(process.argv[2] ?? CASE_LIST_TIERS.default.cases), contacts: Number(process.argv[3] ?? CASE_LIST_TIERS.default.contacts) };
  const only = process.env.BULWARK_BENCH_ONLY as 'sqlite' | 'postgres' | undefined;
  const out: BenchRow[] = [];
  for (const d of ['sqlite', ...(process.env.BULWARK_BENCH_PG ? ['postgres' as const] : [])] as const)
    if (!only || only === d) out.push(...(await caseListCases(d, sizes)));
  console.log(`\nBulwark bench (case lists) — node ${process.version}, ${new Date().toISOString()}\n`);
  printTable(out);
  process.exit(0);
}
