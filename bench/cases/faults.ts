import { checkIngest, ingestFixture, runIngestRounds } from '../../test/crash/harness.js';
import type { BenchRow } from '../lib.js';

/** Kill rounds of the crash row: bounded (about 3 s each), the same on every tier. */
const ROUNDS = 3;

/**
 * The crash harness as a bench row (issue 14, faults): `ROUNDS` rounds of a real `bulwark serve`
 * ingesting scan batches from 4 clients and killed with SIGKILL at a random moment, then the database
 * checked against what the server acknowledged (test/crash/harness.ts, also run by
 * `npx vitest run test/crash`). The rate is acknowledged batches per second of the whole run; the
 * note carries the verdict: lost acknowledged batches and half-applied batches must both be 0, and
 * the coverage counter must equal a recount.
 */
export async function faultCases(dialect: 'sqlite' | 'postgres'): Promise<BenchRow[]> {
  const f = await ingestFixture(dialect, process.env.BULWARK_BENCH_PG);
  try {
    const run = await runIngestRounds(f, { rounds: ROUNDS, clients: 4, scansPerBatch: 9 });
    const c = await checkIngest(f, run.sent);
    const sound = c.lostAcked === 0 && c.halfApplied === 0 && c.coverageSampled === c.recount && c.countedScans === c.recount && c.tubesOff === 0;
    const note =
      `${sound ? 'OK' : 'FAILED'}: lost acknowledged ${c.lostAcked} of ${c.acked} · half-applied ${c.halfApplied} of ${c.batches} sent · ` +
      `coverage ${c.coverageSampled} vs recount ${c.recount}${c.tubesOff ? ` · ${c.tubesOff} tube counts off` : ''}`;
    if (!sound) process.exitCode = 1;
    return [
      { group: 'faults', name: `crash: kill -9 ×${ROUNDS} during scan ingest (${dialect})`, ops: c.acked, seconds: run.seconds, unit: 'acked batches', note },
    ];
  } finally {
    await f.db.drop();
  }
}
