import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ADMIN } from '../../src/server/demo/users.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] geo tests skipped: ${availability.reason}`);

/**
 * The demo city on screen: 宜昌市's real outline and districts on the home page's map and the
 * jurisdictions page's map, real street and community names in the tree, and 宜昌高新区's code
 * marked 本地编码 (it is not a GB/T 2260 code). Screenshots at desktop and phone size, in Chinese.
 */
describe.skipIf(!availability.ok)('the demo city on the map [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 600 });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function open(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill(DEMO_ADMIN.username);
    await page.getByLabel('密码').fill(DEMO_ADMIN.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname === '/');
    return page;
  }

  /** Waits for a map to be drawn (or its no-WebGL fallback) and says which. */
  async function mapDrawn(page: Page, testId: string): Promise<string | null> {
    const map = page.locator(`[data-testid=${testId}]`);
    await map.and(page.locator('[data-map-state=ready], [data-map-state=no-webgl]')).waitFor({ timeout: 30_000 });
    return map.getAttribute('data-map-state');
  }

  it('draws 宜昌市 with its real county outlines on the home page, desktop and phone', async () => {
    // What the map draws: the districts' real outlines, hundreds of vertices each, not a sketch.
    const res = await fetch(`${demo.url}/api/health`);
    expect(res.status).toBe(200);
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await open(viewport);
      await page.getByRole('heading', { name: '指挥首页' }).waitFor();
      const state = await mapDrawn(page, 'district-map');
      const fc = await (await page.request.get(`${demo.url}/api/geo/geojson`)).json();
      const xiling = fc.features.find((f: { properties: { code: string } }) => f.properties.code === '420502');
      expect(xiling.geometry.coordinates[0].length).toBeGreaterThan(200);
      expect(fc.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(
        expect.arrayContaining(['西陵区', '夷陵区', '长阳土家族自治县', '宜昌高新区']),
      );
      await page.screenshot({ path: screenshotPath(`geo-home-${viewport.width}.png`), fullPage: true });
      console.log(`[browser] home map at ${viewport.width}px: ${state}`);
      await page.context().close();
    }
  });

  it("shows real street and community names in the tree and marks 宜昌高新区's code as 本地编码", async () => {
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await open(viewport);
      await page.goto(`${demo.url}/geo`);
      const tree = page.locator('.ant-tree');
      await tree.getByText('宜昌市', { exact: true }).waitFor();
      await mapDrawn(page, 'geo-map');
      await page.screenshot({ path: screenshotPath(`geo-city-${viewport.width}.png`), fullPage: true });
      // Down the tree: 西陵区 → 西陵街道 → 土街头社区 (their statistical codes 420502001000, 420502001001).
      await tree.locator('.ant-tree-switcher').first().click();
      await tree.getByText('西陵区', { exact: true }).click();
      await page.getByTestId('geo-code').getByText('420502').waitFor();
      await expect(page.getByTestId('geo-code').getByTestId('local-code').count()).resolves.toBe(0);
      await tree.locator('.ant-tree-treenode').filter({ hasText: '西陵区' }).locator('.ant-tree-switcher').click();
      await tree.getByText('西陵街道', { exact: true }).click();
      await page.getByTestId('geo-code').getByText('420502001000').waitFor();
      await tree.locator('.ant-tree-treenode').filter({ hasText: '西陵街道' }).locator('.ant-tree-switcher').click();
      await tree.getByText('土街头社区', { exact: true }).waitFor();
      // 宜昌高新区: a local code, marked in the tree and in the details.
      await tree.getByText('宜昌高新区').click();
      await page.getByTestId('geo-code').getByText('420571').waitFor();
      await page.getByTestId('geo-code').getByText('本地编码').waitFor();
      await expect(tree.locator('.ant-tree-treenode').filter({ hasText: '宜昌高新区' }).getByText('本地编码').isVisible()).resolves.toBe(true);
      await mapDrawn(page, 'geo-map');
      await page.screenshot({ path: screenshotPath(`geo-zone-${viewport.width}.png`), fullPage: true });
      await page.context().close();
    }
    expect(problems).toEqual([]);
  });
});
