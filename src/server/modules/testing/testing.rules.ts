/**
 * The vocabulary and the pure rules of mass testing (核酸检测): pool sizes, barcodes, results and Ct
 * values, name masking, seasons, distances, the pool-size advisor and the capacity planner maths.
 * No database: the services apply them, the web may show them.
 */
import { calendarDay } from '../../platform/clock.js';
import { parseCsvRecords } from '../../platform/csv.js';
import { itemAt } from '../../platform/items.js';

/** Pool sizes: 1 = single tube (单管), 5/10/20 = mixed sampling (5合1, 10合1, 20合1). */
export const POOL_SIZES = [1, 5, 10, 20] as const;
export type PoolSize = (typeof POOL_SIZES)[number];

/**
 * One tube per household (1户1管): the tube takes exactly the members of one household, sampled at
 * their door. Stored as pool size 0 in a campaign's pool modes (a fixed site never opens such a tube).
 */
export const POOL_HOUSEHOLD = 0;
/** A campaign's pool modes: a pool size, or one tube per household (0). */
export const POOL_MODES = [POOL_HOUSEHOLD, ...POOL_SIZES] as const;
export type PoolMode = (typeof POOL_MODES)[number];
export const POOL_MODE_LABELS: Record<PoolMode, { zh: string; en: string }> = {
  0: { zh: '1户1管', en: 'One tube per household' },
  1: { zh: '单管单检', en: 'Single tube' },
  5: { zh: '5合1混采', en: '5-in-1 pool' },
  10: { zh: '10合1混采', en: '10-in-1 pool' },
  20: { zh: '20合1混采', en: '20-in-1 pool' },
};

/** Where a number comes from: the text, or `local` when no text gives it (a local parameter). */
export interface Sourced {
  source: string;
  local: boolean;
}

/**
 * THE RISK-AREA POOL RULE: a campaign over risk areas takes its pool mode from the area.
 * - sealed (封控区, high areas): one tube per household (1户1管) or a single tube, sampled at the door:
 *   《全员新型冠状病毒核酸检测组织实施指南（第二版）》 (Sept 2021): "隔离点及其他重点人群应单采单检，
 *   封闭小区（封闭到户）1户1管"; kept for sealed areas by the regional guide
 *   《区域新型冠状病毒核酸检测组织实施指南（第三版）》 (March 2022).
 * - controlled (管控区, medium areas): 10-in-1; elsewhere: 20-in-1 — as issue 13 attributes them to the
 *   2022 regional guide. Not checked against the guide's text here (the second edition gives 5-in-1
 *   or 10-in-1 for "other areas"), so both are marked local parameters until a text confirms them.
 */
export const AREA_POOL_RULE: Record<'sealed' | 'controlled' | 'elsewhere', Sourced & { mode: PoolMode; allowed: readonly PoolMode[] }> = {
  sealed: {
    mode: POOL_HOUSEHOLD,
    allowed: [POOL_HOUSEHOLD, 1],
    source: '《全员新型冠状病毒核酸检测组织实施指南（第二版）》2021-09: 封闭小区（封闭到户）1户1管; 重点人群单采单检',
    local: false,
  },
  controlled: {
    mode: 10,
    allowed: [10],
    source: '《区域新型冠状病毒核酸检测组织实施指南》2022 (as cited in issue 13; not checked against the text)',
    local: true,
  },
  elsewhere: {
    mode: 20,
    allowed: [20],
    source: '《区域新型冠状病毒核酸检测组织实施指南》2022 (as cited in issue 13; not checked against the text)',
    local: true,
  },
};

/**
 * THE LAB TURNAROUND TARGET (the lab worklist, issue 16): hours from a tube's receipt at the lab to its
 * result, past which the tube is overdue. A local parameter: the national texts the repository cites
 * (the regional testing guide, third edition, March 2022) set the time to finish a whole round (24 h),
 * and no text checked here gives a per-tube reporting time. 6 h is the value set locally until one does.
 */
