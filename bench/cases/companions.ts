/**
 * Spatiotemporal companion detection (时空伴随): N pings of P people over 14 days in a 30 × 30 grid of
 * 800 m cells, then detection for M case persons through the service (indexed (cell, bucket) lookups,
 * never a cross-join), compared in the same run with a straightforward SQL self-join on a sample of
 * the cases, run under a time cap (BULWARK_BENCH_JOIN_CAP_S, default 30 s).
 *
 * Sizes scale with BULWARK_BENCH_SCALE: at 1, 200,000 pings and 20 cases (the default small tier, a
 * minute or so); at 25, the issue's 5M pings for 100 cases (cases are capped at 100).
 */
import { sql } from 'kysely';
import { newId } from '../../src/server/platform/ids.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { BUCKET_MS, bucketOf } from '../../src/server/modules/companions/companions.grid.js';
import { insertPings } from '../../src/server/modules/companions/companions.repository.js';
import type { CompanionPingsTable } from '../../src/server/modules/companions/companions.table.js';
import { makePersons } from '../../src/server/modules/control/control.test-helpers.js';
import { buildJurisdiction } from '../../test/helpers/factories.js';
import type { TestEnv } from '../../test/helpers/db.js';
import type { BenchRow } from '../lib.js';
import { measure } from '../lib.js';
import { benchDeps } from './platform.js';

/** A small deterministic PRNG so runs are comparable. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export async function companionCases(dialect: 'sqlite' | 'postgres', scale: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const g = `companions ${dialect}`;
  const deps = await benchDeps(dialect);
  const actor = systemActor('bench');
  const pingsN = Math.round(200_000 * scale);
  const casesM = Math.min(100, Math.max(5, Math.round(20 * scale)));
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
  rows.push(
    await measure(g, 'ping insert (generation)', pingsN, async () => {
      const batch: CompanionPingsTable[] = [];
      for (let p = 0; p < people; p++) {
        const subject = p < casesM ? `p:${casePersons[p]}` : `h:${p.toString(16).padStart(16, '0')}`;
        const personId = p < casesM ? casePersons[p]! : null;
        const homeR = Math.floor(rand() * 30);
        const homeC = Math.floor(rand() * 30);
        for (let i = 0; i < perPerson; i += 10) {
          const cell = `g800:${homeR + Math.floor(rand() * 3)}:${homeC + Math.floor(rand() * 3)}`;
          const start = b0 + Math.floor(rand() * (14 * 144 - 10));
          for (let k = 0; k < 10; k++) batch.push({ id: newId(), subject_key: subject, person_id: personId, cell, bucket: start + k, at: (start + k) * BUCKET_MS, import_id: 'bench' });
        }
        if (batch.length >= 20_000) await deps.db.transaction().execute((t) => insertPings(t, batch.splice(0)));
      }
      if (batch.length) await deps.db.transaction().execute((t) => insertPings(t, batch.splice(0)));
    }, { unit: 'pings' }),
  );

  let candidates = 0;
  rows.push(
    await measure(g, `detection for ${casesM} cases (indexed cell × bucket)`, casesM, async () => {
      for (const personId of casePersons) candidates += (await deps.services.companions.detect(undefined, actor, { personId, to: now, minTotalMinutes: 20 })).candidateCount;
    }, { unit: 'cases', note: `${pingsN.toLocaleString()} pings, ${candidates} candidates` }),
  );
  rows[rows.length - 1]!.note = `${pingsN.toLocaleString()} pings, ${candidates} candidates`;

  // The straightforward join: the case's pings against every ping within ±10 minutes in the same
  // cell, on as many cases as fit in the cap.
  let done = 0;
  const t0 = Date.now();
  const joinRow = await measure(g, 'straightforward SQL join (sample, capped)', 1, async () => {
    for (const personId of casePersons) {
      if ((Date.now() - t0) / 1000 > capS) break;
      await sql`select b.subject_key, count(*) as n from companion_pings a join companion_pings b on b.cell = a.cell and b.at between a.at - ${BUCKET_MS} and a.at + ${BUCKET_MS} and b.subject_key <> a.subject_key where a.subject_key = ${`p:${personId}`} group by b.subject_key`.execute(deps.db);
      done++;
    }
  }, { unit: 'cases' });
  joinRow.ops = Math.max(done, 1);
  joinRow.note = `${done} of ${casesM} cases within ${capS} s`;
  rows.push(joinRow);
  rows[rows.length - 2]!.ceiling = `${g}/straightforward SQL join (sample, capped)`;

  await deps.handle.close();
  return rows;
}
