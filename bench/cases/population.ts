/**
 * Population benchmarks, each compared with a ceiling measured in the same run on the same database:
 * - the raw prepared-insert rate of finished person rows (the bulk path with no application work);
 * - city generation (planning, validation, encryption, HMACs, households, counters, journal) in persons/s;
 * - CSV import of N residents (both passes: parsing, GB 11643, address resolution, encryption, HMAC,
 *   upsert check, writes, journal) in rows/s;
 * - person lookup by ID through the HMAC (p50/p99 in the note), against a raw select by HMAC.
 *
 * Sizes come from the tier (bench/tiers.ts): the default tier generates a 1,000,000-person city and
 * imports 1,000,000 residents into it; `yichang` generates 4M, `shanghai` 25.67M; `small` 50k / 20k.
 * The ceiling's rows are built in memory (about 1.5 KB each), so it inserts at most 1M of them: a
 * rate, measured on the same table the city was just written to.
 */
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { generateCity } from '../../src/server/demo/city.js';
import { rawInsertSeconds } from '../../src/server/modules/population/bulk.repository.js';
import { hmac, deriveKeys } from '../../src/server/modules/population/protect.js';
import { makeResidentId } from '../../src/server/modules/population/resident-id.js';
import { systemActor } from '../../src/server/platform/actor.js';
import type { BenchRow } from '../lib.js';
import { measure } from '../lib.js';
import { benchDeps, closeBenchDeps } from './platform.js';

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Population bench sizes: the generated city, the CSV import, and lookups by ID. */
export interface PopulationBenchSizes {
  /** Persons `generateCity` writes (the ceiling inserts min(this, 1M) raw rows). */
  cityResidents: number;
  /** Rows of the resident CSV imported into that city. */
  importRows: number;
  /** Lookups by ID through the HMAC (and as many raw selects for the ceiling). */
  lookups: number;
}

