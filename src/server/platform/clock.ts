/** The platform's only source of "now". Inject it; never call Date.now() in services. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** Real time plus an offset that the demo (and tests) can move forward, e.g. past a quarantine's end. */
export class AdjustableClock implements Clock {
  constructor(private offsetMs = 0) {}
  now(): number {
    return Date.now() + this.offsetMs;
  }
  /** Current offset from real time in ms. */
  get offset(): number {
    return this.offsetMs;
  }
  setOffset(ms: number): void {
    this.offsetMs = ms;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** A clock that only moves when told to. For tests. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.UTC(2026, 10, 29, 2, 0, 0)) {}
  now(): number {
    return this.t;
  }
  set(ms: number): void {
    this.t = ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) that an instant falls on in the given IANA zone. */
export function calendarDay(ms: number, tz: string): string {
  let f = dayFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(tz, f);
  }
  return f.format(new Date(ms));
}

/** Adds whole calendar days to a YYYY-MM-DD string. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole calendar days from day `a` to day `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}

/** The instant (epoch ms) at which a calendar day starts in the given zone. */
export function startOfDay(day: string, tz: string): number {
  const guess = Date.parse(`${day}T00:00:00Z`);
  // Offset of the zone at that instant; iterate once more to settle across DST changes.
  let t = guess - zoneOffset(guess, tz);
  t = guess - zoneOffset(t, tz);
  return t;
}

/** Offset of `tz` from UTC at instant `ms`, in ms (Asia/Shanghai → +8h). */
export function zoneOffset(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}
