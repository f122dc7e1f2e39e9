/**
 * `npm run bench`: measures Bulwark's hot paths and, in the same run, the ceilings they are compared
 * with (raw database insert/lookup rate, a bare Fastify route). Machines are noisy: read the ratios.
 * BULWARK_BENCH_PG=postgres://… also runs the database cases on PostgreSQL.
 * BULWARK_BENCH_SCALE multiplies the sizes (default 1).
 */
import { printTable, type BenchRow } from './lib.js';
import { platformCases } from './cases/platform.js';
import { populationCases } from './cases/population.js';
import { companionCases } from './cases/companions.js';
import { testingCases } from './cases/testing.js';
import { caseListCases } from './cases/cases.js';

const scale = Number(process.env.BULWARK_BENCH_SCALE ?? '1');
const rows: BenchRow[] = [];
const dialects: ('sqlite' | 'postgres')[] = ['sqlite', ...(process.env.BULWARK_BENCH_PG ? (['postgres'] as const) : [])];

for (const dialect of dialects) {
  console.error(`… platform cases on ${dialect}`);
  rows.push(...(await platformCases(dialect, scale)));
  rows.push(...(await populationCases(dialect, scale)));
  rows.push(...(await companionCases(dialect, scale)));
  rows.push(...(await testingCases(dialect, scale)));
  rows.push(...(await caseListCases(dialect, scale)));
}
console.log(`\nBulwark bench — node ${process.version}, scale ${scale}, ${new Date().toISOString()}\n`);
printTable(rows);
process.exit(0);
