import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { browserAvailability, CHROMIUM_ARGS, CHROMIUM_PATH, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';
import { writeFakeCameraFrame } from '../helpers/fake-camera.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] door-knocking test skipped: ${availability.reason}`);

const CAMPAIGN = 'E2E敲门行动轮次';

describe.skipIf(!availability.ok)('door-knocking on a phone [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let campaignId: string;
  let building: { id: string; code: string; path: string };
  let compoundPath: string;
  let dir: string;

  /** The compound's coverage counters, read through the testing service (what the dashboards show). */
  const coverage = async () => {
    const c = await demo.server.deps.services.testing.coverage.get(systemActor('e2e'), campaignId, undefined);
    const node = await demo.server.deps.db
      .selectFrom('testing_coverage')
      .select(['target', 'exempt'])
      .where('campaign_id', '=', campaignId)
      .where('jurisdiction_path', '=', compoundPath)
      .executeTakeFirstOrThrow();
    return { campaignTarget: c.target, target: Number(node.target), exempt: Number(node.exempt) };
  };

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 300 });
    const db = demo.server.deps.db;
    const unit = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select(['units.jurisdiction_id as jid'])
      .where('users.username', '=', 'community1')
      .executeTakeFirstOrThrow();
    const community = await db.selectFrom('jurisdictions').select(['id', 'path']).where('id', '=', unit.jid).executeTakeFirstOrThrow();
    // A building of the worker's community with at least three residents.
    const row = await db
      .selectFrom('persons')
      .select(['jurisdiction_path as path'])
      .where('jurisdiction_path', 'like', `${community.path}%`)
      .where('resident', '=', 1)
      .where('merged_into', 'is', null)
      .execute();
    const counts = new Map<string, number>();
    const buildings = await db
      .selectFrom('jurisdictions')
      .select(['id', 'code', 'path'])
      .where('level', '=', 'building')
      .where('path', 'like', `${community.path}%`)
      .execute();
    for (const b of buildings) counts.set(b.id, row.filter((r) => r.path.startsWith(b.path)).length);
    building = buildings.filter((b) => counts.get(b.id)! >= 3).sort((a, b) => counts.get(b.id)! - counts.get(a.id)!)[0]!;
    expect(building, "a building with residents in community1's community").toBeTruthy();
    compoundPath = building.path
      .split('/')
      .filter(Boolean)
      .slice(0, -1)
      .reduce((acc, s) => `${acc}${s}/`, '/');
    const testing = demo.server.deps.services.testing;
    const c = await testing.campaigns.create(undefined, systemActor('e2e'), { name: CAMPAIGN, scopeJurisdictionIds: [community.id], poolSize: 10 });
    await testing.campaigns.activate(undefined, systemActor('e2e'), c.id);
    campaignId = c.id;

    // The camera's picture: the building's posted code (its jurisdiction code as a QR code).
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-doorknock-camera-'));
    const frame = await writeFakeCameraFrame(path.join(dir, 'building.y4m'), [{ text: building.code, format: 'QRCode', moduleSize: 8 }]);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${frame}`],
    });
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill('community1');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname !== '/login');
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page of the signed-in worker on the door-knocking page, with our campaign picked. */
  async function doorknockPage(init?: () => void): Promise<Page> {
    const p = await context.newPage();
    p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    if (init) await p.addInitScript(init);
    await p.goto(`${demo.url}/doorknock`);
    await p.getByRole('heading', { level: 2, name: '敲门行动' }).waitFor();
    await p.getByLabel('检测轮次').click({ force: true });
    await p.locator('.ant-select-item-option', { hasText: CAMPAIGN }).click();
    return p;
  }

  it('a grid worker opens a building by its code, works through the list and records outcomes that change coverage', async () => {
    await page.goto(`${demo.url}/doorknock`);
    await page.getByRole('heading', { level: 2, name: '敲门行动' }).waitFor();
    // The campaign: pick ours (the demo may hold others).
    await page.getByLabel('检测轮次').click({ force: true });
    await page.locator('.ant-select-item-option', { hasText: CAMPAIGN }).click();
    // The building, by its code (what a scanner types, then Enter).
    await page.getByLabel('扫描或输入楼栋码').fill(building.code);
    await page.getByLabel('扫描或输入楼栋码').press('Enter');
    const toKnock = page.getByTestId('to-knock').getByTestId('knock-card');
    await toKnock.first().waitFor();
    const before = await toKnock.count();
    expect(before).toBeGreaterThanOrEqual(3);
    const cov0 = await coverage();

    // Not at home: the person stays on the list, with the knock shown.
    const first = toKnock.first();
    const firstId = await first.getAttribute('data-person');
    await first.getByRole('button', { name: '不在家' }).click();
    await page.locator(`[data-testid=to-knock] [data-person="${firstId}"] [data-testid=last-knock]`).waitFor();
    await expect.poll(() => page.locator(`[data-testid=to-knock] [data-person="${firstId}"] [data-testid=last-knock]`).innerText()).toContain('不在家');

    // Moved away: the person leaves the list for "settled", and the coverage target drops by one.
    const second = toKnock.nth(1);
    const secondId = await second.getAttribute('data-person');
    await second.getByRole('button', { name: '已搬离' }).click();
    await page.locator(`[data-testid=settled] [data-person="${secondId}"]`).waitFor();
    await expect.poll(() => toKnock.count()).toBe(before - 1);
    const cov1 = await coverage();
    expect(cov1).toEqual({ campaignTarget: cov0.campaignTarget - 1, target: cov0.target - 1, exempt: cov0.exempt + 1 });

    // Cards, not a table squeezed to 390 px; nothing wider than the screen.
    expect(await page.locator('table').count()).toBe(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath('doorknock-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);

  it("a grid worker scans the building's posted code with the phone's camera and gets that building's list", async () => {
    const p = await doorknockPage();
    await p.getByTestId('camera-building').click();
    const cards = p.getByTestId('knock-card');
    await cards.first().waitFor({ timeout: 60_000 });
    await p.getByTestId('camera-view').waitFor({ state: 'detached' });
    // Exactly the building's residents, and the code read is in the field.
    const residents = await demo.server.deps.db
      .selectFrom('persons')
      .select('id')
      .where('jurisdiction_path', 'like', `${building.path}%`)
      .where('resident', '=', 1)
      .where('merged_into', 'is', null)
      .execute();
    const shown = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-person')));
    expect(new Set(shown)).toEqual(new Set(residents.map((r) => r.id)));
    expect(await p.getByLabel('扫描或输入楼栋码').inputValue()).toBe(building.code);
    expect(await p.getByTestId('scan-notice').count()).toBe(0);
    await p.screenshot({ path: screenshotPath('doorknock-phone-camera.png'), fullPage: true });
    await p.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('a camera the browser refuses says why, and the code can still be typed', async () => {
    const p = await doorknockPage(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await p.getByTestId('camera-building').click();
    await p.getByTestId('scan-notice').getByText('摄像头权限被拒绝，可在浏览器设置中允许。 请手动输入楼栋码，或从列表选择楼栋。').waitFor();
    await p.getByLabel('扫描或输入楼栋码').fill(building.code);
    await p.getByLabel('扫描或输入楼栋码').press('Enter');
    await p.getByTestId('knock-card').first().waitFor();
    await p.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