/** Progress on stderr every few seconds, so a long tier shows it is alive (and how fast it goes). */
function progressLogger(what: string) {
  let t0 = 0;
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    t0 ||= now;
    if (now - last < 15_000 && done < total) return;
    last = now;
    const s = (now - t0) / 1000;
    console.error(
      `  … ${what}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} in ${s.toFixed(0)} s (${Math.round(done / Math.max(s, 0.001)).toLocaleString('en-US')}/s), RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
    );
  };
}

/** Echoes a measured row on stderr at once, so a long tier cut short still leaves its numbers. */
function echo(r: BenchRow): void {
  console.error(
    `  = ${r.group} / ${r.name}: ${r.ops.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s (${Math.round(r.ops / r.seconds).toLocaleString('en-US')} ${r.unit}/s)${r.note ? `; ${r.note}` : ''}`,
  );
}

export async function populationCases(dialect: 'sqlite' | 'postgres', sizes: PopulationBenchSizes): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const g = `population ${dialect}`;
  const deps = await benchDeps(dialect);
  const actor = systemActor('bench');
  const { cityResidents: cityN, importRows: importN, lookups } = sizes;
  const ceiling = `${g}/raw prepared insert of person rows (ceiling)`;

  const genProgress = progressLogger(`city generation (${dialect})`);
  rows.push(
    await measure(
      g,
      'city generation',
      cityN,
      async () => void (await generateCity(deps, { residents: cityN, seed: 'bench', onProgress: (p) => genProgress(p.done, p.total) })),
      { unit: 'persons', ceiling },
    ),
  );
  echo(rows.at(-1)!);

  // The ceiling: the same bulk path fed with finished rows (copies of a generated person), rolled back.
  const template = await deps.db.selectFrom('persons').selectAll().where('resident', '=', 1).limit(1).executeTakeFirstOrThrow();
  const rawN = Math.min(cityN, 1_000_000);
  const rawSeconds = await rawInsertSeconds(deps.db, deps.handle, template, rawN);
  rows.unshift({ group: g, name: 'raw prepared insert of person rows (ceiling)', ops: rawN, seconds: rawSeconds, unit: 'rows' });
  echo(rows[0]);

  // A resident list living in the generated city: district, street, community and compound names
  // make every address unambiguous; documents from a region the generator never uses (429004).
  const entrances = await sql<{ path: string }>`select path from jurisdictions where level = 'entrance' order by code limit 2000`.execute(deps.db);
  const nodes = new Map(
    (
      await deps.db
        .selectFrom('jurisdictions')
        .select(['path', 'name'])
        .where('level', 'in', ['district', 'street', 'community', 'compound', 'building', 'entrance'])
        .execute()
    ).map((n) => [n.path, n.name]),
  );
  const addressOf = (p: string) => {
    const parts = p.split('/').filter(Boolean);
    const names: string[] = [];
    let acc = '/';
    for (const c of parts) names.push(nodes.get((acc += `${c}/`)) ?? '');
    return names.slice(1); // district … entrance
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-import-'));
  const file = path.join(dir, 'residents.csv');
  const ids: string[] = [];
  writeFileSync(file, '姓名,身份证号,手机号,区,街道,社区,小区,楼栋,单元,房号\r\n');
  for (let i = 0; i < importN; i += 5000) {
    const lines: string[] = [];
    for (let k = i; k < Math.min(importN, i + 5000); k++) {
      // Distinct documents for up to 10M rows: 20,160 birth dates (60 years × 12 months × 28 days)
      // × 500 sequence numbers, the sex in the sequence number's parity.
      const d = k % 20_160;
      const birth = `19${String(40 + (d % 60)).padStart(2, '0')}-${String(1 + (Math.floor(d / 60) % 12)).padStart(2, '0')}-${String(1 + Math.floor(d / 720)).padStart(2, '0')}`;
      const male = k % 2 === 1;
      const id = makeResidentId('429004', birth, 2 * (Math.floor(k / 20_160) % 500) + (male ? 1 : 0), male ? 'male' : 'female');
      ids.push(id);
      const [district, street, community, compound, building, entrance] = addressOf(entrances.rows[k % entrances.rows.length].path);
      lines.push(
        [`导入${k}`, id, `139${String(k).padStart(8, '0')}`, district, street, community, compound, building, entrance, String(100 + (k % 3000))]
          .map(csvField)
          .join(','),
      );
    }
    appendFileSync(file, lines.join('\r\n') + '\r\n');
  }
  let report: Awaited<ReturnType<typeof deps.services.population.imports.run>> | undefined;
  rows.push(
    await measure(
      g,
      'CSV import (validate + encrypt + HMAC + write)',
      importN,
      async () => {
        const validated = progressLogger(`CSV import, pass 1 of 2: validate (${dialect})`);
        const written = progressLogger(`CSV import, pass 2 of 2: write (${dialect})`);
        report = await deps.services.population.imports.run(actor, file, {
          mode: 'partial',
          onProgress: (pass, n) => (pass === 'validate' ? validated : written)(n, importN),
        });
      },
      { unit: 'rows', ceiling },
    ),
  );
  rmSync(dir, { recursive: true, force: true });
  if (report && report.created + report.unchanged + report.updated !== importN)
    rows.at(-1)!.note = `only ${report.created} of ${importN} imported: ${report.errors[0]?.reason ?? ''}`;
  echo(rows.at(-1)!);

  // Lookup by ID through the HMAC: the service (normalise, HMAC for each document type, select,
  // scope, DTO) against a raw select by a precomputed HMAC.
  const keys = deriveKeys(deps.config.dataKey);
  const hmacs = ids.slice(0, 2000).map((id) => hmac(keys, 'id:resident_id', id));
  rows.push(
    await measure(
      g,
      'raw select by id_hmac (ceiling)',
      lookups,
      async () => {
        for (let i = 0; i < lookups; i++)
          await deps.db
            .selectFrom('persons')
            .select(['id', 'jurisdiction_path'])
            .where('id_hmac', '=', hmacs[i % hmacs.length])
            .executeTakeFirst();
      },
      { unit: 'lookups' },
    ),
  );
  const times: number[] = [];
  let missing = 0;
  rows.push(
    await measure(
      g,
      'person lookup by ID via HMAC',
      lookups,
      async () => {
        for (let i = 0; i < lookups; i++) {
          const t0 = process.hrtime.bigint();
          const p = await deps.services.population.findByIdNumber(actor, ids[(i * 7919) % ids.length]);
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (!p) missing++;
        }
      },
      { unit: 'lookups', ceiling: `${g}/raw select by id_hmac (ceiling)` },
    ),
  );
  times.sort((a, b) => a - b);
  const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(2);
  rows.at(-1)!.note =
    `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms over ${(cityN + importN).toLocaleString('en-US')} persons${missing ? `; ${missing} not found!` : ''}`;
  echo(rows.at(-1)!);

  await closeBenchDeps(deps);
  return rows;
}
