/**
 * `npm run bench`: measures Bulwark's hot paths and, in the same run, the ceilings they are compared
 * with (raw database insert/lookup rate, a bare Fastify route). Machines are noisy: read the ratios.
 *
 *   npm run bench                          the default tier: a 1M-resident city (tens of minutes)
 *   npm run bench -- --scale small         a quick developer run (the old scale 1: a few minutes)
 *   npm run bench -- --scale yichang       opt-in: 4M residents, 300k cases / 3M contacts, 50M pings
 *   npm run bench -- --scale shanghai      opt-in: 25.67M residents (hours)
 *   npm run bench -- --only population,cases   some groups only (platform, population, companions, testing, cases, zoning, faults, web)
 *
 * BULWARK_BENCH_PG=postgres://… also runs every group on PostgreSQL (a fresh schema each, dropped after).
 * Sizes per tier are in bench/tiers.ts.
 */
import { parseArgs } from 'node:util';
import { printTable, type BenchRow } from './lib.js';
import { groupsNamed, tierNamed, type Group, type Tier } from './tiers.js';
import { platformCases } from './cases/platform.js';
import { populationCases } from './cases/population.js';
import { companionCases } from './cases/companions.js';
import { testingCases } from './cases/testing.js';
import { caseListCases } from './cases/cases.js';
import { zoningCases } from './cases/zoning.js';
import { faultCases } from './cases/faults.js';
import { webCases } from './cases/web.js';

type Dialect = 'sqlite' | 'postgres';

/** Each group's cases, given the tier. */
const RUNNERS: Record<Group, (dialect: Dialect, tier: Tier) => Promise<BenchRow[]>> = {
  platform: (d, t) => platformCases(d, t.platform),
  population: (d, t) => populationCases(d, t.population),
  companions: (d, t) => companionCases(d, t.companions),
  testing: (d, t) => testingCases(d, t.testing),
  cases: (d, t) => caseListCases(d, t.cases),
  zoning: (d, t) => zoningCases(d, t.name),
  // The crash harness: a bounded kill -9 round, the same on every tier (its verdict is in the note).
  faults: (d) => faultCases(d),
  // Issue 16: the sampler page under a throttled slow-3G profile in Chromium (needs the built web app).
  web: (d) => webCases(d),
};

const { values } = parseArgs({ options: { scale: { type: 'string' }, only: { type: 'string' } } });
if (process.env.BULWARK_BENCH_SCALE) {
  console.error('BULWARK_BENCH_SCALE is no longer read: use `npm run bench -- --scale small|default|yichang|shanghai`.');
  process.exit(2);
}
let tier: Tier;
let groups: Group[];
try {
  tier = tierNamed(values.scale);
  groups = groupsNamed(values.only);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

const rows: BenchRow[] = [];
const dialects: Dialect[] = ['sqlite', ...(process.env.BULWARK_BENCH_PG ? (['postgres'] as const) : [])];
const started = Date.now();
for (const dialect of dialects) {
  for (const group of groups) {
    const t0 = Date.now();
    console.error(`… ${group} cases on ${dialect} (tier ${tier.name})`);
    rows.push(...(await RUNNERS[group](dialect, tier)));
    console.error(`  ${group} on ${dialect} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(`\nBulwark bench — tier ${tier.name}: ${tier.description}; node ${process.version}; ${new Date().toISOString()}; ${minutes} min\n`);
printTable(rows);
process.exit(process.exitCode ?? 0);
