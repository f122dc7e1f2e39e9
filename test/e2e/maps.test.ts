import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ADMIN } from '../../src/server/demo/users.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';
import { buildPmtiles } from '../helpers/pmtiles.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] maps tests skipped: ${availability.reason}`);

/** What a test reads of a drawn map: its layers, its sources, and the context drawn. */
interface MapLook {
  layers: { id: string; type: string; allowOverlap?: unknown }[];
  sources: Record<string, { type: string; url?: string }>;
  siblings: number;
  ancestors: number;
  labels: number;
}

/**
 * Maps with context (issue 16): the jurisdictions page draws a district among the other districts
 * and inside the city's outline, in grey, with names MapLibre keeps from overlapping; without a
 * base map nothing asks for tiles; with one configured the map reads it from Bulwark through the
 * pmtiles protocol (Range requests). Screenshots at desktop and phone size.
 */
describe.skipIf(!availability.ok)('maps with context [browser]', () => {
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(
    demo: DemoServer,
    viewport: { width: number; height: number },
  ): Promise<{ page: Page; basemapRequests: { range: string | null; status: number }[] }> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    const basemapRequests: { range: string | null; status: number }[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    // MapLibre's own errors reach the console as warnings (use-maplibre.ts); a refused resource is
    // seen below by its URL instead (the sign-in page's 401 for "who am I" is expected).
    page.on('console', (m) => {
      const text = m.text();
      if ((m.type() === 'error' && !text.startsWith('Failed to load resource')) || /^(map error|map unavailable|base map unavailable)/.test(text))
        problems.push(`console: ${text}`);
    });
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.startsWith('/api/geo/') && res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
      if (new URL(res.url()).pathname === '/api/geo/basemap.pmtiles')
        basemapRequests.push({ range: res.request().headers().range ?? null, status: res.status() });
    });
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill(DEMO_ADMIN.username);
    await page.getByLabel('密码').fill(DEMO_ADMIN.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname === '/');
    return { page, basemapRequests };
  }

  /** Opens 西陵区 on the jurisdictions page and waits for its map; null without WebGL. */
  async function xilingMap(page: Page, demo: DemoServer): Promise<string | null> {
    await page.goto(`${demo.url}/geo`);
    const tree = page.locator('.ant-tree');
    await tree.getByText('宜昌市', { exact: true }).waitFor();
    await tree.locator('.ant-tree-switcher').first().click();
    await tree.getByText('西陵区', { exact: true }).click();
    await page.getByTestId('geo-code').getByText('420502').waitFor();
    const map = page.getByTestId('geo-map');
    await map.and(page.locator('[data-map-state=ready], [data-map-state=no-webgl]')).waitFor({ timeout: 30_000 });
    return map.getAttribute('data-map-state');
  }

  /** The map's style and what it draws, read from the MapLibre map behind the container. */
  async function look(page: Page, wantBasemap = false): Promise<MapLook> {
    const handle = await page.waitForFunction(
      (wantBasemap) => {
        const el = document.querySelector('[data-testid=geo-map]') as (HTMLElement & { maplibreMap?: import('maplibre-gl').Map }) | null;
        const map = el?.maplibreMap;
        if (!map || !map.isStyleLoaded() || !map.loaded()) return null;
        const style = map.getStyle();
        const data = (name: string) =>
          (style.sources[name] as { data?: { features?: { properties: { relation?: string } }[] } } | undefined)?.data?.features ?? [];
        const outlines = data('context');
        if (!outlines.length || (wantBasemap && !style.sources.basemap)) return null;
        return {
          layers: style.layers.map((l) => ({
            id: l.id,
            type: l.type,
            allowOverlap: (l as { layout?: Record<string, unknown> }).layout?.['text-allow-overlap'],
          })),
          sources: Object.fromEntries(Object.entries(style.sources).map(([k, v]) => [k, { type: v.type, url: (v as { url?: string }).url }])),
          siblings: outlines.filter((f) => f.properties.relation === 'sibling').length,
          ancestors: outlines.filter((f) => f.properties.relation === 'ancestor').length,
          labels: data('context-labels').length,
        };
      },
      wantBasemap,
      { timeout: 30_000 },
    );
    return (await handle.jsonValue()) as MapLook;
  }

  it('draws a district among the other districts and inside the city outline, in grey with names, asking for no tiles', async () => {
    const demo = await startDemoServer({ residents: 600 });
    const pages: Page[] = [];
    try {
      for (const viewport of [
        { width: 1440, height: 900 },
        { width: 390, height: 844 },
      ]) {
        const { page, basemapRequests } = await open(demo, viewport);
        pages.push(page);
        const state = await xilingMap(page, demo);
        if (state === 'no-webgl') {
          console.warn('[browser] no WebGL: the context layers cannot be checked');
          await page.context().close();
          continue;
        }
        const m = await look(page);
        const ids = m.layers.map((l) => l.id);
        // The grey context sits under the district's own parts, its names above everything.
        expect(ids).toEqual(expect.arrayContaining(['context-fill', 'context-line', 'context-ancestor-line', 'context-label', 'context-ancestor-label']));
        expect(ids.indexOf('context-fill')).toBeLessThan(ids.indexOf('fill'));
        expect(ids.indexOf('context-label')).toBeGreaterThan(ids.indexOf('selected'));
        // 宜昌市 has 14 districts: the 13 others around 西陵区, and the city's outline.
        expect([m.siblings, m.ancestors, m.labels]).toEqual([13, 1, 13]);
        // Names never overlap: MapLibre's collision detection drops the one that would.
        expect(m.layers.filter((l) => l.type === 'symbol').every((l) => l.allowOverlap === false)).toBe(true);
        // And they are drawn (by the browser's own fonts: there is no glyph server).
        await expect
          .poll(
            () =>
              page.evaluate(() => {
                const el = document.querySelector('[data-testid=geo-map]') as (HTMLElement & { maplibreMap?: import('maplibre-gl').Map }) | null;
                return el?.maplibreMap?.queryRenderedFeatures({ layers: ['context-label', 'context-ancestor-label'] }).length ?? 0;
              }),
            { timeout: 15_000 },
          )
          .toBeGreaterThan(0);
        await page.getByTestId('legend-context').getByText('灰色为相邻辖区及上级辖区边界').waitFor();
        // No base map configured: no source for it, and nothing asked for one.
        expect(m.sources.basemap).toBeUndefined();
        expect(basemapRequests).toEqual([]);
        await page.screenshot({ path: screenshotPath(`maps-context-${viewport.width}.png`), fullPage: true });
        await page.context().close();
      }
    } finally {
      for (const p of pages)
        await p
          .context()
          .close()
          .catch(() => undefined);
      await demo.close();
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('reads a configured PMTiles base map from Bulwark through Range requests, under the context', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-basemap-e2e-'));
    const file = path.join(dir, 'city.pmtiles');
    writeFileSync(file, buildPmtiles());
    const demo = await startDemoServer({ residents: 300, config: { basemapPmtiles: file } });
    let opened: Page | undefined;
    try {
      const { page, basemapRequests } = await open(demo, { width: 1440, height: 900 });
      opened = page;
      const state = await xilingMap(page, demo);
      if (state === 'no-webgl') {
        console.warn('[browser] no WebGL: the base map cannot be checked');
        return;
      }
      const m = await look(page, true);
      expect(m.sources.basemap).toEqual({ type: 'vector', url: `pmtiles://${demo.url}/api/geo/basemap.pmtiles` });
      const ids = m.layers.map((l) => l.id);
      const basemapLayers = ids.filter((id) => id.startsWith('basemap-'));
      expect(basemapLayers.length).toBeGreaterThan(0);
      // Right above the background, under the grey context and the map's own layers.
      expect(ids[0]).toBe('background');
      expect(Math.max(...basemapLayers.map((id) => ids.indexOf(id)))).toBeLessThan(ids.indexOf('context-fill'));
      await expect.poll(() => basemapRequests.length, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(basemapRequests.every((r) => r.status === 206 && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
      await page.screenshot({ path: screenshotPath('maps-basemap-1440.png'), fullPage: true });
    } finally {
      await opened?.context().close();
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
