/**
 * The people of the demo city and the compounds (小区) and buildings they live in: synthetic but
 * plausible. Households of 1–5 with a plausible age pyramid, in rooms of urban entrances (floor +
 * flat: `1203`) or in rural houses; a few percent are non-residents staying in urban buildings.
 * ID numbers are valid GB 11643 numbers whose address code is the district's `idRegion` (never a
 * local code such as 宜昌高新区's 420571); ~8% carry vulnerability flags, skewed to the elderly.
 */
import type { JurisdictionLevel, Sex, VulnerableFlag } from '../../common/geo.js';
import type { NewJurisdiction, Ring } from '../modules/geo/index.js';
import { makeResidentId, type PersonInput } from '../modules/population/index.js';
import { utcDay } from '../platform/clock.js';
import { newId } from '../platform/ids.js';
import type { DistrictSpec } from './city-data.js';
import { placeRects, strips } from './layout.js';
import { clamp, pad, type Rng } from './rng.js';

/** The day the demo population's ages are counted from (fixed, so runs on any date agree). */
export const DEMO_REFERENCE_DAY = '2026-11-01';

export const URBAN_A = [
  '东',
  '西',
  '南',
  '北',
  '中',
  '新',
  '学',
  '云',
  '桃',
  '柳',
  '滨',
  '江',
  '港',
  '金',
  '银',
  '宝',
  '和',
  '平',
  '安',
  '福',
  '康',
  '华',
  '兴',
  '文',
  '长',
  '峡',
  '湖',
  '锦',
  '星',
  '翠',
  '东湖',
  '夷陵',
  '三峡',
  '葛洲',
  '西湖',
  '紫阳',
  '望洲',
  '胜利',
  '解放',
  '建设',
  '白沙',
  '万达',
  '清江',
  '桔城',
  '楚天',
];
export const URBAN_B = ['山', '苑', '岸', '湾', '桥', '港', '河', '坪', '园', '岭', '洲', '湖', '城', '门', '塔', '口', '阳', '林', '亭', '坝', '江', '滨'];
export const COMPOUND_PATTERN = [
  '{}花园',
  '{}苑',
  '{}小区',
  '{}佳园',
  '{}家园',
  '{}雅居',
  '{}名邸',
  '{}新村',
  '{}公寓',
  '{}华府',
  '{}丽景',
  '{}锦城',
  '{}壹号',
  '{}御景',
  '{}春天',
];
const GROUP_NAMES = ['一组', '二组', '三组', '四组', '五组', '六组', '七组', '八组', '九组', '十组'];

/** Surnames weighted roughly by frequency (覃 向 谭 田 are common among the Tujia of 长阳 and 五峰). */
const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 72],
  ['李', 71],
  ['张', 68],
  ['刘', 54],
  ['陈', 45],
  ['杨', 31],
  ['黄', 24],
  ['赵', 22],
  ['吴', 20],
  ['周', 20],
  ['徐', 16],
  ['孙', 15],
  ['马', 13],
  ['朱', 13],
  ['胡', 13],
  ['郭', 12],
  ['何', 12],
  ['高', 11],
  ['林', 11],
  ['罗', 11],
  ['郑', 10],
  ['梁', 9],
  ['谢', 8],
  ['宋', 8],
  ['唐', 7],
  ['许', 7],
  ['韩', 7],
  ['冯', 7],
  ['邓', 7],
  ['曹', 6],
  ['彭', 6],
  ['曾', 6],
  ['肖', 6],
  ['田', 6],
  ['董', 5],
  ['袁', 5],
  ['潘', 5],
  ['覃', 5],
  ['向', 5],
  ['谭', 5],
  ['望', 2],
  ['易', 3],
  ['文', 3],
  ['熊', 4],
  ['万', 3],
];
const GIVEN_MALE = [
  '伟',
  '强',
  '磊',
  '军',
  '勇',
  '杰',
  '涛',
  '斌',
  '超',
  '明',
  '刚',
  '平',
  '辉',
  '鹏',
  '华',
  '飞',
  '鑫',
  '波',
  '宇',
  '浩',
  '凯',
  '健',
  '俊',
  '帆',
  '帅',
  '旭',
  '宁',
  '龙',
  '林',
  '洋',
  '东',
  '峰',
  '建',
  '国',
  '志',
  '文',
  '海',
  '成',
  '德',
  '兵',
  '晨',
  '博',
  '子',
  '轩',
  '睿',
  '航',
  '泽',
  '宏',
  '家',
  '振',
];
const GIVEN_FEMALE = [
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '艳',
  '娟',
  '霞',
  '秀',
  '玲',
  '桂',
  '英',
  '婷',
  '雪',
  '慧',
  '莉',
  '琳',
  '倩',
  '洁',
  '颖',
  '萍',
  '红',
  '梅',
  '兰',
  '欣',
  '怡',
  '佳',
  '悦',
  '蕾',
  '晶',
  '燕',
  '琴',
  '瑶',
  '雨',
  '思',
  '梦',
  '诗',
  '涵',
  '可',
  '馨',
  '露',
  '月',
  '春',
  '凤',
  '云',
  '丹',
  '彤',
  '薇',
  '妍',
  '嘉',
];

