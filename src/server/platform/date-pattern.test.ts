import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../..', import.meta.url));
const CLOCK = 'server/platform/clock.ts';
// The UTC day of an instant, written ad hoc: wrong for "today" in BULWARK_TZ for eight hours a day
// in Shanghai. Calendar days come from clock.ts (calendarDay for BULWARK_TZ, utcDay for date values).
const UTC_DAY_SLICE = /\.toISOString\(\)\s*\.slice\(\s*0\s*,\s*10\s*\)/;

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx)$/.test(e.name)) yield p;
  }
}

describe('calendar days come from the clock module', () => {
  it('no file under src/ but clock.ts cuts the UTC day out of an ISO timestamp string', () => {
    const files = [...sourceFiles(SRC)].map((p) => relative(SRC, p).split('\\').join('/'));
    expect(files).toContain(CLOCK);
    const offenders = files.filter((f) => f !== CLOCK && UTC_DAY_SLICE.test(readFileSync(join(SRC, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the pattern it looks for is the one the clock module itself uses', () => {
    expect(UTC_DAY_SLICE.test(readFileSync(join(SRC, CLOCK), 'utf8'))).toBe(true);
  });
});
