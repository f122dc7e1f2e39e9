import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { COMPOUND_MAX, COMPOUND_MIN, DEMO_REFERENCE_DAY, DISTRICTS, planDemoCity } from '../../server/demo/city.js';
import { validateResidentId } from '../../server/modules/population/resident-id.js';
import { csvText, encodeGbk } from '../../server/modules/population/population.test-helpers.js';
import { CliError } from '../exit.js';
import { runCityGenerate } from './city.js';
import { runExportResidents } from './export.js';
import { runImportResidents } from './import.js';

describe('city plan at scale', () => {
  it('draws compounds of 200–5,000 people, a plausible age pyramid and valid IDs with real division codes', () => {
    const plan = planDemoCity({ residents: 150_000, seed: 'pyramid' });
    const compoundOf = new Map<string, string>();
    const parent = new Map<string, string>();
    const size = new Map<string, number>();
    const decades = new Array(11).fill(0);
    const districtCodes = new Set(DISTRICTS.map((d) => d.code));
    let total = 0;
    for (const piece of plan.pieces()) {
      for (const n of piece.nodes) {
        if (n.parentId) parent.set(n.id, n.parentId);
        if (n.level === 'compound') size.set(n.id, 0);
      }
      for (const p of piece.persons) {
        total++;
        const v = validateResidentId(p.idNumber, DEMO_REFERENCE_DAY, { birthDate: p.birthDate, sex: p.sex });
        expect(v.ok).toBe(true);
        // A resident's ID carries the district's GB/T 2260 code; 宜昌高新区's residents carry 夷陵区's (420571 is local).
        if (p.resident) expect(v.ok && v.region).toBe(piece.district.idRegion);
        else expect(districtCodes.has(p.idNumber.slice(0, 6))).toBe(false);
        expect(p.idNumber.startsWith('420571')).toBe(false);
        decades[Math.min(10, Math.floor((Number(DEMO_REFERENCE_DAY.slice(0, 4)) - Number(p.birthDate.slice(0, 4))) / 10))]++;
        let id = p.address?.jurisdictionId ?? p.jurisdictionId!;
        while (!size.has(id)) id = compoundOf.get(id) ?? parent.get(id)!;
        size.set(id, size.get(id)! + 1);
      }
    }
    expect(total).toBe(150_000);
    const sizes = [...size.values()];
    expect(sizes.length).toBeGreaterThan(150);
    expect(sizes.filter((n) => n < COMPOUND_MIN || n > COMPOUND_MAX)).toEqual([]);
    const share = (from: number, to: number) => decades.slice(from, to).reduce((s, n) => s + n, 0) / total;
    // China's 2020 census: 0–9 about 11%, 60 and over 18.7%; the working ages are the bulk.
    expect(share(0, 1)).toBeGreaterThan(0.05);
    expect(share(0, 1)).toBeLessThan(0.15);
    expect(share(6, 11)).toBeGreaterThan(0.12);
    expect(share(6, 11)).toBeLessThan(0.26);
    expect(share(2, 6)).toBeGreaterThan(0.5);
    expect(share(10, 11)).toBeLessThan(0.01);
  });
});

