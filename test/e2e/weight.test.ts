import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEB_DIR } from '../helpers/browser.js';

/**
 * Issue 16, "Weight on weak networks": budgets, checked against the built app (`npx vite build`
 * first). A route's weight is the compressed size of every JS/CSS file it needs, found by walking
 * vite's manifest (dist/web/.vite/manifest.json) from the entry (index.html), the signed-in shell
 * (app/layout.tsx, lazily loaded) and the page's module through their static imports, plus the lazily
 * loaded components the page draws on first view (the home page's map and chart) with their
 * static imports and assets (MapLibre's worker). Dialogs and pickers opened by a tap are not counted.
 *
 * Each file counts at the size the server sends to a browser over HTTPS: @fastify/static's
 * preCompressed sends the .br sibling to a client accepting brotli (browsers do over HTTPS), else the
 * .gz. Over plain HTTP browsers ask for gzip only; those sums are printed beside (and are larger:
 * on 2026-12-07 the sampler page was 404 KB and the home page 968 KB as gzip).
 */
const MANIFEST = path.join(WEB_DIR, '.vite', 'manifest.json');
const built = existsSync(MANIFEST);
if (!built) console.warn('[weight] budget tests skipped: no dist/web/.vite/manifest.json (run `npx vite build` first)');

interface Chunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
  assets?: string[];
}

const KB = 1024;
const SHELL = 'app/layout.tsx';
const MAP = 'components/choropleth-map.tsx';
const CHART = 'components/bar-chart.tsx';

/** The budgets the issue sets, in compressed KB. */
const ROUTES = [
  { name: 'login page (/login)', modules: ['modules/auth/pages/login-page.tsx'], budgetKb: 300 },
  { name: 'sampler page (/testing/sampler)', modules: [SHELL, 'modules/testing/pages/sampler-page.tsx'], budgetKb: 400 },
  { name: 'home page (/)', modules: [SHELL, 'modules/dashboard/pages/home-page.tsx', 'modules/dashboard/pages/dashboard-page.tsx', MAP, CHART], budgetKb: 900 },
];

function readManifest(): Record<string, Chunk> {
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, Chunk>;
}

/** The files (JS, CSS, assets) `keys` need: each chunk's static imports, transitively. */
function filesNeeded(manifest: Record<string, Chunk>, keys: string[]): Set<string> {
  const files = new Set<string>();
  const seen = new Set<string>();
  const todo = ['index.html', ...keys];
  while (todo.length) {
    const key = todo.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const chunk = manifest[key];
    expect(chunk, `${key} is not in vite's manifest`).toBeDefined();
    for (const f of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) if (/\.(m?js|css)$/.test(f)) files.add(f);
    todo.push(...(chunk.imports ?? []));
  }
  return files;
}

/** Bytes sent for `file`: its brotli sibling, else its gzip sibling (files under 1 KB are sent as they are). */
function sentBytes(file: string, ext: '.br' | '.gz'): number {
  const p = path.join(WEB_DIR, file);
  for (const candidate of [p + ext, p + '.gz', p]) if (existsSync(candidate)) return statSync(candidate).size;
  throw new Error(`${file} is missing from the build`);
}

const sum = (files: Iterable<string>, ext: '.br' | '.gz') => [...files].reduce((n, f) => n + sentBytes(f, ext), 0);

describe.skipIf(!built)('web weight budgets (built assets)', () => {
  it.each(ROUTES)('the $name stays within $budgetKb KB compressed', ({ name, modules, budgetKb }) => {
    const files = filesNeeded(readManifest(), modules);
    const br = sum(files, '.br');
    const gz = sum(files, '.gz');
    const biggest = [...files]
      .sort((a, b) => sentBytes(b, '.br') - sentBytes(a, '.br'))
      .slice(0, 6)
      .map((f) => `${f} ${(sentBytes(f, '.br') / KB).toFixed(0)} KB`);
    console.info(`[weight] ${name}: ${(br / KB).toFixed(0)} KB brotli, ${(gz / KB).toFixed(0)} KB gzip, ${files.size} files`);
    expect(br, `${name} sends ${(br / KB).toFixed(0)} KB (budget ${budgetKb} KB); biggest: ${biggest.join(', ')}`).toBeLessThanOrEqual(budgetKb * KB);
  });

  it('keeps the map (MapLibre) and chart (ECharts) code out of the pages that draw neither', () => {
    const manifest = readManifest();
    // What only the map and the chart bring along (the home page's own code aside).
    const base = filesNeeded(manifest, [SHELL, 'modules/dashboard/pages/dashboard-page.tsx']);
    const heavy = new Set([...filesNeeded(manifest, [MAP]), ...filesNeeded(manifest, [CHART])].filter((f) => !base.has(f)));
    // The map's chunk, its worker and its stylesheet; the chart's ECharts core: what the split is for.
    expect(sum(heavy, '.br')).toBeGreaterThan(300 * KB);
    for (const route of ROUTES.slice(0, 2)) {
      const leaked = [...filesNeeded(manifest, route.modules)].filter((f) => heavy.has(f));
      expect(leaked, route.name).toEqual([]);
    }
  });

  it('ships a brotli and a gzip file beside every JS and CSS file over 1 KB', () => {
    const manifest = readManifest();
    const all = new Set(Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? [])]));
    const missing = [...all].filter(
      (f) => statSync(path.join(WEB_DIR, f)).size >= KB && !(existsSync(path.join(WEB_DIR, f + '.br')) && existsSync(path.join(WEB_DIR, f + '.gz'))),
    );
    expect(missing).toEqual([]);
  });
  it("loads the sampler's camera decoder (zxing-wasm and its .wasm) only when the camera opens, from Bulwark's own assets", () => {
    const manifest = readManifest();
    const decoder = manifest['components/barcode-decoder.ts'];
    expect(decoder, 'the decoder is a chunk of its own').toBeDefined();
    const wasm = (decoder.assets ?? []).filter((f) => f.endsWith('.wasm'));
    expect(wasm, 'the .wasm is a built asset (no CDN)').toHaveLength(1);
    expect(existsSync(path.join(WEB_DIR, wasm[0] + '.br'))).toBe(true);
    expect([...filesNeeded(manifest, ROUTES[1].modules)]).not.toContain(decoder.file);
  });
});