export const LAB_TURNAROUND: Sourced & { hours: number } = {
  hours: 6,
  source: '本地参数：实验室检测时限（自接收至报告结果）· Local parameter: lab turnaround from receipt to result',
  local: true,
};

export const CAMPAIGN_STATUSES = ['planned', 'active', 'closed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const SITE_KINDS = ['vacant_flat', 'idle_warehouse', 'open_land', 'tent', 'fixed_clinic'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];
export const SITE_KIND_LABELS: Record<SiteKind, { zh: string; en: string }> = {
  vacant_flat: { zh: '空置房屋', en: 'Vacant flat' },
  idle_warehouse: { zh: '闲置仓库', en: 'Idle warehouse' },
  open_land: { zh: '留白空地', en: 'Open land' },
  tent: { zh: '帐篷', en: 'Tent' },
  fixed_clinic: { zh: '固定采样点', en: 'Fixed clinic' },
};

/** Four-season readiness (春能躲雨、夏能避暑、秋能防风、冬能保暖): one aspect per season. */
export const READINESS_ASPECTS = ['rain', 'heat', 'wind', 'cold'] as const;
export type ReadinessAspect = (typeof READINESS_ASPECTS)[number];
export const SEASONS = ['spring', 'summer', 'autumn', 'winter'] as const;
export type Season = (typeof SEASONS)[number];
export const SEASON_ASPECT: Record<Season, ReadinessAspect> = { spring: 'rain', summer: 'heat', autumn: 'wind', winter: 'cold' };
export const ASPECT_LABELS: Record<ReadinessAspect, { zh: string; en: string }> = {
  rain: { zh: '春能躲雨', en: 'Shelter from rain (spring)' },
  heat: { zh: '夏能避暑', en: 'Shelter from heat (summer)' },
  wind: { zh: '秋能防风', en: 'Shelter from wind (autumn)' },
  cold: { zh: '冬能保暖', en: 'Warmth in cold (winter)' },
};

export const TUBE_KINDS = ['pool', 'recheck'] as const;
export const TUBE_STATUSES = ['awaiting_sample', 'open', 'closed', 'received', 'resulted'] as const;
export type TubeStatus = (typeof TUBE_STATUSES)[number];

export const RESULTS = ['negative', 'positive', 'suspicious', 'invalid'] as const;
export type TestResult = (typeof RESULTS)[number];
export const RESULT_LABELS: Record<TestResult, { zh: string; en: string }> = {
  negative: { zh: '阴性', en: 'Negative' },
  positive: { zh: '阳性', en: 'Positive' },
  suspicious: { zh: '可疑', en: 'Suspicious' },
  invalid: { zh: '无效（需重采）', en: 'Invalid (re-sample)' },
};
/** Results that start a single-tube recheck of the pool's persons. */
export const isReactive = (r: string | null | undefined): boolean => r === 'positive' || r === 'suspicious';
/** Results that count as "resulted" in coverage (invalid means the person must be sampled again). */
export const isValidResult = (r: string | null | undefined): boolean => r === 'negative' || r === 'positive' || r === 'suspicious';

export const FLAG_KINDS = ['person_sampled_twice', 'conflicting_results', 'tube_reused', 'tube_over_pool', 'device_time_out_of_range'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];
export const FLAG_LABELS: Record<FlagKind, { zh: string; en: string }> = {
  person_sampled_twice: { zh: '同一轮次重复采样', en: 'Person sampled twice in one campaign' },
  conflicting_results: { zh: '同一采样管结果不一致', en: 'Two different results for one tube' },
  tube_reused: { zh: '采样管跨轮次重复使用', en: 'Tube reused across campaigns' },
  tube_over_pool: { zh: '采样管超出混采人数', en: 'Tube over its pool size' },
  device_time_out_of_range: { zh: '设备时间异常（已按服务器时间记录）', en: 'Device time out of range (recorded at server time)' },
};

/**
 * What a scan answer tells the sampler about the person (issue 16): someone under home quarantine
 * (居家隔离) or central quarantine (集中隔离), or living in a sealed area (封控区, 足不出户), should be
 * sampled at home or where they stay, not at a site; their presence at a site is a matter for their
 * community. Read from the person's control status when the scan is answered; nothing is stored.
 */
export const SCAN_ATTENTION = ['home_quarantine', 'central_quarantine', 'sealed_area'] as const;
export type ScanAttention = (typeof SCAN_ATTENTION)[number];

/** The attention a control status calls for at a sampling site (none for the other statuses). */
export function attentionOf(status: string): ScanAttention | null {
  if (status === 'quarantined_home') return 'home_quarantine';
  if (status === 'quarantined_central') return 'central_quarantine';
  if (status === 'sealed') return 'sealed_area';
  return null;
}

/**
 * The window a device's own time (a scan's, a tube's opening or closing `at`) must fall in around
 * the server clock: offline scanners sync late, so up to 7 days back; clocks drift, so up to 5
 * minutes ahead. Local parameters (no protocol text gives them). A time outside (a device set to year
 * 9999, 1900, or −1) is not believed: the server's time is recorded and the tube flagged.
 */
export const DEVICE_TIME_PAST_MS = 7 * 86_400_000;
export const DEVICE_TIME_FUTURE_MS = 5 * 60_000;

/** A device time checked against the window: the time to record, and whether the device's was refused. */
export function boundDeviceTime(at: number | undefined, now: number): { at: number; outOfRange: boolean } {
  if (at === undefined) return { at: now, outOfRange: false };
  if (at < now - DEVICE_TIME_PAST_MS || at > now + DEVICE_TIME_FUTURE_MS) return { at: now, outOfRange: true };
  return { at, outOfRange: false };
}

export const RECHECK_STATUSES = ['awaiting_sample', 'sampled', 'negative', 'positive'] as const;
export type RecheckStatus = (typeof RECHECK_STATUSES)[number];

/** Control statuses exempted from a campaign's target by default: persons in quarantine are tested on their own schedule. */
export const DEFAULT_EXEMPT_STATUSES = ['quarantined_central', 'quarantined_home'] as const;

/** National guidance (regional testing guide, 3rd edition, March 2022): an area is tested within 24 hours. */
export const DEFAULT_CAMPAIGN_HOURS = 24;
export const DEFAULT_RECHECK_HOURS = 12;
/** People sampled per lane-hour (the Xi'an figure: 12.3 M people, 11,669 tables, 24 h). */
export const DEFAULT_LANE_THROUGHPUT = 44;
/** The 15-minute circle: a site within this straight-line distance of each compound. */
export const DEFAULT_SITE_RADIUS_M = 1200;

/** Barcodes: upper-case letters and digits, 8–20 characters. */
export const BARCODE_PATTERN = /^[A-Z0-9]{8,20}$/;

/** A barcode as scanned: trimmed and upper-cased, or null when its format is not a tube's. */
export function normalizeBarcode(raw: string | null | undefined): string | null {
  const b = (raw ?? '').trim().toUpperCase();
  return BARCODE_PATTERN.test(b) ? b : null;
}

/**
 * Ct (cycle threshold) values of a real-time RT-PCR run of at most 45 cycles: anything outside
 * 0–45 is a transcription or instrument error. (Protocol, 9th edition: positive when ORF1ab and N
 * are both below 40.)
 */
export const CT_MIN = 0;
export const CT_MAX = 45;
export function ctInRange(ct: number | null | undefined): boolean {
  return ct === null || ct === undefined || (Number.isFinite(ct) && ct >= CT_MIN && ct <= CT_MAX);
}

/** A name for lists seen by samplers and residents: 张三 → 张*, 欧阳娜娜 → 欧**娜. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

/** Every prefix of a jurisdiction path, root first: `/a/b/` → [`/a/`, `/a/b/`]. */
export function pathPrefixes(path: string): string[] {
  const segs = path.split('/').filter(Boolean);
  const out: string[] = [];
  let acc = '/';
  for (const s of segs) {
    acc += `${s}/`;
    out.push(acc);
  }
  return out;
}

/** The prefix of `path` with `n` segments (city = 1, district = 2, street = 3, community = 4, compound = 5, building = 6), or null when shorter. */
export function pathAtDepth(path: string, n: number): string | null {
  const segs = path.split('/').filter(Boolean);
  return segs.length >= n ? `/${segs.slice(0, n).join('/')}/` : null;
}

export { commonPath } from '../../platform/paths.js';

/** The season an instant falls in, in the given zone (meteorological seasons: spring = March–May). */
export function seasonAt(ms: number, tz: string): Season {
  const month = Number(calendarDay(ms, tz).slice(5, 7));
  if (month >= 3 && month <= 5) return 'spring';
  if (month >= 6 && month <= 8) return 'summer';
  if (month >= 9 && month <= 11) return 'autumn';
  return 'winter';
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in metres between two [lng, lat] points (haversine). */
export function haversineM(a: readonly [number, number], b: readonly [number, number]): number {
  const dLat = rad(b[1] - a[1]);
  const dLng = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A lat/lng grid of points whose cells are at least `radiusM` wide, so every point within
 * `radiusM` of a query lies in the query's cell or one of its eight neighbours: a city's compounds
 * are checked against nearby sites only, not against all of them.
 */
export class PointGrid<T> {
  private readonly cells = new Map<string, { pt: [number, number]; item: T }[]>();
  private readonly latStep: number;
  private readonly lngStep: number;

  constructor(
    private readonly radiusM: number,
    /** A latitude of the area (the widest longitude step needed is at the pole-most point; pass the max |lat|). */
    maxAbsLat: number,
  ) {
    this.latStep = radiusM / 111_320;
    this.lngStep = radiusM / (111_320 * Math.max(0.01, Math.cos(rad(Math.min(89, Math.abs(maxAbsLat))))));
  }

  private key(pt: readonly [number, number], dx = 0, dy = 0): string {
    return `${Math.floor(pt[0] / this.lngStep) + dx}:${Math.floor(pt[1] / this.latStep) + dy}`;
  }

  add(pt: [number, number], item: T): void {
    const k = this.key(pt);
    const list = this.cells.get(k);
    if (list) list.push({ pt, item });
    else this.cells.set(k, [{ pt, item }]);
  }

  /** The nearest point within the radius, with its distance, or undefined. */
  nearestWithin(pt: readonly [number, number]): { item: T; distanceM: number } | undefined {
    let best: { item: T; distanceM: number } | undefined;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const c of this.cells.get(this.key(pt, dx, dy)) ?? []) {
          const d = haversineM(pt, c.pt);
          if (d <= this.radiusM && (!best || d < best.distanceM)) best = { item: c.item, distanceM: d };
        }
      }
    }
    return best;
  }
}

