import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { addDays, calendarDay } from '../../src/server/platform/clock.js';
import { newId } from '../../src/server/platform/ids.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] landing test skipped: ${availability.reason}`);

const CAMPAIGN = 'E2E今日清单轮次';
const BARCODE = 'YCLANDING0001';

/**
 * Issue 16, "Each role lands on its work", on a 390×844 phone: after signing in the sampler is on the
 * sampling page, the lab technician on the lab worklist with a tube received, and the community worker
 * on today's list for their compounds, as cards (no table), from which the door-knocking page is one
 * tap away; "/" lands each of them there again.
 */
describe.skipIf(!availability.ok)('each role lands on its work, on a phone [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  async function signIn(username: string): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${username}: page error: ${err.message}`));
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname !== '/login');
    return page;
  }
  /** Nothing wider than the phone: the page scrolls down, never sideways. */
  const fitsPhone = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 300 });
    const db = demo.server.deps.db;
    const sys = systemActor('e2e');
    const { testing, population, cases, quarantine } = demo.server.deps.services;
    // A round over community1's community, and a tube of two of its residents received at the lab.
    const unit = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select(['units.jurisdiction_id as jid'])
      .where('users.username', '=', 'community1')
      .executeTakeFirstOrThrow();
    const community = await db.selectFrom('jurisdictions').select(['id', 'path']).where('id', '=', unit.jid).executeTakeFirstOrThrow();
    const c = await testing.campaigns.create(undefined, sys, { name: CAMPAIGN, scopeJurisdictionIds: [community.id], poolSize: 10 });
    await testing.campaigns.activate(undefined, sys, c.id);
    const site = await testing.sites.create(undefined, sys, {
      name: 'E2E采样点',
      kind: 'tent',
      jurisdictionId: community.id,
      location: [111.29, 30.7],
      lanes: 2,
    });
    const tube = await testing.sampling.openTube(sys, { clientId: newId(), campaignId: c.id, siteId: site.id, barcode: BARCODE, poolSize: 10 });
    const people = await db
      .selectFrom('persons')
      .select('id')
      .where('jurisdiction_path', 'like', `${community.path}%`)
      .where('resident', '=', 1)
      .where('merged_into', 'is', null)
      .limit(4)
      .execute();
    for (const p of people.slice(0, 2)) {
      const code = await population.issueResidentCode(sys, p.id);
      await testing.sampling.scan(sys, { clientId: newId(), tubeId: tube.tube!.id, residentCode: code.payload });
    }
    await testing.sampling.flush();
    await testing.lab.receive(undefined, sys, { boxCode: 'BOX-E2E', barcodes: [BARCODE] });
    // A case and its close contact in home quarantine, both in community1's community.
    const kase = await cases.cases.create(undefined, sys, { personId: people[2]!.id, kind: 'confirmed', reason: '确诊' });
    const yesterday = addDays(calendarDay(demo.server.deps.clock.now(), demo.server.deps.config.tz), -1);
    const contact = await cases.tracing.addContact(undefined, sys, kase.id, { category: 'close', exposureDate: yesterday, personId: people[3]!.id });
    await quarantine.assign(undefined, sys, { personId: people[3]!.id, mode: 'home', basis: { type: 'contact', id: contact.id }, reason: '密接居家隔离' });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await demo?.close();
  });

  it('lands the sampler on the sampling page, and again on "/"', async () => {
    const page = await signIn('sampler1');
    await page.waitForURL((u) => u.pathname === '/testing/sampler');
    await page.goto(`${demo.url}/`);
    await page.waitForURL((u) => u.pathname === '/testing/sampler');
    expect(problems).toEqual([]);
  });

  it('lands the lab technician on the worklist: the received tube as a card, with its time at the lab against the 6-hour target', async () => {
    const page = await signIn('lab1');
    await page.waitForURL((u) => u.pathname === '/testing/worklist');
    await page.getByRole('heading', { name: '检测工作台' }).waitFor();
    const card = page.getByTestId('lab-tube').filter({ hasText: BARCODE });
    await card.waitFor();
    await expect.poll(() => card.innerText()).toMatch(/检测中/);
    expect(await card.innerText()).toMatch(/E2E今日清单轮次[\s\S]*2\/10 人[\s\S]*接收于[\s\S]*已用时 \d+ 分钟/);
    expect(await page.getByText('接收后 6 小时内出结果').count()).toBe(1);
    expect(await page.locator('[data-testid=lab-worklist] table').count()).toBe(0);
    expect(await fitsPhone(page)).toBe(true);
    // The lab's other page is one tap away.
    await page
      .getByTestId('shortcuts')
      .locator('button', { hasText: /^检测$/ })
      .click();
    await page.waitForURL((u) => u.pathname === '/testing/lab');
    expect(problems).toEqual([]);
  });

  it("lands the community worker on today's list for their compounds, as cards, with door-knocking one tap away", async () => {
    const page = await signIn('community1');
    await page.waitForURL((u) => u.pathname === '/today');
    await page.getByRole('heading', { name: '今日清单' }).waitFor();
    const knock = page.getByTestId('today-doorknock');
    await knock.getByText(CAMPAIGN, { exact: false }).waitFor();
    expect(await knock.innerText()).toMatch(/待采样 \d+ 人/);
    for (const id of ['today-home-sampling', 'today-rechecks', 'today-tests', 'today-stays']) await page.getByTestId(id).waitFor();
    expect(await page.locator('[data-testid=today] table').count()).toBe(0);
    expect(await fitsPhone(page)).toBe(true);
    await page.screenshot({ path: screenshotPath('today-phone.png'), fullPage: true });
    // The stays page is cards on a phone too.
    await page
      .getByTestId('shortcuts')
      .locator('button', { hasText: /^隔离人员$/ })
      .click();
    await page.waitForURL((u) => u.pathname === '/quarantine/stays');
    await page.getByTestId('stay-row').first().waitFor();
    expect(await page.locator('[data-testid=quarantine-stays-page] table').count()).toBe(0);
    expect(await page.getByTestId('stay-row').first().innerText()).toMatch(/居家隔离[\s\S]*第 \d+ 天/);
    expect(await fitsPhone(page)).toBe(true);
    await page.screenshot({ path: screenshotPath('stays-phone.png'), fullPage: true });
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/today');
    await knock.getByRole('button', { name: '开始敲门' }).click();
    await page.waitForURL((u) => u.pathname === '/doorknock');
    await page.goto(`${demo.url}/`);
    await page.waitForURL((u) => u.pathname === '/today');
    expect(problems).toEqual([]);
  });
});
