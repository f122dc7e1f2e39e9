/**
 * The vocabulary and the pure rules of mass testing (核酸检测): pool sizes, barcodes, results and Ct
 * values, name masking, seasons, distances, the pool-size advisor and the capacity planner maths.
 * No database: the services apply them, the web may show them.
 */
import { calendarDay } from '../../platform/clock.js';

/** Pool sizes: 1 = single tube (单管), 5/10/20 = mixed sampling (5合1, 10合1, 20合1). */
export const POOL_SIZES = [1, 5, 10, 20] as const;
export type PoolSize = (typeof POOL_SIZES)[number];

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

export interface PoolAdvice {
  prevalence: number;
  population: number;
  /** Every allowed size with its expected tests per person and totals. */
  options: { poolSize: number; testsPerPerson: number; expectedTests: number; firstStageTubes: number; expectedRecheckTubes: number; tubesSavedVsSingle: number }[];
  /** The allowed size with the fewest expected tests. */
  recommended: number;
  /** The best k of 1–30 in theory (≈ 1/√p for small p), for context. */
  optimalK: number;
}

/** The pool-size advisor: expected tests per size, the recommended size among those allowed, and tubes saved. */
export function advisePoolSize(prevalence: number, population: number, sizes: readonly number[] = POOL_SIZES): PoolAdvice {
  const p = Math.min(Math.max(prevalence, 0), 1);
  const options = sizes.map((k) => {
    const e = dorfmanTestsPerPerson(p, k);
    const firstStageTubes = Math.ceil(population / k);
    const expectedRecheckTubes = k === 1 ? 0 : Math.round(population * (1 - (1 - p) ** k));
    const expectedTests = firstStageTubes + expectedRecheckTubes;
    return { poolSize: k, testsPerPerson: round(e, 6), expectedTests, firstStageTubes, expectedRecheckTubes, tubesSavedVsSingle: population - expectedTests };
  });
  const best = options.reduce((a, b) => (b.testsPerPerson < a.testsPerPerson ? b : a));
  let optimalK = 1;
  for (let k = 2; k <= 30; k++) if (dorfmanTestsPerPerson(p, k) < dorfmanTestsPerPerson(p, optimalK)) optimalK = k;
  return { prevalence: p, population, options, recommended: best.poolSize, optimalK };
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

/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF, an optional BOM) into rows
 * of fields. Blank lines are skipped.
 */
export function parseCsv(text: string): string[][] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0].trim() !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < s.length) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      if (ch === '\r' && s[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length) endRow();
  return rows;
}