/**
 * Dorfman two-stage pooling: with prevalence p and pools of k, the expected tests per person are
 * 1/k (the pool) + (1 − (1 − p)^k) (each person of a positive pool retested). k = 1 is one test.
 */
export function dorfmanTestsPerPerson(p: number, k: number): number {
  if (k <= 1) return 1;
  return 1 / k + 1 - (1 - p) ** k;
}

/**
 * Sensitivity of a pooled RT-PCR test relative to a single tube, lost to dilution, AS DATA. Pools of
 * 5 and 10: the published estimates cited in issue 13 (about 93 % and 91 %). A single tube is the
 * reference (1). Pools of 20 and one tube per household: no text here gives them, so they are local
 * parameters (20: extrapolated below the pool of 10; a household: taken as a pool of about 3, between
 * a single tube and a pool of 5).
 */
export const POOL_SENSITIVITY: readonly (Sourced & { mode: PoolMode; sensitivity: number })[] = [
  { mode: 1, sensitivity: 1, source: 'reference: the single tube itself', local: false },
  { mode: 5, sensitivity: 0.93, source: 'published pooled-testing estimate, pools of 5 (≈93 %), cited in issue 13', local: false },
  { mode: 10, sensitivity: 0.91, source: 'published pooled-testing estimate, pools of 10 (≈91 %), cited in issue 13', local: false },
  { mode: 20, sensitivity: 0.87, source: 'local parameter: extrapolated from the pools of 5 and 10', local: true },
  { mode: POOL_HOUSEHOLD, sensitivity: 0.95, source: 'local parameter: a household tube of about 3 persons', local: true },
];

