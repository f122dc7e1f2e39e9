/**
 * Zoning benchmarks (issue 7), each with its ceiling measured in the same run:
 * - proposal generation: from every active case's residence, one proposed area per building
 *   (November 2022 preset) — 500 cases in a 1M-resident city (default tier), 2,000 in 4M (yichang);
 * - the 一刀切 detector over every open area (population, evidence footprint, ratio, persons under
 *   measure, countdown), against a bare scan of the same area rows (the ceiling);
 * - publication of the largest compound (its residents sealed, an area measure, through the
 *   control service, batched), in persons/s;
 * - public-list requests/s (GET /api/public/zoning, served from the per-version cache once the first
 *   request after a publication has built it; that build is its own row) against a bare Fastify
 *   route in the same run.
 * Cases and close contacts are bulk-inserted at the residences of random persons (the proposal and
 * detector are what is measured, not the confirmation flow). The city comes from the demo generator.
 * Run alone: `node --import tsx bench/cases/zoning.ts [small|default|yichang|shanghai]` (BULWARK_BENCH_PG=… adds PostgreSQL).
 */
import Fastify from 'fastify';
import { sql, type Insertable } from 'kysely';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../../src/server/app.js';
import { inTx } from '../../src/server/db/dialect.js';
import type { Database } from '../../src/server/db/schema.js';
import { generateCity } from '../../src/server/demo/city.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { newId } from '../../src/server/platform/ids.js';
import { httpLoad, measure, printTable, type BenchRow } from '../lib.js';
import { benchDeps } from './platform.js';

/** Zoning bench sizes: the city, the active cases in it, and how long each HTTP load runs. */
export interface ZoningBenchSizes {
  residents: number;
  cases: number;
  /** Close contacts per case (neighbours in the same building). */
  contactsPerCase: number;
  httpMs: number;
}

