import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { CliError } from '../exit.js';
import { runGeoImport } from './geo.js';

const square = (x: number, y: number, d: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + d, y],
      [x + d, y + d],
      [x, y + d],
      [x, y],
    ],
  ],
});

describe.each(DIALECTS)('bulwark geo import [%s]', (dialect) => {
  let env: TestEnv;
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const nodes = async () =>
    await env.deps.db.selectFrom('jurisdictions').select(['code', 'name', 'level', 'kind', 'path', 'geometry', 'centroid_lng']).orderBy('code').execute();

  beforeAll(async () => {
    env = await testEnv(dialect);
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-geo-'));
  });
  afterAll(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads codes and boundaries into an empty tree, refusing each bad row with its spreadsheet row number and reason', async () => {
    const divisions = file(
      'yichang.csv',
      [
        'code,name,parent_code', // row 1
        '420500,宜昌市,', // 2
        '420502,西陵区,420500', // 3
        '420502001,西陵街道,420502', // 4: the statistical 9 digits, read as 420502001000
        '420502001001,土街头社区,420502001000', // 5
        '42050X,坏代码,420500', // 6: not digits
        '430102,芙蓉区,420500', // 7: another city
        '420502,西陵区重复,420500', // 8: the same code again
        '420503001000,大公桥街道,420503', // 9: 420503 is neither in the file nor in the tree
        '420502002001,四方堰社区,420502001000', // 10: a community of 学院街道 (420502002000) put under 西陵街道
        '420502001002,,420502001000', // 11: no name
      ].join('\n'),
    );
    const boundaries = file(
      'yichang.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { code: '420502', name: '西陵区' }, geometry: square(111.2, 30.68, 0.1) },
          { type: 'Feature', properties: { adcode: 420599 }, geometry: square(111.5, 30.5, 0.1) }, // matches nothing
          {
            type: 'Feature',
            id: '420502001',
            properties: {},
            geometry: { type: 'MultiPolygon', coordinates: [square(111.21, 30.69, 0.001).coordinates, square(111.22, 30.7, 0.02).coordinates] },
          },
          { type: 'Feature', properties: { code: '420502001001' }, geometry: { type: 'Point', coordinates: [111.3, 30.7] } },
        ],
      }),
    );
    const refused = await runGeoImport(env.deps, { city: '420500', divisions, boundaries }).catch((e) => e);
    expect(refused).toBeInstanceOf(CliError);
    expect(refused.exitCode).toBe(4);
    const lines: string[] = refused.message.split('\n');
    expect(lines[0]).toBe('420500: 10 rows read, created 4, updated 0, unchanged 0, refused 6');
    expect(lines[1]).toBe('boundaries: 4 features read, applied 2, unchanged 0, refused 2');
    expect(lines.slice(3).map((l) => l.replace(/: .*\[/, ' [').trim())).toEqual([
      'row 6 (42050X) [CODE_FORMAT]',
      'row 7 (430102) [CODE_OUTSIDE_CITY]',
      'row 8 (420502) [DUPLICATE_CODE]',
      'row 9 (420503001000) [PARENT_UNKNOWN]',
      'row 10 (420502002001) [PARENT_MISMATCH]',
      'row 11 (420502001002) [NAME_REQUIRED]',
      'feature 2 (420599) [FEATURE_UNMATCHED]',
      'feature 4 (420502001001) [FEATURE_GEOMETRY]',
    ]);
    expect(refused.message).toContain('上级代码在文件和辖区树中都不存在');
    const tree = await nodes();
    expect(tree.map((n) => `${n.code} ${n.name} ${n.level} ${n.kind} ${n.path}`)).toEqual([
      '420500 宜昌市 city city /420500/',
      '420502 西陵区 district district /420500/420502/',
      '420502001000 西陵街道 street street /420500/420502/420502001000/',
      '420502001001 土街头社区 community community /420500/420502/420502001000/420502001001/',
    ]);
    // The MultiPolygon kept its larger part; centroids follow the shapes.
    expect(JSON.parse(tree[2].geometry!).coordinates[0]).toHaveLength(5);
    expect(Number(tree[2].centroid_lng)).toBeCloseTo(111.23, 6);
    expect(Number(tree[1].centroid_lng)).toBeCloseTo(111.25, 6);
    expect((await env.deps.services.journal.verify()).ok).toBe(true);
  });

  it('is idempotent: a second run changes nothing; a renamed division is updated; a dry run writes nothing', async () => {
    const good = ['code,name,parent_code', '420500,宜昌市,', '420502,西陵区,420500', '420502001000,西陵街道,420502', '420502001001,土街头社区,420502001000'];
    const before = await nodes();
    const again = await runGeoImport(env.deps, {
      city: '420500',
      divisions: file('good.csv', good.join('\n')),
      boundaries: file(
        'b.geojson',
        JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '420502' }, geometry: square(111.2, 30.68, 0.1) }] }),
      ),
    });
    expect(again).toEqual([
      '420500: 4 rows read, created 0, updated 0, unchanged 4, refused 0',
      'boundaries: 1 features read, applied 0, unchanged 1, refused 0',
    ]);
    expect(await nodes()).toEqual(before);

    // Chinese headers, a renamed community and a new one; first as a dry run.
    const next = ['代码,名称,上级代码', ...good.slice(1, 4), '420502001001,土街头新社区,420502001000', '420502001002,樵湖岭社区,420502001000'].join('\n');
    const dry = await runGeoImport(env.deps, { city: '420500', divisions: file('next.csv', next), dryRun: true });
    expect(dry[0]).toBe('420500: 5 rows read, would create 1, updated 1, unchanged 3, refused 0 — dry run, nothing written');
    expect(await nodes()).toEqual(before);
    const done = await runGeoImport(env.deps, { city: '420500', divisions: file('next.csv', next) });
    expect(done[0]).toBe('420500: 5 rows read, created 1, updated 1, unchanged 3, refused 0');
    expect((await nodes()).map((n) => n.name)).toEqual(['宜昌市', '西陵区', '西陵街道', '土街头新社区', '樵湖岭社区']);
    const journal = await env.deps.services.journal.list(env.deps.db, { action: 'geo.jurisdiction.import', limit: 10 });
    expect(journal.length).toBeGreaterThanOrEqual(2);

    await expect(runGeoImport(env.deps, { city: '420500', divisions: path.join(dir, 'missing.csv') })).rejects.toMatchObject({ exitCode: 5 });
    await expect(runGeoImport(env.deps, { city: '420500', divisions: file('bad.csv', 'codes,names\n1,2') })).rejects.toMatchObject({ exitCode: 4 });
  });
});