/** Persons a household tube holds on average, for the advisor's maths (local parameter). */
export const HOUSEHOLD_POOL_PERSONS = 3;

/**
 * Weight of one person held at their door (a positive pool holds everyone in it until the single-tube
 * recheck) against one test, in the advisor's combined rank. Local parameter: one person held costs
 * as much as one test.
 */
export const HELD_WEIGHT = 1;

export interface PoolOption {
  /** Pool mode: persons per tube, or 0 for one tube per household. */
  poolSize: number;
  /** Expected tests per person: 1/k + Se(k) · (1 − (1 − p)^k) (Dorfman, retesting only pools found positive). */
  testsPerPerson: number;
  expectedTests: number;
  firstStageTubes: number;
  expectedRecheckTubes: number;
  tubesSavedVsSingle: number;
  /** Everyone in a positive pool waits at their door for the recheck: population · (1 − (1 − p)^k). */
  heldAtDoor: number;
  /** Sensitivity relative to a single tube (data: POOL_SENSITIVITY). */
  sensitivity: number;
  sensitivitySource: string;
  sensitivityLocal: boolean;
  /** Infected persons a round is expected to miss: population · p · (1 − sensitivity). */
  expectedMissed: number;
  /** 1 = fewest tests; 1 = fewest people held; 1 = best combined (tests + HELD_WEIGHT · held). */
  rankByTests: number;
  rankByHeld: number;
  rank: number;
}

