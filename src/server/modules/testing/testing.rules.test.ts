import { describe, expect, it } from 'vitest';
import {
  PointGrid,
  advisePoolSize,
  commonPath,
  ctInRange,
  dorfmanTestsPerPerson,
  haversineM,
  hoursNeeded,
  lanesNeeded,
  maskName,
  normalizeBarcode,
  parseCsv,
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
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const sites: [number, number][] = Array.from({ length: 300 }, () => [111 + rnd() * 0.6, 30.4 + rnd() * 0.6]);
    const radius = 1200;
    const grid = new PointGrid<number>(radius, 31.0);
    sites.forEach((s, i) => grid.add(s, i));
    for (let k = 0; k < 500; k++) {
      const q: [number, number] = [111 + rnd() * 0.6, 30.4 + rnd() * 0.6];
      const brute = sites.map((s, i) => ({ i, d: haversineM(q, s) })).filter((x) => x.d <= radius).sort((a, b) => a.d - b.d)[0];
      const found = grid.nearestWithin(q);
      expect(found?.item).toBe(brute?.i);
    }
  });

  it('computes Dorfman\'s expected tests per person and recommends the pool size', () => {
    expect(dorfmanTestsPerPerson(0.01, 1)).toBe(1);
    expect(dorfmanTestsPerPerson(0.01, 10)).toBeCloseTo(0.1 + 1 - 0.99 ** 10, 12);
    expect(dorfmanTestsPerPerson(0, 20)).toBeCloseTo(0.05, 12);
    // At 0.1 % prevalence 20-in-1 is best among 1/5/10/20; the textbook optimum is k ≈ 1/√p ≈ 32 (capped at 30 here).
    const low = advisePoolSize(0.001, 1_000_000);
    expect(low.recommended).toBe(20);
    expect(low.optimalK).toBe(30);
    const twenty = low.options.find((o) => o.poolSize === 20)!;
    expect(twenty.firstStageTubes).toBe(50_000);
    expect(twenty.expectedRecheckTubes).toBe(Math.round(1_000_000 * (1 - 0.999 ** 20)));
    expect(twenty.tubesSavedVsSingle).toBe(1_000_000 - twenty.expectedTests);
    // At 10 % prevalence pooling still helps a little, with small pools.
    expect(advisePoolSize(0.1, 1000).recommended).toBe(5);
    // Above ~30 % pooling costs more than testing singly.
    expect(advisePoolSize(0.4, 1000).recommended).toBe(1);
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

  it('parses CSV with quotes, doubled quotes, CRLF, a BOM and blank lines', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n1,2')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', '2'],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('a,,c\n')).toEqual([['a', '', 'c']]);
  });
});
