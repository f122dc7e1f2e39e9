/** Grid and time slots of spatiotemporal companion detection (时空伴随: 800 m cells, 10-minute buckets). */
import { parseInstant } from '../../platform/clock.js';

export const CELL_SIZE_M = 800;
export const BUCKET_MS = 10 * 60_000;
const M_PER_DEG_LAT = 111_320;

/** The 800 m grid cell of a point: rows of equal latitude height, columns ~800 m wide at the row's latitude. */
export function cellOf(lat: number, lng: number): string {
  const row = Math.floor((lat * M_PER_DEG_LAT) / CELL_SIZE_M);
  const rowLat = ((row + 0.5) * CELL_SIZE_M) / M_PER_DEG_LAT;
  const mPerDegLng = M_PER_DEG_LAT * Math.cos((rowLat * Math.PI) / 180);
  const col = Math.floor((lng * mPerDegLng) / CELL_SIZE_M);
  return `g800:${row}:${col}`;
}

export const bucketOf = (ms: number): number => Math.floor(ms / BUCKET_MS);

export interface ParsedPing {
  subjectKey: string;
  personId: string | null;
  cell: string;
  at: number;
}

export interface RowProblem {
  /** 1-based line number in the file (header is line 1). */
  line: number;
  errors: string[];
}

/** Column positions of a ping CSV, from its header (-1: absent). */
export interface PingColumns {
  person: number;
  hash: number;
  time: number;
  lat: number;
  lng: number;
  cell: number;
}

/** Earliest ping time accepted (the first cases of 2019); anything before is a bad clock or a typo. */
const EARLIEST_PING = Date.UTC(2019, 11, 1);
/** How far past "now" a ping may lie (device clocks drift). */
const FUTURE_SLACK_MS = 60 * 60_000;

/**
 * Reads the header record of a ping CSV: it must name person_id or phone_hash; time; lat and lng,
 * or cell_id (any order, case-insensitive; the CSV parser drops a BOM).
 */
export function pingHeader(cells: readonly string[]): { cols: PingColumns } | { error: string } {
  const header = cells.map((h) => h.trim().toLowerCase());
  const at = (n: string) => header.indexOf(n);
  const cols: PingColumns = { person: at('person_id'), hash: at('phone_hash'), time: at('time'), lat: at('lat'), lng: at('lng'), cell: at('cell_id') };
  if (cols.time < 0 || (cols.person < 0 && cols.hash < 0) || (cols.cell < 0 && (cols.lat < 0 || cols.lng < 0))) {
    return { error: 'The header must name time, person_id or phone_hash, and lat+lng or cell_id' };
  }
  return { cols };
}

/**
 * One data record of a ping CSV (ids and numbers): the ping, or every problem of the row. `now`
 * bounds the time (at most an hour ahead).
 */
export function parsePingRow(cols: PingColumns, cells: readonly string[], now: number): { ping: ParsedPing } | { errors: string[] } {
  const f = cells.map((x) => x.trim());
  const get = (k: number) => (k >= 0 ? (f[k] ?? '') : '');
  const errors: string[] = [];
  const personId = get(cols.person) || null;
  const hash = get(cols.hash);
  if (personId && personId.length > 64) errors.push('person_id is too long');
  if (!personId && !/^[0-9a-f]{16,128}$/i.test(hash)) errors.push(hash ? 'phone_hash is not a hex digest' : 'person_id or phone_hash is required');
  // Epoch ms or ISO-8601 with an explicit offset: a bare local time is ambiguous.
  const at = parseInstant(get(cols.time));
  if (at === null) errors.push('time is not epoch ms or ISO-8601 with an offset');
  else if (at < EARLIEST_PING || at > now + FUTURE_SLACK_MS) errors.push('time is outside the plausible range (after 2019-12-01 and not in the future)');
  let cell = get(cols.cell);
  if (!cell) {
    const lat = Number(get(cols.lat));
    const lng = Number(get(cols.lng));
    if (get(cols.lat) === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) errors.push('lat must be a number between -90 and 90');
    if (get(cols.lng) === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) errors.push('lng must be a number between -180 and 180');
    if (errors.length === 0 && lat === 0 && lng === 0) errors.push('lat/lng 0,0 is not a real position');
    if (errors.length === 0) cell = cellOf(lat, lng);
  } else if (cell.length > 64) errors.push('cell_id is too long');
  if (errors.length) return { errors };
  return { ping: { subjectKey: personId ? `p:${personId}` : `h:${hash.toLowerCase()}`, personId, cell, at: at! } };
}

export interface Overlap {
  cell: string;
  /** Epoch ms of the first shared bucket's start and the last one's end. */
  from: number;
  to: number;
  minutes: number;
}

/**
 * Overlaps of one subject with the case: runs of consecutive shared buckets in the same cell, each
 * kept when at least `minOverlapMinutes` long.
 */
export function overlapsOf(shared: { cell: string; bucket: number }[], minOverlapMinutes: number): Overlap[] {
  const byCell = new Map<string, number[]>();
  for (const s of shared) {
    const l = byCell.get(s.cell) ?? [];
    l.push(s.bucket);
    byCell.set(s.cell, l);
  }
  const out: Overlap[] = [];
  const bucketMin = BUCKET_MS / 60_000;
  for (const [cell, bs] of byCell) {
    const sorted = [...new Set(bs)].sort((a, b) => a - b);
    let start = 0;
    for (let i = 1; i <= sorted.length; i++) {
      if (i === sorted.length || sorted[i]! !== sorted[i - 1]! + 1) {
        const minutes = (i - start) * bucketMin;
        if (minutes >= minOverlapMinutes) out.push({ cell, from: sorted[start]! * BUCKET_MS, to: (sorted[i - 1]! + 1) * BUCKET_MS, minutes });
        start = i;
      }
    }
  }
  return out.sort((a, b) => a.from - b.from);
}