export interface PoolAdvice {
  prevalence: number;
  population: number;
  /** The risk area the advice is for, if any: its rule decides the mode. */
  area: 'sealed' | 'controlled' | 'elsewhere' | null;
  /** Every allowed size with its expected tests, people held, sensitivity and ranks. */
  options: PoolOption[];
  /** The recommended mode: the risk-area rule's in a risk area, else the best combined rank. */
  recommended: number;
  /** Why: `area_rule` (the guide) or `combined_rank` (tests and people held). */
  basis: 'area_rule' | 'combined_rank';
  /** The rule applied, with its source, when `area` is given. */
  areaRule: (Sourced & { mode: number; allowed: number[] }) | null;
  /** The best k of 1–30 in theory (≈ 1/√p for small p), for context (fewest tests only). */
  optimalK: number;
}

/** Sensitivity of a pool mode (relative to a single tube), with its source. */
export function poolSensitivity(mode: number): Sourced & { sensitivity: number } {
  const hit = POOL_SENSITIVITY.find((s) => s.mode === mode);
  if (hit) return hit;
  // A size between listed ones: the next listed size above it (conservative), marked local.
  const above =
    POOL_SENSITIVITY.filter((s) => s.mode > mode && s.mode !== POOL_HOUSEHOLD).sort((a, b) => a.mode - b.mode)[0] ??
    itemAt(POOL_SENSITIVITY, 3, 'the largest listed pool');
  return { sensitivity: above.sensitivity, source: `local parameter: taken from the pool of ${above.mode}`, local: true };
}

/**
 * The pool-size advisor. For each mode: expected tests (Dorfman two-stage, with the pool's
 * sensitivity), people held at their doors by positive pools (1 − (1 − p)^k of everyone), infected
 * persons missed through dilution, and ranks by tests, by people held and combined. In a risk area
 * the rule of the regional testing guide decides (AREA_POOL_RULE); elsewhere the best combined rank.
 */
