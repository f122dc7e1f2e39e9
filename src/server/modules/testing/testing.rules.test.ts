import { describe, expect, it } from 'vitest';
import {
  PointGrid,
  advisePoolSize,
  AREA_POOL_RULE,
  POOL_MODES,
  POOL_SENSITIVITY,
  poolSensitivity,
  commonPath,
  ctInRange,
  dorfmanTestsPerPerson,
  haversineM,
  hoursNeeded,
  lanesNeeded,
  maskName,
  normalizeBarcode,
  parseCsvRows,
  pathAtDepth,
  pathPrefixes,
  seasonAt,
  tubesFor,
} from './testing.rules.js';

describe('testing rules', () => {
  it('masks names for samplers and residents, keeping only the first (and last) character', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('李小龙')).toBe('李*龙');
    expect(maskName('欧阳娜娜')).toBe('欧**娜');
    expect(maskName('王')).toBe('*');
    expect(maskName(' 赵钱 ')).toBe('赵*');
  });

  it('accepts barcodes of 8–20 upper-case letters and digits (scanned in lower case or with spaces)', () => {
    expect(normalizeBarcode(' yc20261129001 ')).toBe('YC20261129001');
    expect(normalizeBarcode('ABCDEFGH')).toBe('ABCDEFGH');
    for (const bad of ['', 'ABC1234', 'A'.repeat(21), 'YC-2026-1129', '采样管12345678', null, undefined]) expect(normalizeBarcode(bad)).toBeNull();
  });

  it('keeps Ct values within 0–45 (missing values are fine)', () => {
    expect([0, 17.4, 40, 45, null, undefined].every((v) => ctInRange(v))).toBe(true);
    expect([-0.1, 45.01, 100, NaN, Infinity].some((v) => ctInRange(v))).toBe(false);
  });

  it('derives path prefixes, depths and common paths', () => {
    expect(pathPrefixes('/420500/420502/420502001000/')).toEqual(['/420500/', '/420500/420502/', '/420500/420502/420502001000/']);
    expect(pathAtDepth('/420500/420502/420502001000/', 2)).toBe('/420500/420502/');
    expect(pathAtDepth('/420500/', 2)).toBeNull();
    expect(commonPath(['/420500/420502/1/', '/420500/420502/2/'])).toBe('/420500/420502/');
    expect(commonPath(['/420500/420502/', '/420500/420503/'])).toBe('/420500/');
  });

  it('tells the season in the configured zone (meteorological seasons)', () => {
    const tz = 'Asia/Shanghai';
    expect(seasonAt(Date.UTC(2026, 10, 29, 2), tz)).toBe('autumn');
    // 31 May 23:30 in Shanghai is still spring; 1 June 00:30 is summer (both 31 May in UTC).
    expect(seasonAt(Date.UTC(2026, 4, 31, 15, 30), tz)).toBe('spring');
    expect(seasonAt(Date.UTC(2026, 4, 31, 16, 30), tz)).toBe('summer');
    expect(seasonAt(Date.UTC(2027, 0, 15), tz)).toBe('winter');
  });

  it('measures straight-line distances on the sphere', () => {
    // One degree of latitude ≈ 111.2 km; 0.01° of longitude at 30.7° N ≈ 957 m.
    expect(haversineM([111.3, 30.0], [111.3, 31.0])).toBeCloseTo(111_195, -1);
    expect(haversineM([111.3, 30.7], [111.31, 30.7])).toBeCloseTo(956.6, 0);
    expect(haversineM([111.3, 30.7], [111.3, 30.7])).toBe(0);
  });

  it('the grid finds exactly the points a brute-force search finds within the radius', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const sites: [number, number][] = Array.from({ length: 300 }, () => [111 + rnd() * 0.6, 30.4 + rnd() * 0.6]);
    const radius = 1200;
    const grid = new PointGrid<number>(radius, 31.0);
    sites.forEach((s, i) => grid.add(s, i));
    for (let k = 0; k < 500; k++) {
      const q: [number, number] = [111 + rnd() * 0.6, 30.4 + rnd() * 0.6];
      const brute = sites
        .map((s, i) => ({ i, d: haversineM(q, s) }))
        .filter((x) => x.d <= radius)
        .sort((a, b) => a.d - b.d)[0];
      const found = grid.nearestWithin(q);
      expect(found?.item).toBe(brute?.i);
    }
  });

  it("computes Dorfman's expected tests per person and recommends the pool size", () => {
    expect(dorfmanTestsPerPerson(0.01, 1)).toBe(1);
    expect(dorfmanTestsPerPerson(0.01, 10)).toBeCloseTo(0.1 + 1 - 0.99 ** 10, 12);
    expect(dorfmanTestsPerPerson(0, 20)).toBeCloseTo(0.05, 12);
    // At 0.1 % prevalence 20-in-1 is best among 1/5/10/20; the textbook optimum is k ≈ 1/√p ≈ 32 (capped at 30 here).
    const low = advisePoolSize(0.001, 1_000_000);
    expect(low.recommended).toBe(20);
    expect(low.optimalK).toBe(30);
    const twenty = low.options.find((o) => o.poolSize === 20)!;
    expect(twenty.firstStageTubes).toBe(50_000);
    // Pools found positive: the 20-in-1 pool's sensitivity (0.87, a local parameter) times P(pool holds an infection).
    expect(twenty.expectedRecheckTubes).toBe(Math.round(1_000_000 * 0.87 * (1 - 0.999 ** 20)));
    expect(twenty.heldAtDoor).toBe(Math.round(1_000_000 * (1 - 0.999 ** 20)));
    expect(twenty.tubesSavedVsSingle).toBe(1_000_000 - twenty.expectedTests);
    // At 10 % prevalence pooling still helps a little, with small pools.
    expect(advisePoolSize(0.1, 1000).recommended).toBe(5);
    // Above ~30 % pooling costs more than testing singly.
    expect(advisePoolSize(0.4, 1000).recommended).toBe(1);
  });

  // Prevalence 1 %, 10,000 persons. Sensitivity: pools of 5 ≈ 93 %, of 10 ≈ 91 % (published estimates);
  // 20 → 87 % is a local parameter. held = 10,000 · (1 − 0.99^k); recheck = round(10,000 · Se · (1 − 0.99^k)).
  it.each([
    { k: 1, tests: 10_000, held: 100, se: 1, local: false, missed: 0, rankByTests: 4, rankByHeld: 1, rank: 4 },
    { k: 5, tests: 2_000 + 456, held: 490, se: 0.93, local: false, missed: 7, rankByTests: 3, rankByHeld: 2, rank: 2 },
    { k: 10, tests: 1_000 + 870, held: 956, se: 0.91, local: false, missed: 9, rankByTests: 1, rankByHeld: 3, rank: 1 },
    { k: 20, tests: 500 + 1_584, held: 1_821, se: 0.87, local: true, missed: 13, rankByTests: 2, rankByHeld: 4, rank: 3 },
  ])('advisor, p = 1 %, pools of $k: $tests tests, $held held at their doors, sensitivity $se', (row) => {
    const a = advisePoolSize(0.01, 10_000);
    const o = a.options.find((x) => x.poolSize === row.k)!;
    expect(o).toMatchObject({
      expectedTests: row.tests,
      heldAtDoor: row.held,
      sensitivity: row.se,
      sensitivityLocal: row.local,
      expectedMissed: row.missed,
      rankByTests: row.rankByTests,
      rankByHeld: row.rankByHeld,
      rank: row.rank,
    });
    expect(o.sensitivitySource.length).toBeGreaterThan(5);
    // Fewest tests AND people held together: 10-in-1 (1,870 + 956), not 20-in-1 (fewer tests alone would not pick 20 either at 1 %).
    expect(a.recommended).toBe(10);
    expect(a.basis).toBe('combined_rank');
  });

  it.each([
    { area: 'sealed' as const, mode: 0, allowed: [0, 1], local: false },
    { area: 'controlled' as const, mode: 10, allowed: [10], local: true },
    { area: 'elsewhere' as const, mode: 20, allowed: [20], local: true },
  ])('advisor applies the risk-area rule: $area → mode $mode (0 = 1户1管)', ({ area, mode, allowed, local }) => {
    const a = advisePoolSize(0.01, 10_000, area === 'sealed' ? POOL_MODES : undefined, area);
    expect(a.recommended).toBe(mode);
    expect(a.basis).toBe('area_rule');
    expect(a.areaRule).toMatchObject({ mode, allowed, local });
    expect(AREA_POOL_RULE[area].source).toMatch(/指南/);
    if (area === 'sealed') {
      // A household tube (about 3 persons, local parameter) is in the options, sampled at the door.
      const h = a.options.find((o) => o.poolSize === 0)!;
      expect(h).toMatchObject({ firstStageTubes: 3_334, heldAtDoor: Math.round(10_000 * (1 - 0.99 ** 3)), sensitivityLocal: true });
    }
  });

  it('keeps the sensitivity as data: 93 % for pools of 5 and 91 % for 10 from published estimates, the rest local', () => {
    expect(poolSensitivity(5)).toMatchObject({ sensitivity: 0.93, local: false });
    expect(poolSensitivity(10)).toMatchObject({ sensitivity: 0.91, local: false });
    expect(poolSensitivity(20).local).toBe(true);
    expect(poolSensitivity(8)).toMatchObject({ sensitivity: 0.91, local: true });
    for (const s of POOL_SENSITIVITY) expect(s.source, `source of pool ${s.mode}`).toBeTruthy();
  });

  it('plans hours and lanes at a throughput per lane-hour', () => {
    expect(hoursNeeded(8800, 10, 44)).toBe(20);
    expect(hoursNeeded(0, 0, 44)).toBe(0);
    expect(hoursNeeded(10, 0, 44)).toBe(Infinity);
    expect(lanesNeeded(12_300_000, 24, 44)).toBe(11_648); // Xi'an: 11,669 tables for 12.3 M in 24 h
    expect(lanesNeeded(1, 24, 44)).toBe(1);
    expect(tubesFor(25, 10, 0.1)).toBe(4);
    expect(tubesFor(20, 10, 0)).toBe(2);
  });

  it('parses CSV with quotes, doubled quotes, CRLF, a BOM and blank lines, numbering rows as a spreadsheet shows them', () => {
    // The blank line is skipped but is row 3 in a spreadsheet; the quoted line break stays in row 2.
    expect(parseCsvRows('\ufeffa,b\r\n"x,\r\ny","say ""hi"""\r\n\r\n1,2')).toEqual([
      { row: 1, cells: ['a', 'b'] },
      { row: 2, cells: ['x,\r\ny', 'say "hi"'] },
      { row: 4, cells: ['1', '2'] },
    ]);
    expect(parseCsvRows('')).toEqual([]);
    expect(parseCsvRows('a,,c\n')).toEqual([{ row: 1, cells: ['a', '', 'c'] }]);
  });
});
