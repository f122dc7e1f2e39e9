/**
 * The demo city: a synthetic 宜昌市 (420500) at any scale, generated deterministically (a seeded
 * PRNG per district: the same seed and scale give the same codes, names, shapes and people on every
 * run and on both databases; only the random record ids differ).
 *
 * Tree and codes (GB/T 2260 six digits, extended):
 *   city      420500
 *   district  6 digits — all 13 real districts/counties/county-level cities + 宜昌高新区 420571 (zone)
 *   street    12 digits: district + 3-digit seq + '000'; 001–099 街道, 101–199 镇, 201–299 乡
 *   community 12 digits: street's first 9 + 3-digit seq; 001–199 社区, 201–399 村
 *   compound  15 digits: community + 3-digit seq (小区, or a 村民小组 of scattered houses)
 *   building  17 digits: compound + 2-digit seq (≤ 99 per compound)
 *   entrance  18 digits: building + 1-digit seq (≤ 9 per building)
 *
 * Geometry nests without overlaps by construction: the city is a convex polygon; each level is the
 * Voronoi partition of its (convex) parent by seeds spread inside it, so children are convex and
 * tile the parent exactly; buildings are rectangles placed inside their compound without touching
 * each other; entrances split their building into equal strips. Coordinates are rounded to 6
 * decimals, and each level is cut from the rounded parent.
 *
 * Residents: `residents` persons (default 30,000) spread over the districts by their real weight,
 * in households of 1–5 in rooms of urban entrances (floor + flat: `1203`) or in rural houses; a few
 * percent are non-residents staying in urban buildings. Resident IDs are valid GB 11643 numbers
 * whose region is the person's district code; ~8% carry vulnerability flags, skewed to the elderly.
 * Persons go through the population service in batches (validation, encryption, one journal entry
 * per 500 rows, population counters updated per node per batch); each district is one transaction.
 */
import type { JurisdictionLevel, Sex, VulnerableFlag } from '../../common/geo.js';
import type { Deps } from '../deps.js';
import { deferIndexes, restoreDeferredIndexes } from '../db/deferred-indexes.js';
import { inTx } from '../db/dialect.js';
import { systemActor } from '../platform/actor.js';
import { newId } from '../platform/ids.js';
import type { NewJurisdiction } from '../modules/geo/geo.service.js';
import { area, bbox, centroid, convexHull, pointInRing, rect, roundRing, voronoiCells, type Pt, type Ring } from '../modules/geo/geometry.js';
import type { PersonInput, PlaceRef } from '../modules/population/population.service.js';
import { makeResidentId } from '../modules/population/resident-id.js';

export interface DemoCityOptions {
  /** Persons to create (residents and a few non-residents). Default 30,000. */
  residents?: number;
  /** PRNG seed. Default 'bulwark-yichang-v1'. */
  seed?: string;
}

/** The day the demo population's ages are counted from (fixed, so runs on any date agree). */
export const DEMO_REFERENCE_DAY = '2026-11-01';
export const DEMO_DEFAULT_RESIDENTS = 30_000;
const POWER_ALPHA = 0.45;

type DistrictKind = 'district' | 'county' | 'county_city' | 'zone';
interface DistrictSpec {
  code: string;
  name: string;
  kind: DistrictKind;
  /** Voronoi seed [lng, lat]: roughly the real centre; urban districts crowd the centre so they stay small. */
  seed: Pt;
  /** Relative population (real figures in 10k, rounded). */
  weight: number;
  /** Real area in km²: weights the power diagram so counties come out large and urban districts small. */
  km2: number;
  /** Share of streets that are urban 街道 (the rest 镇/乡). */
  urban: number;
}

/** 宜昌市 and its 13 county-level divisions plus the high-tech zone. */
export const YICHANG = { code: '420500', name: '宜昌市', centre: [111.29, 30.7] as Pt, bounds: [110.25, 29.93, 112.07, 31.57] as const };
export const DISTRICTS: readonly DistrictSpec[] = [
  { code: '420502', name: '西陵区', kind: 'district', seed: [111.285, 30.725], weight: 52, km2: 88, urban: 1 },
  { code: '420503', name: '伍家岗区', kind: 'district', seed: [111.355, 30.66], weight: 29, km2: 83, urban: 1 },
  { code: '420504', name: '点军区', kind: 'district', seed: [111.2, 30.63], weight: 10, km2: 533, urban: 0.4 },
  { code: '420505', name: '猇亭区', kind: 'district', seed: [111.42, 30.6], weight: 7, km2: 118, urban: 0.7 },
  { code: '420506', name: '夷陵区', kind: 'district', seed: [111.3, 30.93], weight: 53, km2: 3420, urban: 0.25 },
  { code: '420525', name: '远安县', kind: 'county', seed: [111.63, 31.1], weight: 17, km2: 1752, urban: 0 },
  { code: '420526', name: '兴山县', kind: 'county', seed: [110.75, 31.3], weight: 15, km2: 2327, urban: 0 },
  { code: '420527', name: '秭归县', kind: 'county', seed: [110.72, 30.87], weight: 33, km2: 2427, urban: 0 },
  { code: '420528', name: '长阳土家族自治县', kind: 'county', seed: [110.98, 30.45], weight: 35, km2: 3430, urban: 0 },
  { code: '420529', name: '五峰土家族自治县', kind: 'county', seed: [110.68, 30.12], weight: 17, km2: 2372, urban: 0 },
  { code: '420581', name: '宜都市', kind: 'county_city', seed: [111.42, 30.33], weight: 38, km2: 1357, urban: 0.15 },
  { code: '420582', name: '当阳市', kind: 'county_city', seed: [111.82, 30.85], weight: 44, km2: 2159, urban: 0.15 },
  { code: '420583', name: '枝江市', kind: 'county_city', seed: [111.72, 30.44], weight: 46, km2: 1310, urban: 0.15 },
  { code: '420571', name: '宜昌高新区', kind: 'zone', seed: [111.4, 30.735], weight: 10, km2: 150, urban: 1 },
];