/** The tiers: 1M residents / 500 cases by default, 4M / 2,000 opt-in. `small` is a quick check. */
export const ZONING_TIERS = {
  small: { residents: 50_000, cases: 50, contactsPerCase: 5, httpMs: 3_000 },
  default: { residents: 1_000_000, cases: 500, contactsPerCase: 5, httpMs: 5_000 },
  yichang: { residents: 4_000_000, cases: 2_000, contactsPerCase: 5, httpMs: 5_000 },
  shanghai: { residents: 4_000_000, cases: 2_000, contactsPerCase: 5, httpMs: 5_000 },
} satisfies Record<string, ZoningBenchSizes>;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function zoningCases(dialect: 'sqlite' | 'postgres', tierName: keyof typeof ZONING_TIERS | ZoningBenchSizes = 'default'): Promise<BenchRow[]> {
  const sizes = typeof tierName === 'string' ? ZONING_TIERS[tierName] : tierName;
  const rows: BenchRow[] = [];
  const g = `zoning ${dialect}`;
  const deps = await benchDeps(dialect);
  const { db } = deps;
  const sys = systemActor('bench');
  const zoning = deps.services.zoning;

  console.error(`  … generating a ${sizes.residents.toLocaleString('en-US')}-resident city`);
  await generateCity(deps, { residents: sizes.residents, seed: 'bench-zoning' });
  const nov = (await deps.services.cases.presets.list()).find((p) => p.key === 'optimisation-2022-11')!;
  await deps.services.cases.presets.activate(undefined, sys, nov.id, 'bench');
  const preset = await deps.services.cases.presets.active();

  // Cases at the residences of random persons living in buildings; close contacts among their neighbours.
  const rand = rng(7);
  const buildings = (
    await db.selectFrom('jurisdictions').select('id').where('level', '=', 'building').where('population', '>', 0).orderBy('code').execute()
  ).map((b) => b.id);
  const picked: { id: string; path: string; building_id: string | null }[] = [];
  const usedBuildings = new Set<string>();
  while (picked.length < Math.min(sizes.cases, buildings.length)) {
    const b = buildings[Math.floor(rand() * buildings.length)];
    if (usedBuildings.has(b)) continue;
    usedBuildings.add(b);
    const p = await db
      .selectFrom('persons')
      .select(['id', 'jurisdiction_path', 'building_id'])
      .where('building_id', '=', b)
      .where('resident', '=', 1)
      .limit(1)
      .executeTakeFirst();
    if (p) picked.push({ id: p.id, path: p.jurisdiction_path, building_id: p.building_id });
  }
  const now = deps.clock.now();
  const caseRows = picked.map((p): Insertable<Database['cases']> => ({
    id: newId(),
    person_id: p.id,
    name_masked: '张*',
    kind: 'confirmed',
    jurisdiction_path: p.path,
    onset_date: null,
    report_date: '2026-11-28',
    confirmed_at: now - Math.floor(rand() * 3 * 86_400_000),
    clinical_status: 'treatment',
    detection_channel: 'community',
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
  }));
  for (let i = 0; i < caseRows.length; i += 500)
    await db
      .insertInto('cases')
      .values(caseRows.slice(i, i + 500))
      .execute();
  const contactRows: Insertable<Database['case_contacts']>[] = [];
  for (const [i, c] of caseRows.entries()) {
    const neighbours = await db
      .selectFrom('persons')
      .select(['id', 'jurisdiction_path'])
      .where('building_id', '=', picked[i].building_id)
      .limit(sizes.contactsPerCase + 1)
      .execute();
    for (const n of neighbours.filter((x) => x.id !== c.person_id).slice(0, sizes.contactsPerCase)) {
      contactRows.push({
        id: newId(),
        case_id: c.id,
        cluster_id: null,
        person_id: n.id,
        name_masked: '李*',
        category: 'close',
        exposure_date: '2026-11-27',
        exposure_place: null,
        relation: null,
        before_lookback: 0,
        routing: 'local',
        person_path: n.jurisdiction_path,
        handover_task_id: null,
        assist_request_id: null,
        control_status: null,
        quarantined_at: null,
        status: 'open',
        preset_id: preset.id,
        preset_version: preset.label,
        jurisdiction_path: c.jurisdiction_path,
        created_by: null,
        created_by_name: 'bench',
        identified_at: now,
        updated_at: now,
      });
    }
  }
  for (let i = 0; i < contactRows.length; i += 500)
    await db
      .insertInto('case_contacts')
      .values(contactRows.slice(i, i + 500))
      .execute();
  if (dialect === 'postgres') await sql`analyze`.execute(db);

  // Proposals: one pass over every case's residence.
  let proposed = 0;
  rows.push(
    await measure(
      g,
      `proposals from ${sizes.cases.toLocaleString('en-US')} cases (${sizes.residents.toLocaleString('en-US')} residents)`,
      sizes.cases,
      async () => {
        proposed = (await zoning.generateProposals(undefined, sys)).created.length;
      },
      { unit: 'cases' },
    ),
  );
  rows.at(-1)!.note = `${proposed} building areas proposed`;

  // Ceiling for the detector: reading the same area rows and their nodes, nothing computed.
  rows.push(
    await measure(
      g,
      'read the open areas and their nodes (ceiling)',
      proposed,
      async () => {
        const areas = await db.selectFrom('zoning_areas').selectAll().where('status', 'in', ['proposed', 'published']).execute();
        await db.selectFrom('zoning_area_nodes').selectAll().execute();
        if (areas.length !== proposed) throw new Error('areas missing');
      },
      { unit: 'areas' },
    ),
  );
  let flagged = 0;
  rows.push(
    await measure(
      g,
      `一刀切 detector over ${proposed} areas`,
      proposed,
      async () => {
        flagged = (await zoning.detector(sys)).areas.filter((a) => a.flagged).length;
      },
      { unit: 'areas', ceiling: `${g}/read the open areas and their nodes (ceiling)` },
    ),
  );
  rows.at(-1)!.note = `${flagged} flagged (ratio threshold ${await zoning.ratioThreshold()})`;

  // Publication of the largest compound (widened on purpose: a flagged area, kept with a justification).
  const big = await db
    .selectFrom('jurisdictions')
    .select(['id', 'population'])
    .where('level', '=', 'compound')
    .orderBy('population', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const anyCase = caseRows[0].id;
  const area = await zoning.create(undefined, sys, { level: 'high', jurisdictionIds: [big.id], basis: { caseIds: [anyCase] } });
  let applied = 0;
  rows.push(
    await measure(
      g,
      `publish a ${Number(big.population).toLocaleString('en-US')}-resident compound`,
      Number(big.population),
      async () => {
        await inTx(db, (trx) => zoning.publish(trx, sys, area.id, { justification: 'bench' }));
        applied = (await zoning.get(sys, area.id)).personsUnderMeasure;
      },
      { unit: 'persons' },
    ),
  );
  rows.at(-1)!.note = `${applied} sealed (an area measure, basis risk_area), one control batch`;

  // Every proposal published (each building's residents sealed): the public list then holds them all.
  const open = (await zoning.list(sys, { status: 'proposed', limit: 500 })).items;
  let persons = 0;
  rows.push(
    await measure(
      g,
      `publish ${open.length} building areas one by one`,
      open.length,
      async () => {
        for (const a of open) persons += (await inTx(db, (trx) => zoning.publish(trx, sys, a.id, { justification: 'bench' }))).personsUnderMeasure;
      },
      { unit: 'areas' },
    ),
  );
  rows.at(-1)!.note = `${persons.toLocaleString('en-US')} persons sealed`;

  // Public list vs a bare route.
  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareRes = await httpLoad(`http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`, { durationMs: sizes.httpMs, concurrency: 32 });
  rows.push({ group: g, name: 'bare Fastify route (ceiling)', ops: bareRes.ok, seconds: bareRes.seconds, unit: 'req' });
  await bare.close();
  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  let bytes = 0;
  // The first request after a publication builds the list (every published area's schedule); then it is cached per version.
  rows.push(
    await measure(
      g,
      'public list, first request after a publish (build)',
      1,
      async () => {
        const r = await fetch(`${base}/api/public/zoning`);
        if (r.status !== 200) throw new Error(`public list ${r.status}`);
        bytes = (await r.arrayBuffer()).byteLength;
      },
      { unit: 'builds' },
    ),
  );
  rows.at(-1)!.note = `${open.length + 1} areas in the list, ${Math.round(bytes / 1024)} KB of JSON`;
  const pub = await httpLoad(`${base}/api/public/zoning`, { durationMs: sizes.httpMs, concurrency: 32 });
  rows.push({
    group: g,
    name: 'GET /api/public/zoning (cached per version, warm)',
    ops: pub.ok,
    seconds: pub.seconds,
    unit: 'req',
    ceiling: `${g}/bare Fastify route (ceiling)`,
    note: Object.keys(pub.other).length ? `other statuses: ${JSON.stringify(pub.other)}` : 'all 200',
  });
  await app.close();

  if (dialect === 'postgres' && deps.config.pgSchema) await sql`drop schema ${sql.id(deps.config.pgSchema)} cascade`.execute(db);
  await deps.handle.close();
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tier = (process.argv[2] ?? 'small') as keyof typeof ZONING_TIERS;
  const out: BenchRow[] = [];
  const dialects: ('sqlite' | 'postgres')[] = ['sqlite', ...(process.env.BULWARK_BENCH_PG ? (['postgres'] as const) : [])];
  for (const d of dialects) out.push(...(await zoningCases(d, tier)));
  printTable(out);
  process.exit(0);
}
