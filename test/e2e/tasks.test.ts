import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] tasks test skipped: ${availability.reason}`);

/**
 * Issue 16, "Tasks are a to-do list", on a phone: a grid worker's recheck tasks name their person,
 * sit in the to-do list by deadline as cards, and close themselves once the recheck is sampled —
 * the task then says what closed it.
 */
describe.skipIf(!availability.ok)('a recheck task closes itself on a phone [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let rechecks: { id: string; taskId: string; nameMasked: string }[];

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 300 });
    const { deps } = demo.server;
    const db = deps.db;
    const sys = systemActor('e2e');
    // community1's community, and two of its residents in one positive pool.
    const unit = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select(['units.jurisdiction_id as jid'])
      .where('users.username', '=', 'community1')
      .executeTakeFirstOrThrow();
    const community = await db.selectFrom('jurisdictions').select(['id', 'path']).where('id', '=', unit.jid).executeTakeFirstOrThrow();
    const persons = await db
      .selectFrom('persons')
      .select(['id'])
      .where('jurisdiction_path', 'like', `${community.path}%`)
      .where('resident', '=', 1)
      .where('merged_into', 'is', null)
      .orderBy('id')
      .limit(2)
      .execute();
    expect(persons).toHaveLength(2);
    const testing = deps.services.testing;
    const c = await testing.campaigns.create(undefined, sys, { name: 'E2E复核任务轮次', scopeJurisdictionIds: [community.id], poolSize: 10, recheckHours: 2 });
    await testing.campaigns.activate(undefined, sys, c.id);
    const site = await testing.sites.create(undefined, sys, {
      name: 'E2E采样点',
      kind: 'tent',
      jurisdictionId: community.id,
      location: [111.3, 30.7],
      lanes: 1,
    });
    const codes = await Promise.all(persons.map((p) => deps.services.population.issueResidentCode(sys, p.id)));
    const pool = 'E2ETASK00001';
    const prepared = await testing.sampling.prepareBatch(sys, [
      { op: 'open', clientId: crypto.randomUUID(), campaignId: c.id, siteId: site.id, barcode: pool },
      ...codes.map((code) => ({ op: 'scan' as const, clientId: crypto.randomUUID(), campaignId: c.id, barcode: pool, residentCode: code.payload })),
      { op: 'close', clientId: crypto.randomUUID(), campaignId: c.id, barcode: pool },
    ]);
    await testing.sampling.applyBatch(undefined, prepared);
    await testing.lab.receive(undefined, sys, { boxCode: 'BOX-E2E', barcodes: [pool] });
    await testing.lab.recordOne(undefined, sys, { barcode: pool, result: 'positive', ctOrf1ab: 26, ctN: 28, lab: '市疾控中心' });
    rechecks = (await testing.rechecks.list(sys, { campaignId: c.id })).items.map((r) => ({ id: r.id, taskId: r.taskId!, nameMasked: r.nameMasked }));
    expect(rechecks).toHaveLength(2);
    expect(rechecks.every((r) => r.taskId)).toBe(true);

    browser = await launchChromium();
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
    await context?.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
  });

  /** Opens the to-do list with every deadline section expanded (upcoming starts collapsed). */
  async function openTodo(): Promise<void> {
    await page.goto(`${demo.url}/tasks`);
    await page.getByTestId('todo-list').waitFor();
    await page.getByTestId('todo-list').getByText('后续待办').click();
    await page.getByTestId('todo-upcoming').or(page.getByTestId('todo-list').getByText('没有待办任务').last()).first().waitFor();
  }

  it('lists each recheck as a card naming its person, and drops it once the recheck is sampled; the task says what closed it', async () => {
    await openTodo();
    const card = (taskId: string) => page.locator(`[data-testid=task-card][data-task="${taskId}"]`);
    for (const r of rechecks) {
      await card(r.taskId).waitFor();
      await expect(card(r.taskId).getByTestId('task-subject').textContent()).resolves.toBe(`人员 · ${r.nameMasked}`);
    }
    // Cards, not a table squeezed to 390 px.
    expect(await page.locator('[data-testid=todo-list] table').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('tasks-todo-phone.png'), fullPage: true });

    // The sampler takes the first person's single tube (on their own phone): the task's work is done.
    const [first, second] = rechecks;
    await demo.server.deps.services.testing.rechecks.sample(undefined, systemActor('e2e-sampler'), first!.id, {
      clientId: crypto.randomUUID(),
      barcode: 'E2ERC0000001',
    });
    await openTodo();
    await card(second!.taskId).waitFor();
    expect(await card(first!.taskId).count()).toBe(0);

    // The closed task, on its own page: verified, closed by the recheck being sampled.
    await page.goto(`${demo.url}/tasks/${first!.taskId}`);
    await page.getByTestId('task-closed-by').waitFor();
    await expect(page.getByTestId('task-closed-by').getAttribute('data-kind')).resolves.toBe('recheck_sampled');
    await expect(page.getByTestId('task-closed-by').textContent()).resolves.toContain('单管复核已采样');
    await expect(page.getByTestId('task-status').first().textContent()).resolves.toBe('已核实');
    await page.screenshot({ path: screenshotPath('tasks-closed-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