// ------------------------------------------------------------------------------------------
// Deterministic randomness
// ------------------------------------------------------------------------------------------

/** A small seeded PRNG (sfc32) with the helpers the generator needs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: string) {
    // cyrb128 string hash → four 32-bit seeds
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, x) => s + x[1], 0);
    let r = this.next() * total;
    for (const [v, w] of xs) {
      r -= w;
      if (r < 0) return v;
    }
    return xs[xs.length - 1][0];
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

/** Splits `total` into parts proportional to `weights` (largest remainder; the parts sum to total). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0) || 1;
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let rest = total - out.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) out[order[k][1]]++;
  return out;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

// ------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------

const URBAN_A = ['东', '西', '南', '北', '中', '新', '学', '云', '桃', '柳', '滨', '江', '港', '金', '银', '宝', '和', '平', '安', '福', '康', '华', '兴', '文', '长', '峡', '湖', '锦', '星', '翠', '东湖', '夷陵', '三峡', '葛洲', '西湖', '紫阳', '望洲', '胜利', '解放', '建设', '白沙', '万达', '清江', '桔城', '楚天'];
const URBAN_B = ['山', '苑', '岸', '湾', '桥', '港', '河', '坪', '园', '岭', '洲', '湖', '城', '门', '塔', '口', '阳', '林', '亭', '坝', '江', '滨'];
const NATURE_A = ['白', '青', '黄', '石', '龙', '凤', '松', '竹', '梅', '桃', '茶', '枫', '柏', '杉', '金', '银', '云', '雾', '高', '双', '三', '五', '七', '九', '太', '长', '大', '小', '清', '碧', '红', '紫', '马', '鹿', '鹤', '仙', '峡', '栗', '橘', '杨'];
const NATURE_B = ['坪', '湾', '冲', '河', '岭', '坡', '岩', '垭', '沟', '畈', '台', '溪', '店', '桥', '山', '堰', '场', '口', '峪', '滩', '洲', '垸', '坝', '林', '池', '泉'];
const FAMILY_SUFFIX = ['坪', '湾', '冲', '河', '岭', '坡', '岩', '垭', '沟', '畈', '台', '嘴', '店', '桥', '山', '堰', '场', '院', '营', '铺', '坝', '岗', '垴'];
const COMPOUND_PATTERN = ['{}花园', '{}苑', '{}小区', '{}佳园', '{}家园', '{}雅居', '{}名邸', '{}新村', '{}公寓', '{}华府', '{}丽景', '{}锦城', '{}壹号', '{}御景', '{}春天'];
const GROUP_NAMES = ['一组', '二组', '三组', '四组', '五组', '六组', '七组', '八组', '九组', '十组'];

/** Surnames weighted roughly by frequency (覃 向 谭 田 are common among the Tujia of 长阳 and 五峰). */
const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 72], ['李', 71], ['张', 68], ['刘', 54], ['陈', 45], ['杨', 31], ['黄', 24], ['赵', 22], ['吴', 20], ['周', 20],
  ['徐', 16], ['孙', 15], ['马', 13], ['朱', 13], ['胡', 13], ['郭', 12], ['何', 12], ['高', 11], ['林', 11], ['罗', 11],
  ['郑', 10], ['梁', 9], ['谢', 8], ['宋', 8], ['唐', 7], ['许', 7], ['韩', 7], ['冯', 7], ['邓', 7], ['曹', 6],
  ['彭', 6], ['曾', 6], ['肖', 6], ['田', 6], ['董', 5], ['袁', 5], ['潘', 5], ['覃', 5], ['向', 5], ['谭', 5],
  ['望', 2], ['易', 3], ['文', 3], ['熊', 4], ['万', 3],
];
const SURNAME_LIST = SURNAMES.map((s) => s[0]);
const GIVEN_MALE = ['伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '宇', '浩', '凯', '健', '俊', '帆', '帅', '旭', '宁', '龙', '林', '洋', '东', '峰', '建', '国', '志', '文', '海', '成', '德', '兵', '晨', '博', '子', '轩', '睿', '航', '泽', '宏', '家', '振'];
const GIVEN_FEMALE = ['芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '秀', '玲', '桂', '英', '婷', '雪', '慧', '莉', '琳', '倩', '洁', '颖', '萍', '红', '梅', '兰', '欣', '怡', '佳', '悦', '蕾', '晶', '燕', '琴', '瑶', '雨', '思', '梦', '诗', '涵', '可', '馨', '露', '月', '春', '凤', '云', '丹', '彤', '薇', '妍', '嘉'];

/** Regions of origin of non-residents, with the division code their IDs carry. */
const ORIGINS: readonly (readonly [string, string])[] = [
  ['湖北省武汉市', '420100'], ['湖北省荆州市', '421000'], ['湖北省恩施土家族苗族自治州', '422800'], ['湖北省襄阳市', '420600'],
  ['湖北省荆门市', '420800'], ['湖南省长沙市', '430100'], ['湖南省常德市', '430700'], ['重庆市', '500100'], ['河南省南阳市', '411300'],
  ['四川省成都市', '510100'], ['广东省深圳市', '440300'], ['江西省南昌市', '360100'],
];

const MOBILE_PREFIXES = ['133', '135', '136', '137', '138', '139', '150', '151', '152', '157', '158', '159', '177', '180', '181', '182', '183', '186', '187', '188', '189', '199'];

/** Draws names without repeating one among siblings. */
function uniqueNamer(rng: Rng, make: () => string): () => string {
  const used = new Set<string>();
  return () => {
    for (let i = 0; i < 40; i++) {
      const n = make();
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
    const base = make();
    for (let k = 2; ; k++) {
      const n = `${base}${k}`;
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
  };
}

function twoPart(rng: Rng, a: readonly string[], b: readonly string[]): string {
  for (;;) {
    const x = rng.pick(a);
    const y = rng.pick(b);
    if (!x.endsWith(y)) return x + y;
  }
}

// ------------------------------------------------------------------------------------------
// Geometry helpers for the generator
// ------------------------------------------------------------------------------------------

/** Degrees per metre at Yichang's latitude. */
const LAT_M = 1 / 111_000;
const LNG_M = 1 / (111_000 * Math.cos((30.7 * Math.PI) / 180));

function randomPointIn(rng: Rng, ring: Ring): Pt {
  const [x0, y0, x1, y1] = bbox(ring);
  for (let i = 0; i < 200; i++) {
    const p: Pt = [rng.range(x0, x1), rng.range(y0, y1)];
    if (pointInRing(p, ring)) return p;
  }
  return centroid(ring);
}

/** Mitchell's best-candidate seeds: well spread, deterministic. */
function spreadSeeds(rng: Rng, ring: Ring, n: number): Pt[] {
  const seeds: Pt[] = [];
  for (let i = 0; i < n; i++) {
    let best: Pt | null = null;
    let bestD = -1;
    for (let k = 0; k < 12; k++) {
      const c = randomPointIn(rng, ring);
      const d = seeds.length ? Math.min(...seeds.map((s) => Math.hypot((s[0] - c[0]) / LNG_M, (s[1] - c[1]) / LAT_M))) : 0;
      if (d > bestD) {
        best = c;
        bestD = d;
      }
    }
    seeds.push(best!);
  }
  return seeds;
}

/** Partitions a convex ring into n convex cells (rounded), in a stable west→east, north→south order. */
function partition(rng: Rng, ring: Ring, n: number): Ring[] {
  if (n <= 1) return [ring];
  const seeds = spreadSeeds(rng, ring, n).sort((p, q) => q[1] - p[1] || p[0] - q[0]);
  return voronoiCells(ring, seeds).map(roundRing);
}

function rectInside(r: Ring, poly: Ring): boolean {
  return r.every((p) => pointInRing(p, poly));
}

function overlaps(a: [number, number, number, number], b: [number, number, number, number], gap: number): boolean {
  return a[0] - gap < b[2] && b[0] - gap < a[2] && a[1] - gap < b[3] && b[1] - gap < a[3];
}

/**
 * Places `n` axis-aligned rectangles (w × h metres) inside a convex polygon without overlaps:
 * a grid around the centroid for urban blocks, scattered around it for rural houses. Shrinks the
 * footprint when the polygon is too small.
 */
function placeRects(rng: Rng, poly: Ring, n: number, wM: number, hM: number, scattered: boolean): Ring[] {
  const c = centroid(poly);
  for (let scale = 1; scale > 0.02; scale *= 0.7) {
    const w = wM * scale * LNG_M;
    const h = hM * scale * LAT_M;
    const placed: [number, number, number, number][] = [];
    if (scattered) {
      const gap = 12 * scale * LNG_M;
      let radius = Math.sqrt(n) * 45 * scale;
      for (let tries = 0; placed.length < n && tries < n * 400; tries++) {
        if (tries > 0 && tries % (n * 50) === 0) radius *= 1.6;
        const ang = rng.range(0, 2 * Math.PI);
        const d = Math.sqrt(rng.next()) * radius;
        const x = c[0] + Math.cos(ang) * d * LNG_M - w / 2;
        const y = c[1] + Math.sin(ang) * d * LAT_M - h / 2;
        const box: [number, number, number, number] = [x, y, x + w, y + h];
        const r = roundRing(rect(...box));
        if (r.length === 4 && rectInside(r, poly) && !placed.some((b) => overlaps(b, box, gap))) placed.push(box);
      }
    } else {
      const sx = w + 22 * scale * LNG_M;
      const sy = h + 28 * scale * LAT_M;
      const cells: [number, number][] = [];
      const span = Math.ceil(Math.sqrt(n)) + 6;
      for (let i = -span; i <= span; i++) for (let j = -span; j <= span; j++) cells.push([i, j]);
      cells.sort((p, q) => Math.hypot(p[0], p[1] * 1.4) - Math.hypot(q[0], q[1] * 1.4) || p[0] - q[0] || p[1] - q[1]);
      for (const [i, j] of cells) {
        if (placed.length >= n) break;
        const x = c[0] + i * sx - w / 2;
        const y = c[1] + j * sy - h / 2;
        const box: [number, number, number, number] = [x, y, x + w, y + h];
        const r = roundRing(rect(...box));
        if (r.length === 4 && rectInside(r, poly)) placed.push(box);
      }
      // Order rows north→south, then west→east, so 1栋 is at the north-west.
      placed.sort((p, q) => Math.round((q[1] - p[1]) / sy) || p[0] - q[0]);
    }
    if (placed.length >= n) return placed.map((b) => roundRing(rect(...b)));
  }
  throw new Error('Could not place buildings inside a compound');
}

/** Splits a rectangle (as placed) into k equal strips along its longer side. */
function strips(r: Ring, k: number): Ring[] {
  const [x0, y0, x1, y1] = bbox(r);
  const out: Ring[] = [];
  for (let i = 0; i < k; i++) {
    const a = x0 + ((x1 - x0) * i) / k;
    const b = i === k - 1 ? x1 : x0 + ((x1 - x0) * (i + 1)) / k;
    out.push(roundRing(rect(a, y0, b, y1)));
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// People
// ------------------------------------------------------------------------------------------

function birthDateFor(rng: Rng, age: number): string {
  const ref = new Date(`${DEMO_REFERENCE_DAY}T00:00:00Z`);
  const d = new Date(Date.UTC(ref.getUTCFullYear() - age, ref.getUTCMonth(), ref.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - rng.int(0, 364));
  return d.toISOString().slice(0, 10);
}

interface Member {
  sex: Sex;
  age: number;
  surname: string;
  role: 'head' | 'spouse' | 'child' | 'elder';
}

function householdSize(rng: Rng): number {
  return rng.weighted([[1, 15], [2, 30], [3, 28], [4, 17], [5, 10]] as const);
}

function composeHousehold(rng: Rng, size: number): Member[] {
  const surname = rng.weighted(SURNAMES);
  if (size === 1) {
    const age = rng.weighted([[rng.int(20, 39), 30], [rng.int(40, 64), 25], [rng.int(65, 95), 45]] as const);
    return [{ sex: rng.chance(0.5) ? 'male' : 'female', age, surname, role: 'head' }];
  }
  const headAge = rng.int(size >= 3 ? 30 : 24, size >= 3 ? 62 : 88);
  const members: Member[] = [{ sex: 'male', age: headAge, surname, role: 'head' }];
  members.push({ sex: 'female', age: clamp(headAge + rng.int(-6, 3), 20, 95), surname: rng.weighted(SURNAMES), role: 'spouse' });
  let rest = size - 2;
  if (rest > 0 && size === 5 && headAge < 60) {
    members.push({ sex: rng.chance(0.5) ? 'male' : 'female', age: clamp(headAge + rng.int(24, 32), 50, 99), surname, role: 'elder' });
    rest--;
  }
  for (let i = 0; i < rest; i++) {
    members.push({ sex: rng.chance(0.52) ? 'male' : 'female', age: clamp(headAge - rng.int(22, 36), 0, 60), surname, role: 'child' });
  }
  return members;
}

function givenName(rng: Rng, sex: Sex): string {
  const pool = sex === 'male' ? GIVEN_MALE : GIVEN_FEMALE;
  return rng.chance(0.7) ? rng.pick(pool) + rng.pick(pool) : rng.pick(pool);
}

function vulnerabilityOf(rng: Rng, m: Member, alone: boolean, hasAdultCarer: boolean): VulnerableFlag[] {
  const flags: VulnerableFlag[] = [];
  if (alone && m.age >= 65 && rng.chance(0.6)) flags.push('elderly_alone');
  if (rng.chance(m.age >= 60 ? 0.27 : m.age >= 40 ? 0.025 : 0)) flags.push('chronic');
  if (m.age >= 75 && rng.chance(0.08)) flags.push('bedridden');
  if (m.age >= 30 && rng.chance(m.age >= 60 ? 0.006 : 0.002)) flags.push('dialysis');
  if (m.sex === 'female' && m.age >= 22 && m.age <= 40 && rng.chance(0.04)) flags.push('pregnant');
  if (m.age < 14 && !hasAdultCarer) flags.push('child_without_carer');
  else if (m.age < 14 && rng.chance(0.004)) flags.push('child_without_carer');
  return flags;
}

function mobile(rng: Rng): string {
  return rng.pick(MOBILE_PREFIXES) + pad(rng.int(0, 99_999_999), 8);
}

// ------------------------------------------------------------------------------------------
// The plan of one district
// ------------------------------------------------------------------------------------------

interface DistrictPlan {
  spec: DistrictSpec;
  nodes: NewJurisdiction[];
  /** Persons in groups that never split a household (one or more whole compounds each). */
  batches: PersonInput[][];
  persons: number;
}

/**
 * A piece of a district, in insertion order: new nodes (parents before children) and the persons
 * who live in them. Pieces never split a household.
 */
export interface CityPiece {
  district: DistrictSpec;
  nodes: NewJurisdiction[];
  persons: PersonInput[];
}

interface Ctx {
  rng: Rng;
  nodes: NewJurisdiction[];
  pending: PersonInput[];
  /** Resident IDs used in this district (their region is the district's code, so no other district shares them). */
  usedIds: Set<string>;
  /** IDs of non-residents, whose regions lie outside the city: shared by all districts. */
  originIds: Set<string>;
  spec: DistrictSpec;
}

function node(ctx: Ctx, parent: NewJurisdiction, code: string, name: string, level: JurisdictionLevel, kind: string | null, ring: Ring | null): NewJurisdiction {
  const n: NewJurisdiction = { id: newId(), code, name, level, kind, parentId: parent.id, path: `${parent.path}${code}/`, ring, population: 0 };
  ctx.nodes.push(n);
  return n;
}

function residentIdFor(ctx: Ctx, region: string, birthDate: string, sex: Sex): string {
  const used = region === ctx.spec.code ? ctx.usedIds : ctx.originIds;
  let seq = ctx.rng.int(0, 999);
  for (let i = 0; i < 1000; i++, seq = (seq + 2) % 1000) {
    const id = makeResidentId(region, birthDate, seq, sex);
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
  throw new Error('Ran out of ID sequence numbers');
}

function personsOf(ctx: Ctx, members: Member[], address: { jurisdictionId: string; room: string | null }): PersonInput[] {
  const { rng } = ctx;
  const alone = members.length === 1;
  const hasAdultCarer = members.some((m) => m.age >= 18 && m.age < 75);
  return members.map((m) => {
    const birthDate = birthDateFor(rng, m.age);
    const vulnerable = vulnerabilityOf(rng, m, alone, hasAdultCarer);
    return {
      name: m.surname + givenName(rng, m.sex),
      idType: 'resident_id' as const,
      idNumber: residentIdFor(ctx, ctx.spec.code, birthDate, m.sex),
      phone: m.age >= 14 && rng.chance(m.age >= 80 ? 0.6 : 0.96) ? mobile(rng) : null,
      birthDate,
      sex: m.sex,
      resident: true,
      address,
      vulnerable,
      tags: m.role === 'head' ? ['户主'] : [],
    };
  });
}

function fillHouseholds(rng: Rng, residents: number): Member[][] {
  const out: Member[][] = [];
  let left = residents;
  while (left > 0) {
    const size = Math.min(householdSize(rng), left);
    out.push(composeHousehold(rng, size));
    left -= size;
  }
  return out;
}

function urbanCompound(ctx: Ctx, community: NewJurisdiction, seq: number, name: string, ring: Ring, residents: number): void {
  const { rng } = ctx;
  const compound = node(ctx, community, community.code + pad(seq, 3), name, 'compound', 'urban', ring);
  const nonResidents = Math.floor(residents * 0.03 + rng.next());
  const households = fillHouseholds(rng, residents - nonResidents);
  const era = rng.weighted([['old', 3], ['mid', 4], ['new', 3]] as const);
  const floorsRange: [number, number] = era === 'old' ? [6, 7] : era === 'mid' ? [11, 18] : [18, 30];
  const entrancesPer = rng.int(2, 4);
  const flatsPerFloor = 2;
  const capacityPerBuilding = entrancesPer * floorsRange[0] * flatsPerFloor;
  const buildingsN = clamp(Math.max(Math.ceil(households.length / (capacityPerBuilding * 0.6)), rng.int(2, 6)), 1, 99);
  const rects = placeRects(rng, ring, buildingsN, rng.int(45, 70), rng.int(12, 16), false);
  const slots: { entrance: NewJurisdiction; room: string }[] = [];
  const buildings: NewJurisdiction[] = [];
  rects.forEach((r, bi) => {
    const b = node(ctx, compound, compound.code + pad(bi + 1, 2), `${bi + 1}栋`, 'building', 'apartment', r);
    buildings.push(b);
    const floors = rng.int(floorsRange[0], floorsRange[1]);
    strips(r, entrancesPer).forEach((er, ei) => {
      const e = node(ctx, b, b.code + String(ei + 1), `${ei + 1}单元`, 'entrance', null, er);
      for (let f = 1; f <= floors; f++) for (let k = 1; k <= flatsPerFloor; k++) slots.push({ entrance: e, room: `${f}${pad(k, 2)}` });
    });
  });
  rng.shuffle(slots);
  households.forEach((members, i) => {
    const slot = slots[i % slots.length];
    // More households than flats happens only when 99 buildings are not enough; the suffix keeps rooms apart.
    ctx.pending.push(...personsOf(ctx, members, { jurisdictionId: slot.entrance.id, room: i < slots.length ? slot.room : `${slot.room}-${Math.floor(i / slots.length)}` }));
  });
  for (let i = 0; i < nonResidents; i++) {
    const [origin, region] = rng.pick(ORIGINS);
    const sex: Sex = rng.chance(0.55) ? 'male' : 'female';
    const birthDate = birthDateFor(rng, rng.int(18, 55));
    ctx.pending.push({
      name: rng.weighted(SURNAMES) + givenName(rng, sex),
      idType: 'resident_id',
      idNumber: residentIdFor(ctx, region, birthDate, sex),
      phone: mobile(rng),
      birthDate,
      sex,
      resident: false,
      jurisdictionId: rng.pick(buildings).id,
      regionOfOrigin: origin,
      tags: ['流动人口'],
    });
  }
}

function ruralGroup(ctx: Ctx, village: NewJurisdiction, seq: number, ring: Ring, residents: number): void {
  const { rng } = ctx;
  const group = node(ctx, village, village.code + pad(seq, 3), GROUP_NAMES[seq - 1] ?? `${seq}组`, 'compound', 'rural', ring);
  const households = fillHouseholds(rng, residents);
  const houses = clamp(households.length + Math.floor(households.length * 0.1 + rng.next()), 1, 99);
  const rects = placeRects(rng, ring, houses, rng.int(10, 14), rng.int(8, 12), true);
  const entrances = rects.map((r, i) => {
    const b = node(ctx, group, group.code + pad(i + 1, 2), `${i + 1}号`, 'building', 'house', r);
    return node(ctx, b, b.code + '1', '1单元', 'entrance', null, r);
  });
  households.forEach((members, i) => {
    // One household per house; with more households than 99 houses, houses are shared by rooms.
    const e = entrances[i % entrances.length];
    ctx.pending.push(...personsOf(ctx, members, { jurisdictionId: e.id, room: i < entrances.length ? null : String(Math.floor(i / entrances.length) + 1) }));
  });
}

/** Compounds of 200–5,000 people: urban sizes are drawn around 1,200 (log-normal), village groups 250–600. */
export const COMPOUND_MIN = 200;
export const COMPOUND_MAX = 5000;

/**
 * How many compounds `people` make: about `people / typical`, but never so many that one falls below
 * COMPOUND_MIN, nor so few that one exceeds COMPOUND_MAX (shares vary ±20%, see `apportion` below).
 */
function compoundCount(people: number, typical: number, cap: number): number {
  const most = Math.max(1, Math.floor(people / (COMPOUND_MIN * 1.5)));
  const least = Math.max(1, Math.ceil(people / (COMPOUND_MAX / 1.5)));
  return clamp(Math.round(people / typical), Math.min(least, cap), Math.min(most, cap));
}

/** A log-normal draw: median `m`, spread `sigma` (Box–Muller on the seeded PRNG). */
function logNormal(rng: Rng, m: number, sigma: number): number {
  const u = Math.max(rng.next(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  return m * Math.exp(sigma * z);
}

/**
 * Plans one district lazily: yields pieces (nodes, then the persons living in them) of about a
 * thousand persons, so even a district of millions never sits in memory at once.
 */
function* planDistrictPieces(spec: DistrictSpec, ring: Ring, cityNode: NewJurisdiction, residents: number, seed: string, originIds: Set<string>): Generator<CityPiece> {
  const rng = new Rng(`${seed}/${spec.code}`);
  const ctx: Ctx = { rng, nodes: [], pending: [], usedIds: new Set(), originIds, spec };
  const take = (min: number): CityPiece | null => {
    if (ctx.pending.length < min || (ctx.pending.length === 0 && ctx.nodes.length === 0)) return null;
    const piece = { district: spec, nodes: ctx.nodes, persons: ctx.pending };
    ctx.nodes = [];
    ctx.pending = [];
    return piece;
  };
  const district = node(ctx, cityNode, spec.code, spec.name, 'district', spec.kind, ring);

  const streetsN = clamp(Math.round(Math.sqrt(residents / 200)), 1, 12);
  const urbanStreets = Math.round(streetsN * spec.urban);
  const streetRings = partition(rng, ring, streetsN);
  const streetShares = apportion(residents, streetRings.map(() => rng.range(0.6, 1.4)));
  const urbanName = uniqueNamer(rng, () => twoPart(rng, URBAN_A, URBAN_B));
  const natureName = uniqueNamer(rng, () => twoPart(rng, NATURE_A, NATURE_B));
  const familyName = uniqueNamer(rng, () => `${rng.pick(SURNAME_LIST)}家${rng.pick(FAMILY_SUFFIX)}`);
  let seqStreet = 0;
  let seqTown = 100;
  let seqTownship = 200;
  // Urban 街道 take the streets nearest the city centre.
  const order = streetRings.map((r, i) => i).sort((a, b) => {
    const ca = centroid(streetRings[a]);
    const cb = centroid(streetRings[b]);
    return Math.hypot(ca[0] - YICHANG.centre[0], ca[1] - YICHANG.centre[1]) - Math.hypot(cb[0] - YICHANG.centre[0], cb[1] - YICHANG.centre[1]) || a - b;
  });
  const isUrban = new Set(order.slice(0, urbanStreets));

  for (let si = 0; si < streetRings.length; si++) {
    const sRing = streetRings[si];
    const urban = isUrban.has(si);
    const kind = urban ? 'street' : rng.chance(0.75) ? 'town' : 'township';
    const seq = kind === 'street' ? ++seqStreet : kind === 'town' ? ++seqTown : ++seqTownship;
    const stem = urban ? urbanName() : natureName();
    const street = node(ctx, district, `${spec.code}${pad(seq, 3)}000`, `${stem}${kind === 'street' ? '街道' : kind === 'town' ? '镇' : '乡'}`, 'street', kind, sRing);
    const rS = streetShares[si];
    // Communities (社区/村) of a few thousand people each, so that compounds can reach their real sizes.
    // A town has its seat (a 社区) and at least one village when it has people enough for both.
    const communitiesN = urban ? clamp(Math.round(rS / 3000), 1, 15) : clamp(Math.round(rS / 1500), rS >= 3.5 * COMPOUND_MIN ? 2 : 1, 15);
    const cRings = partition(rng, sRing, communitiesN);
    const cShares = apportion(rS, cRings.map(() => rng.range(0.6, 1.4)));
    let seqCommunity = 0;
    let seqVillage = 200;
    for (let ci = 0; ci < cRings.length; ci++) {
      const cRing = cRings[ci];
      // Towns and townships have one 社区 (the town seat) and villages; urban streets only 社区.
      const village = !urban && ci > 0;
      const cCode = `${street.code.slice(0, 9)}${pad(village ? ++seqVillage : ++seqCommunity, 3)}`;
      const cName = village ? `${rng.chance(0.6) ? familyName() : natureName()}村` : `${urbanName()}社区`;
      const community = node(ctx, street, cCode, cName, 'community', village ? 'village' : 'community', cRing);
      const rC = cShares[ci];
      const groupsN = village ? compoundCount(rC, rng.int(250, 600), 99) : compoundCount(rC, clamp(logNormal(rng, 1200, 0.6), COMPOUND_MIN, COMPOUND_MAX), 999);
      const kRings = partition(rng, cRing, groupsN);
      const sizes = apportion(rC, kRings.map(() => rng.range(0.8, 1.2)));
      const compoundName = village ? null : uniqueNamer(rng, () => rng.pick(COMPOUND_PATTERN).replace('{}', twoPart(rng, URBAN_A, URBAN_B)));
      for (let ki = 0; ki < kRings.length; ki++) {
        if (village) ruralGroup(ctx, community, ki + 1, kRings[ki], sizes[ki]);
        else urbanCompound(ctx, community, ki + 1, compoundName!(), kRings[ki], sizes[ki]);
        const piece = take(1000);
        if (piece) yield piece;
      }
    }
  }
  const last = take(0);
  if (last) yield last;
}

/** One district's whole plan (the pieces collected): for tests and small cities. */
function planDistrict(spec: DistrictSpec, ring: Ring, cityNode: NewJurisdiction, residents: number, seed: string, originIds: Set<string>): DistrictPlan {
  const nodes: NewJurisdiction[] = [];
  const batches: PersonInput[][] = [];
  for (const p of planDistrictPieces(spec, ring, cityNode, residents, seed, originIds)) {
    nodes.push(...p.nodes);
    if (p.persons.length) batches.push(p.persons);
  }
  return { spec, nodes, batches, persons: batches.reduce((s, b) => s + b.length, 0) };
}

/** The city outline: a convex, slightly irregular polygon filling the real bounds. */
function cityRing(seed: string): Ring {
  const rng = new Rng(`${seed}/city`);
  const [x0, y0, x1, y1] = YICHANG.bounds;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const pts: Pt[] = [];
  for (let i = 0; i < 28; i++) {
    const a = (2 * Math.PI * i) / 28;
    const f = rng.range(0.9, 1.12);
    pts.push([clamp(cx + Math.cos(a) * ((x1 - x0) / 2) * f, x0, x1), clamp(cy + Math.sin(a) * ((y1 - y0) / 2) * f, y0, y1)]);
  }
  return roundRing(convexHull(pts));
}

/**
 * Plans the whole city without touching the database: the city node and, lazily, one district at
 * a time (`districts`) or piece by piece (`pieces`, what the loader uses: constant memory at any
 * size). Deterministic for a seed and size.
 */
export function planDemoCity(opts: DemoCityOptions = {}): { city: NewJurisdiction; residents: number; districts: () => Generator<DistrictPlan>; pieces: () => Generator<CityPiece> } {
  const seed = opts.seed ?? 'bulwark-yichang-v1';
  const residents = Math.max(0, Math.floor(opts.residents ?? DEMO_DEFAULT_RESIDENTS));
  const ring = cityRing(seed);
  const city: NewJurisdiction = { id: newId(), code: YICHANG.code, name: YICHANG.name, level: 'city', kind: 'city', parentId: null, path: `/${YICHANG.code}/`, ring, population: 0 };
  // Power diagram: weight ∝ (half the side of a square of the real area)², damped so that every
  // cell still contains its seed (checked below) and stays near its real place.
  const weights = DISTRICTS.map((d) => POWER_ALPHA * (Math.sqrt(d.km2) / 111 / 2) ** 2);
  const cells = voronoiCells(ring, DISTRICTS.map((d) => d.seed), weights).map(roundRing);
  cells.forEach((c, i) => {
    if (c.length < 3 || !pointInRing(DISTRICTS[i].seed, c)) throw new Error(`District ${DISTRICTS[i].name} lost its seed; retune the seeds`);
  });
  const shares = apportion(residents, DISTRICTS.map((d) => d.weight));
  return {
    city,
    residents,
    districts: function* () {
      const originIds = new Set<string>();
      for (let i = 0; i < DISTRICTS.length; i++) yield planDistrict(DISTRICTS[i], cells[i], city, shares[i], seed, originIds);
    },
    pieces: function* () {
      const originIds = new Set<string>();
      for (let i = 0; i < DISTRICTS.length; i++) yield* planDistrictPieces(DISTRICTS[i], cells[i], city, shares[i], seed, originIds);
    },
  };
}

/** Named population sizes of `bulwark city generate --scale`. */
export const CITY_SCALES = { yichang: 4_000_000, shanghai: 25_000_000 } as const;

export interface GenerateProgress {
  /** Persons written so far, and in all. */
  done: number;
  total: number;
  /** What is being written (a district's name). */
  what: string;
  /** Jurisdiction nodes written so far. */
  nodes: number;
}

/**
 * Loads a generated city into an empty database through the fast bulk path: the tree with
 * geometry, households and persons. Each district is one transaction (pieces of about a thousand
 * persons inside it); nodes are journaled per 5,000, persons per 500 (digests), the population
 * counters move once per node per piece. Deterministic: the same seed and size give the same city.
 */
export async function generateCity(deps: Deps, opts: DemoCityOptions & { onProgress?: (p: GenerateProgress) => void } = {}): Promise<{ jurisdictions: number; residents: number; households: number }> {
  const existing = await deps.services.geo.count();
  if (existing > 0) throw new Error(`The database already holds ${existing} jurisdictions; generate a city into an empty database`);
  const actor = systemActor('demo');
  const plan = planDemoCity(opts);
  const { geo, population, journal } = deps.services;
  const progress: GenerateProgress = { done: 0, total: plan.residents, what: YICHANG.name, nodes: 1 };
  let households = 0;
  opts.onProgress?.({ ...progress });
  await inTx(deps.db, async (trx) => {
    await geo.insertMany(trx, [plan.city]);
    await journal.appendBatch(trx, actor, { action: 'geo.jurisdiction.import', entityType: 'jurisdiction', jurisdictionPath: plan.city.path, rows: [nodeDigestRow(plan.city)], summary: { nodes: 1, source: 'demo' } });
  });
  // The person and household tables are empty (the database holds no jurisdictions): build their
  // secondary indexes once at the end instead of row by row (see db/deferred-indexes.ts).
  await deferIndexes(deps.db, ['persons', 'households'], deps.clock.now());
  const places = new Map<string, PlaceRef>();
  let pending: CityPiece[] = [];
  const flushDistrict = async () => {
    if (pending.length === 0) return;
    const pieces = pending;
    pending = [];
    await inTx(deps.db, async (trx) => {
      const nodes = pieces.flatMap((p) => p.nodes);
      await geo.insertMany(trx, nodes);
      for (let i = 0; i < nodes.length; i += 5000) {
        await journal.appendBatch(trx, actor, {
          action: 'geo.jurisdiction.import',
          entityType: 'jurisdiction',
          jurisdictionPath: nodes[0].path,
          rows: nodes.slice(i, i + 5000).map(nodeDigestRow),
          summary: { nodes: Math.min(5000, nodes.length - i), source: 'demo' },
        });
      }
      for (const p of pieces) {
        if (p.persons.length === 0) continue;
        const r = await population.bulkLoad(trx, actor, p.persons, places);
        households += r.households;
        progress.done += r.persons;
        opts.onProgress?.({ ...progress, what: `${p.district.name} 居民` });
      }
    });
    progress.nodes += pieces.reduce((s, p) => s + p.nodes.length, 0);
    places.clear();
  };
  // A district's nodes and persons go in together (one transaction), in pieces of at most
  // ~50,000 persons so that a very large district does not build one huge transaction.
  let current: string | null = null;
  let inPending = 0;
  try {
    for (const piece of plan.pieces()) {
      if (current !== piece.district.code || inPending >= 50_000) {
        await flushDistrict();
        current = piece.district.code;
        inPending = 0;
        opts.onProgress?.({ ...progress, what: `${piece.district.name} 辖区` });
      }
      for (const n of piece.nodes) places.set(n.id, { id: n.id, path: n.path, level: n.level, parentId: n.parentId });
      pending.push(piece);
      inPending += piece.persons.length;
    }
    await flushDistrict();
  } catch (err) {
    // What was loaded stays (each piece committed on its own): give it its indexes back.
    await restoreDeferredIndexes(deps.db).catch(() => undefined);
    throw err;
  }
  opts.onProgress?.({ ...progress, what: '建立索引 indexes' });
  await restoreDeferredIndexes(deps.db);
  return { jurisdictions: progress.nodes, residents: progress.done, households };
}

/**
 * Loads the demo city into an empty database (the `demo` command): `generateCity` with the demo's
 * defaults. Progress: `onProgress(done, total, what)` with persons as the unit.
 */
export async function seedDemoCity(
  deps: Deps,
  onProgress?: (done: number, total: number, what: string) => void,
  opts: DemoCityOptions = {},
): Promise<{ jurisdictions: number; residents: number }> {
  const r = await generateCity(deps, { ...opts, onProgress: (p) => onProgress?.(p.done, p.total, p.what) });
  return { jurisdictions: r.jurisdictions, residents: r.residents };
}

function nodeDigestRow(n: NewJurisdiction) {
  return { id: n.id, code: n.code, name: n.name, level: n.level, kind: n.kind, path: n.path, ring: n.ring };
}

/** Area of a ring in km² (for checks and the README's description of the generated city). */
export function areaKm2(r: Ring): number {
  return area(r) / (LNG_M * LAT_M) / 1e6;
}