/** Regions of origin of non-residents, with the division code their IDs carry. */
const ORIGINS: readonly (readonly [string, string])[] = [
  ['湖北省武汉市', '420100'],
  ['湖北省荆州市', '421000'],
  ['湖北省恩施土家族苗族自治州', '422800'],
  ['湖北省襄阳市', '420600'],
  ['湖北省荆门市', '420800'],
  ['湖南省长沙市', '430100'],
  ['湖南省常德市', '430700'],
  ['重庆市', '500100'],
  ['河南省南阳市', '411300'],
  ['四川省成都市', '510100'],
  ['广东省深圳市', '440300'],
  ['江西省南昌市', '360100'],
];

const MOBILE_PREFIXES = [
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '177',
  '180',
  '181',
  '182',
  '183',
  '186',
  '187',
  '188',
  '189',
  '199',
];

/** Draws names without repeating one among siblings. */
export function uniqueNamer(rng: Rng, make: () => string): () => string {
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

export function twoPart(rng: Rng, a: readonly string[], b: readonly string[]): string {
  for (;;) {
    const x = rng.pick(a);
    const y = rng.pick(b);
    if (!x.endsWith(y)) return x + y;
  }
}

function birthDateFor(rng: Rng, age: number): string {
  const ref = new Date(`${DEMO_REFERENCE_DAY}T00:00:00Z`);
  const d = new Date(Date.UTC(ref.getUTCFullYear() - age, ref.getUTCMonth(), ref.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - rng.int(0, 364));
  return utcDay(d);
}

interface Member {
  sex: Sex;
  age: number;
  surname: string;
  role: 'head' | 'spouse' | 'child' | 'elder';
}

function householdSize(rng: Rng): number {
  return rng.weighted([
    [1, 15],
    [2, 30],
    [3, 28],
    [4, 17],
    [5, 10],
  ] as const);
}

function composeHousehold(rng: Rng, size: number): Member[] {
  const surname = rng.weighted(SURNAMES);
  if (size === 1) {
    const age = rng.weighted([
      [rng.int(20, 39), 30],
      [rng.int(40, 64), 25],
      [rng.int(65, 95), 45],
    ] as const);
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

export interface CityPiece {
  district: DistrictSpec;
  nodes: NewJurisdiction[];
  persons: PersonInput[];
}

export interface Ctx {
  rng: Rng;
  nodes: NewJurisdiction[];
  pending: PersonInput[];
  /** Resident IDs used with this district's `idRegion` (shared by the districts with the same region). */
  usedIds: Set<string>;
  /** The ID sequence numbers (3 digits) this district draws from: a zone and the county it lies in use disjoint ranges. */
  seqRange: readonly [number, number];
  /** IDs of non-residents, whose regions lie outside the city: shared by all districts. */
  originIds: Set<string>;
  spec: DistrictSpec;
}

export function node(
  ctx: Ctx,
  parent: NewJurisdiction,
  code: string,
  name: string,
  level: JurisdictionLevel,
  kind: string | null,
  ring: Ring | null,
): NewJurisdiction {
  const n: NewJurisdiction = {
    id: newId(),
    code,
    name,
    level,
    kind,
    parentId: parent.id,
    path: `${parent.path}${code}/`,
    ring,
    population: 0,
    localCode: ctx.spec.localCode,
  };
  ctx.nodes.push(n);
  return n;
}

function residentIdFor(ctx: Ctx, region: string, birthDate: string, sex: Sex): string {
  const own = region === ctx.spec.idRegion;
  const used = own ? ctx.usedIds : ctx.originIds;
  const [lo, hi] = own ? ctx.seqRange : ([0, 999] as const);
  const span = hi - lo + 1;
  let seq = ctx.rng.int(lo, hi);
  for (let i = 0; i < span; i++, seq = lo + ((seq - lo + 2) % span)) {
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
      idNumber: residentIdFor(ctx, ctx.spec.idRegion, birthDate, m.sex),
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

export function urbanCompound(ctx: Ctx, community: NewJurisdiction, seq: number, name: string, ring: Ring, residents: number): void {
  const { rng } = ctx;
  const compound = node(ctx, community, community.code + pad(seq, 3), name, 'compound', 'urban', ring);
  const nonResidents = Math.floor(residents * 0.03 + rng.next());
  const households = fillHouseholds(rng, residents - nonResidents);
  const era = rng.weighted([
    ['old', 3],
    ['mid', 4],
    ['new', 3],
  ] as const);
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
    ctx.pending.push(
      ...personsOf(ctx, members, { jurisdictionId: slot.entrance.id, room: i < slots.length ? slot.room : `${slot.room}-${Math.floor(i / slots.length)}` }),
    );
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

export function ruralGroup(ctx: Ctx, village: NewJurisdiction, seq: number, ring: Ring, residents: number): void {
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
export function compoundCount(people: number, typical: number, cap: number): number {
  const most = Math.max(1, Math.floor(people / (COMPOUND_MIN * 1.5)));
  const least = Math.max(1, Math.ceil(people / (COMPOUND_MAX / 1.5)));
  return clamp(Math.round(people / typical), Math.min(least, cap), Math.min(most, cap));
}

/** A log-normal draw: median `m`, spread `sigma` (Box–Muller on the seeded PRNG). */
export function logNormal(rng: Rng, m: number, sigma: number): number {
  const u = Math.max(rng.next(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  return m * Math.exp(sigma * z);
}
