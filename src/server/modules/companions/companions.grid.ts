/** Grid and time slots of spatiotemporal companion detection (时空伴随: 800 m cells, 10-minute buckets). */

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

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses `time`: epoch ms, or ISO-8601 with an explicit offset (a bare local time is ambiguous). */
export function parseTime(s: string): number | null {
  if (/^\d{12,14}$/.test(s)) return Number(s);
  if (!ISO.test(s)) return null;
  const t = Date.parse(s.replace(' ', 'T'));
  return Number.isFinite(t) ? t : null;
}

/**
 * Reads a ping CSV with a header naming: person_id or phone_hash; time; lat and lng, or cell_id.
 * Plain comma-separated values (ids and numbers; no quoting needed). Returns good pings and a report.
 */
export function parsePingCsv(text: string): { pings: (ParsedPing & { line: number })[]; problems: RowProblem[]; headerError?: string } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (n: string) => header.indexOf(n);
  const [iPerson, iHash, iTime, iLat, iLng, iCell] = ['person_id', 'phone_hash', 'time', 'lat', 'lng', 'cell_id'].map(col) as [number, number, number, number, number, number];
  if (iTime < 0 || (iPerson < 0 && iHash < 0) || (iCell < 0 && (iLat < 0 || iLng < 0))) {
    return { pings: [], problems: [], headerError: 'The header must name time, person_id or phone_hash, and lat+lng or cell_id' };
  }
  const pings: (ParsedPing & { line: number })[] = [];
  const problems: RowProblem[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!raw.trim()) continue;
    const f = raw.split(',').map((x) => x.trim());
    const get = (k: number) => (k >= 0 ? (f[k] ?? '') : '');
    const errors: string[] = [];
    const personId = get(iPerson) || null;
    const hash = get(iHash);
    if (!personId && !/^[0-9a-f]{16,128}$/i.test(hash)) errors.push(hash ? 'phone_hash is not a hex digest' : 'person_id or phone_hash is required');
    const at = parseTime(get(iTime));
    if (at === null) errors.push('time is not epoch ms or ISO-8601 with an offset');
    let cell = get(iCell);
    if (!cell) {
      const lat = Number(get(iLat));
      const lng = Number(get(iLng));
      if (get(iLat) === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) errors.push('lat must be a number between -90 and 90');
      if (get(iLng) === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) errors.push('lng must be a number between -180 and 180');
      if (errors.length === 0 && lat === 0 && lng === 0) errors.push('lat/lng 0,0 is not a real position');
      if (errors.length === 0) cell = cellOf(lat, lng);
    } else if (cell.length > 64) errors.push('cell_id is too long');
    if (errors.length) problems.push({ line: i + 1, errors });
    else pings.push({ line: i + 1, subjectKey: personId ? `p:${personId}` : `h:${hash.toLowerCase()}`, personId, cell, at: at! });
  }
  return { pings, problems };
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