export function advisePoolSize(
  prevalence: number,
  population: number,
  sizes: readonly number[] = POOL_SIZES,
  area: 'sealed' | 'controlled' | 'elsewhere' | null = null,
): PoolAdvice {
  const p = Math.min(Math.max(prevalence, 0), 1);
  const base = sizes.map((mode) => {
    const k = mode === POOL_HOUSEHOLD ? HOUSEHOLD_POOL_PERSONS : mode;
    const se = poolSensitivity(mode);
    const positivePool = 1 - (1 - p) ** k;
    const firstStageTubes = Math.ceil(population / k);
    const expectedRecheckTubes = k === 1 ? 0 : Math.round(population * se.sensitivity * positivePool);
    const expectedTests = firstStageTubes + expectedRecheckTubes;
    const testsPerPerson = k === 1 ? 1 : 1 / k + se.sensitivity * positivePool;
    return {
      poolSize: mode,
      testsPerPerson: round(testsPerPerson, 6),
      expectedTests,
      firstStageTubes,
      expectedRecheckTubes,
      tubesSavedVsSingle: population - expectedTests,
      heldAtDoor: Math.round(population * positivePool),
      sensitivity: se.sensitivity,
      sensitivitySource: se.source,
      sensitivityLocal: se.local,
      expectedMissed: round(population * p * (1 - se.sensitivity), 2),
    };
  });
  const rankOf = (score: (o: (typeof base)[number]) => number) => {
    const order = [...base].sort((a, b) => score(a) - score(b) || a.poolSize - b.poolSize);
    return (o: (typeof base)[number]) => order.indexOf(o) + 1;
  };
  const byTests = rankOf((o) => o.expectedTests);
  const byHeld = rankOf((o) => o.heldAtDoor);
  const combined = rankOf((o) => o.expectedTests + HELD_WEIGHT * o.heldAtDoor);
  const options: PoolOption[] = base.map((o) => ({ ...o, rankByTests: byTests(o), rankByHeld: byHeld(o), rank: combined(o) }));
  const rule = area ? { ...AREA_POOL_RULE[area], allowed: [...AREA_POOL_RULE[area].allowed] } : null;
  const best = options.find((o) => o.rank === 1)!;
  let optimalK = 1;
  for (let k = 2; k <= 30; k++) if (dorfmanTestsPerPerson(p, k) < dorfmanTestsPerPerson(p, optimalK)) optimalK = k;
  return {
    prevalence: p,
    population,
    area,
    options,
    recommended: rule ? rule.mode : best.poolSize,
    basis: rule ? 'area_rule' : 'combined_rank',
    areaRule: rule,
    optimalK,
  };
}

/** Hours `lanes` lanes need to sample `persons` at `perLaneHour` each (Infinity with no lane). */
export function hoursNeeded(persons: number, lanes: number, perLaneHour: number): number {
  if (persons <= 0) return 0;
  if (lanes <= 0 || perLaneHour <= 0) return Infinity;
  return persons / (lanes * perLaneHour);
}

/** Lanes needed to sample `persons` within `hours`. */
export function lanesNeeded(persons: number, hours: number, perLaneHour: number): number {
  if (persons <= 0) return 0;
  if (hours <= 0 || perLaneHour <= 0) return Infinity;
  return Math.ceil(persons / (hours * perLaneHour));
}

/** Tubes for a target: persons ÷ pool size, rounded up, plus a margin (0.1 = 10 %). */
export function tubesFor(persons: number, poolSize: number, margin: number): number {
  return Math.ceil(Math.ceil(persons / Math.max(1, poolSize)) * (1 + margin));
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** One CSV record and its row number as a spreadsheet program shows it (the first line is row 1). */
export interface CsvRow {
  row: number;
  cells: string[];
}

/**
 * Parses CSV text with the project's one CSV parser (platform/csv.ts: RFC 4180, quoted fields,
 * doubled quotes, CRLF or LF, an optional BOM) into records with their row numbers as a spreadsheet
 * program shows them: the first line is row 1 (the header), so the first data row is row 2; a blank
 * line is skipped but still counts as a row (Excel and WPS show it as an empty row), and a quoted
 * field with line breaks stays in its record's row. The lab's result import runs it on a parse worker
 * (by this module's name and `parseCsvRows`).
 */
export function parseCsvRows(text: string): CsvRow[] {
  return parseCsvRecords(text);
}