describe.each(DIALECTS)('bulwark city generate, import residents, export residents [%s]', (dialect) => {
  let a: TestEnv;
  let dir: string;

  beforeAll(async () => {
    a = await testEnv(dialect);
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-cli-'));
  });
  afterAll(async () => {
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates the same city for the same seed, with counters equal to a recount, and refuses a non-empty database', async () => {
    const lines = await runCityGenerate(a.deps, { population: 4000, seed: 'cli' });
    expect(lines[0]).toMatch(/4,000 persons in [\d,]+ households/);
    const b = await testEnv(dialect);
    try {
      await runCityGenerate(b.deps, { population: 4000, seed: 'cli' });
      const people = async (e: TestEnv) =>
        await e.deps.db.selectFrom('persons').select(['name', 'id_hmac', 'birth_year', 'jurisdiction_path', 'room']).orderBy('id_hmac').execute();
      const nodes = async (e: TestEnv) =>
        await e.deps.db.selectFrom('jurisdictions').select(['code', 'name', 'geometry', 'population']).orderBy('code').execute();
      expect(await people(b)).toEqual(await people(a));
      expect(await nodes(b)).toEqual(await nodes(a));
    } finally {
      await b.close();
    }
    expect(await a.deps.services.population.count()).toBe(4000);
    const recount = await a.deps.services.population.countByPath();
    const nodes = await a.deps.services.geo.populations();
    const expected = new Map<string, number>();
    for (const [p, n] of recount) {
      let acc = '/';
      for (const code of p.split('/').filter(Boolean)) expected.set((acc += `${code}/`), (expected.get(acc) ?? 0) + n);
    }
    expect(nodes.filter((n) => n.population !== (expected.get(n.path) ?? 0))).toEqual([]);
    expect((await a.deps.services.journal.verify()).ok).toBe(true);
    await expect(runCityGenerate(a.deps, { population: 10 })).rejects.toBeInstanceOf(CliError);
  });

  it('imports a GBK resident list into the generated city, reports bad rows with exit 4, and exports masked CSV', async () => {
    const entrance = await a.deps.db
      .selectFrom('jurisdictions')
      .select(['id', 'path', 'parent_id'])
      .where('level', '=', 'entrance')
      .where('path', 'like', '/420500/420502/%')
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const building = (await a.deps.services.geo.getById(entrance.parent_id!))!;
    const compound = (await a.deps.services.geo.getById(building.parentId!))!;
    const entranceNode = (await a.deps.services.geo.getById(entrance.id))!;
    const { makeResidentId } = await import('../../server/modules/population/resident-id.js');
    const header = ['姓名', '身份证号', '区', '小区', '楼栋', '单元', '房号'];
    const good = ['贺新', makeResidentId('420502', '1979-09-09', 3, 'male'), '西陵区', compound.name, building.name, entranceNode.name, '9901'];
    const bad = ['错号', good[1].slice(0, 17) + (good[1][17] === '1' ? '2' : '1'), '西陵区', compound.name, building.name, entranceNode.name, '9902'];
    const file = path.join(dir, 'residents.csv');
    writeFileSync(file, encodeGbk(csvText([header, good, bad])));
    const refused = await runImportResidents(a.deps, file).catch((e) => e);
    expect(refused).toBeInstanceOf(CliError);
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toContain('row 3 idNumber');
    expect(refused.message).not.toContain(bad[1]);
    expect(await a.deps.services.population.count()).toBe(4000);
    const dry = await runImportResidents(a.deps, file, { dryRun: true, partial: true });
    expect(dry.join('\n')).toMatch(/would create 1/);
    expect(await a.deps.services.population.count()).toBe(4000);
    const ok = await runImportResidents(a.deps, file, { partial: true });
    expect(ok[0]).toMatch(/gb18030/);
    expect(ok[1]).toMatch(/created 1/);
    expect(await a.deps.services.population.count()).toBe(4001);
    await expect(runImportResidents(a.deps, path.join(dir, 'missing.csv'))).rejects.toMatchObject({ exitCode: 5 });

    const out = path.join(dir, 'xiling.csv');
    const lines = await runExportResidents(a.deps, out, { format: 'csv', jurisdiction: '420502' });
    const text = readFileSync(out, 'utf8');
    const count = Number(lines[0].match(/exported ([\d,]+)/)![1].replace(/,/g, ''));
    expect(text.trim().split('\r\n')).toHaveLength(count + 1);
    expect(text).toContain('贺新');
    expect(text).not.toContain(good[1]);
    expect(text).not.toMatch(/\d{17}[\dX]/);
    await expect(runExportResidents(a.deps, out, { format: 'csv', jurisdiction: '999999' })).rejects.toBeInstanceOf(CliError);
  });
});
