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

// Intl formatters are costly to build (tens of µs each) and immutable: one per zone and shape.
const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const partFormatters = new Map<string, Intl.DateTimeFormat>();
const clockFormatters = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, tz: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = cache.get(tz);
  if (!f) cache.set(tz, (f = make()));
  return f;
}

/**
 * The calendar day (YYYY-MM-DD) that an instant falls on in the given IANA zone: the one function for
 * the days people live in (pass `config.tz`, i.e. BULWARK_TZ). Never `toISOString().slice(0, 10)`,
 * which gives the UTC day (src/server/platform/date-pattern.test.ts keeps it out of the code).
 */
export function calendarDay(ms: number, tz: string): string {
  return cached(dayFormatters, tz, () => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })).format(
    new Date(ms),
  );
}

/**
 * The UTC day (YYYY-MM-DD) of an instant, for values that are dates rather than instants: a day
 * kept as UTC midnight (date arithmetic, a spreadsheet's date cell, a birth date). Not for "today".
 */
export function utcDay(ms: number | Date): string {
  return (typeof ms === 'number' ? new Date(ms) : ms).toISOString().slice(0, 10);
}

/** The wall-clock time (HH:MM, 24-hour) of an instant in the given zone. */
export function clockTime(ms: number, tz: string): string {
  return cached(clockFormatters, tz, () => new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).format(
    new Date(ms),
  );
}

/** Adds whole calendar days to a YYYY-MM-DD string. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return utcDay(d);
}

/** Whether a YYYY-MM-DD string names a real calendar day (no 2023-02-30). */
export function isRealDay(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && utcDay(t) === d;
}

/** Whole calendar days from day `a` to day `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}

/** The instant (epoch ms) at which a calendar day starts in the given zone. */
export function startOfDay(day: string, tz: string): number {
  return wallClockToInstant(Date.parse(`${day}T00:00:00Z`), tz);
}

/** The instant at which a wall-clock reading (given as if it were UTC, in ms) happens in the zone. */
function wallClockToInstant(asUtc: number, tz: string): number {
  // Offset of the zone at that instant; iterate once more to settle across DST changes.
  const t = asUtc - zoneOffset(asUtc, tz);
  return asUtc - zoneOffset(t, tz);
}

const EPOCH_MS = /^\d{12,14}$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const LOCAL_TIME = /^(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The one parser for times people and files write. Accepts epoch ms (12–14 digits) and ISO-8601 with
 * an explicit offset (`Z`, `+08:00`, a space instead of `T` allowed). With `tz`, also a local
 * `YYYY-MM-DD HH:MM[:SS]` (or `/` between date parts), read as wall-clock time in that zone; without
 * it such a time is ambiguous and refused. `loose` also takes anything `Date.parse` understands.
 * Returns epoch ms, or null when the text is not a time.
 */
export function parseInstant(text: string, opts: { tz?: string; loose?: boolean } = {}): number | null {
  const s = text.trim();
  if (EPOCH_MS.test(s)) return Number(s);
  if (opts.tz) {
    const m = LOCAL_TIME.exec(s);
    if (m) return wallClockToInstant(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)), opts.tz);
  }
  if (!opts.loose && !ISO_WITH_OFFSET.test(s)) return null;
  const t = Date.parse(opts.loose ? s : s.replace(' ', 'T'));
  return Number.isFinite(t) ? t : null;
}

/** Offset of `tz` from UTC at instant `ms`, in ms (Asia/Shanghai → +8h). */
export function zoneOffset(ms: number, tz: string): number {
  const f = cached(
    partFormatters,
    tz,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
  );
  const parts = f.formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}
