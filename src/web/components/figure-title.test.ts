import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 16: every figure on a summary card says what it counts and as of when. A `<Statistic>` of
// antd shows a figure; its title must be a FigureTitle (or the situation and coverage cards' own
// Figure components, which do the same), never a bare label.
const webDir = fileURLToPath(new URL('..', import.meta.url));
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.tsx') ? [join(dir, e.name)] : []));

/** The `<Statistic …>` openings of a source text whose title is not a figure title. */
export function bareStatistics(source: string): string[] {
  const out: string[] = [];
  // Everything from the opening to its value: the title comes first (the house's order).
  for (const m of source.matchAll(/<Statistic\b([\s\S]*?)\bvalue=/g)) {
    const attrs = m[1] ?? '';
    // A FigureTitle, a title built above with its tooltip (`title={title}`), or one written inline with a Tooltip.
    if (!/title=\{\s*<FigureTitle\b/.test(attrs) && !/title=\{title\}/.test(attrs) && !/<Tooltip\b/.test(attrs)) out.push(m[0].slice(0, 80));
  }
  return out;
}

describe('figures on summary cards', () => {
  it('finds a bare label and lets a FigureTitle through', () => {
    expect(bareStatistics(`<Statistic title={t('x')} value={1} />`)).toHaveLength(1);
    expect(bareStatistics(`<Statistic title={<FigureTitle label={t('x')} help={t('y')} asOf={1} />} value={1} />`)).toEqual([]);
  });

  it('every Statistic in the web says what it counts (a FigureTitle with its help and time)', () => {
    const found = walk(webDir).flatMap((f) => bareStatistics(readFileSync(f, 'utf8')).map((s) => `${relative(webDir, f)}: ${s}`));
    expect(found).toEqual([]);
  });
});
