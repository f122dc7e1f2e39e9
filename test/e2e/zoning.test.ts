import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_ADMIN, DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { DAY, HOUR } from '../../src/server/platform/clock.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] zoning tests skipped: ${availability.reason}`);

describe.skipIf(!availability.ok)('risk areas end to end [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let hq: Page;
  let resident: Page;
  /** The building the case lives in, a neighbour in it (not the case), and the case. */
  let place: {
    buildingId: string;
    buildingName: string;
    buildingCode: string;
    compoundId: string;
    compoundName: string;
    compoundCode: string;
    neighbourId: string;
    caseId: string;
    residents: string[];
  };
  let areaId: string;
  /** Whether the detector flagged the proposal (then it was published with a justification). */
  let flagged = false;

  /** A signed-in API client of a demo user (cookie session), as the pages would call. */
  async function staff(username: string, password: string) {
    const login = await fetch(`${demo.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${demo.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBeLessThan(300);
      return JSON.parse(text) as T;
    };
  }

  async function open(viewport: { width: number; height: number }, signIn: boolean): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.text().startsWith('map error')) problems.push(`map: ${m.text()}`);
    });
    if (signIn) {
      await page.goto(`${demo.url}/login`);
      await page.getByLabel('用户名').fill(DEMO_ADMIN.username);
      await page.getByLabel('密码').fill(DEMO_ADMIN.password);
      await page.locator('form button[type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/');
    }
    return page;
  }

  /** The neighbour's control status as the person page shows it. */
  async function neighbourStatus(): Promise<string | null> {
    await hq.goto(`${demo.url}/persons/${place.neighbourId}`);
    const tag = hq.getByTestId('control-card').getByTestId('control-status').first(); // the current status (the history follows)
    await tag.waitFor();
    return tag.getAttribute('data-status');
  }

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 600 });
    const { deps } = demo.server;
    // The lifting schedule is a recurring job; the demo helper starts no job runner, the real server does.
    deps.services.jobs.start({ pollMs: 200 });
    const sys = systemActor('e2e');
    // The November 2022 optimisation: high-risk areas drawn by building, lifted after 5 days without a new case.
    const preset = (await deps.services.cases.presets.list()).find((p) => p.key === 'optimisation-2022-11')!;
    if (!preset.active) await deps.services.cases.presets.activate(undefined, sys, preset.id, '按二十条优化措施执行');

    // A 西陵区 building with at least four residents: one becomes a case, another is the neighbour we follow.
    const db = deps.db;
    // At most 20 residents (control's default bulk threshold): a proposal from evidence that small is
    // published by one commander; a larger one would need a second person.
    const buildings = await db
      .selectFrom('jurisdictions')
      .select(['id', 'name', 'code', 'path', 'parent_id'])
      .where('level', '=', 'building')
      .where('path', 'like', '/420500/420502/%')
      .orderBy('code')
      .limit(60)
      .execute();
    let picked: { id: string; name: string; code: string; parentId: string; persons: string[] } | undefined;
    for (const b of buildings) {
      const persons = await db.selectFrom('persons').select('id').where('jurisdiction_path', 'like', `${b.path}%`).orderBy('id').limit(21).execute();
      if (persons.length >= 4 && persons.length <= 20) {
        picked = { id: b.id, name: b.name, code: b.code, parentId: b.parent_id!, persons: persons.map((p) => p.id) };
        break;
      }
    }
    if (!picked) throw new Error('no 西陵区 building with four residents in the demo city');
    const compound = await db.selectFrom('jurisdictions').select(['name', 'code']).where('id', '=', picked.parentId).executeTakeFirstOrThrow();
    const c = await deps.services.cases.cases.create(undefined, sys, {
      personId: picked.persons[0],
      kind: 'confirmed',
      reason: '社区筛查发现，诊断为确诊病例',
    });
    place = {
      buildingId: picked.id,
      buildingName: picked.name,
      buildingCode: picked.code,
      compoundId: picked.parentId,
      compoundName: compound.name,
      compoundCode: compound.code,
      neighbourId: picked.persons[1],
      caseId: c.id,
      residents: picked.persons,
    };

    browser = await launchChromium();
    hq = await open({ width: 1440, height: 900 }, true);
    resident = await open({ width: 390, height: 844 }, false);
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
  });

  it('proposes a building-level area from the case, and the commander publishes it; the residents take its measures', async () => {
    expect(await neighbourStatus()).toBe('none');
    await hq.goto(`${demo.url}/zoning/areas`);
    await hq.getByRole('heading', { name: '风险区划定与解封' }).waitFor();
    await hq.getByTestId('generate-proposals').click();
    const row = hq.getByTestId('area-row').filter({ hasText: place.buildingName }).filter({ hasText: '高风险区' }).first();
    await row.waitFor();
    await hq.screenshot({ path: screenshotPath('zoning-proposals.png'), fullPage: true });
    await row.getByTestId('area-link').click();
    await hq.waitForURL(/\/zoning\/areas\/[^/]+$/);
    areaId = new URL(hq.url()).pathname.split('/').pop()!;
    const pageEl = hq.getByTestId('zoning-area-page');
    await expect.poll(() => pageEl.getAttribute('data-status')).toBe('proposed');
    // Drawn at the preset's granularity: the one building, resting on the case.
    await expect(hq.getByTestId('area-node').count()).resolves.toBe(1);
    await hq.getByTestId('area-node').getByText(place.buildingName).waitFor();
    await hq.getByTestId('area-basis').getByText(/\*/).waitFor();

    // Review: widened to the whole compound, the detector flags it as coarser than the preset.
    const adjust = async (add: { code: string; level: string }, remove: string | null, reason: string) => {
      await hq.getByTestId('adjust-area').click();
      const form = hq.getByTestId('adjust-form');
      await form.waitFor();
      const search = hq.getByTestId('adjust-add');
      await search.click();
      await search.locator('input').fill(add.code);
      // Options read `name · level · code`; a code prefix also finds the places below it.
      await hq
        .locator('.ant-select-dropdown:visible .ant-select-item-option')
        .filter({ hasText: `· ${add.level} · ${add.code}` })
        .first()
        .click();
      await hq.keyboard.press('Escape');
      if (remove) {
        await hq.getByTestId('adjust-remove').click();
        await hq.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: remove }).first().click();
        await hq.keyboard.press('Escape');
      }
      await form.getByLabel('原因').fill(reason);
      await hq.getByTestId('adjust-submit').click();
      await form.waitFor({ state: 'detached' });
    };
    await adjust({ code: place.compoundCode, level: '小区' }, null, '扩大到整个小区');
    await hq.screenshot({ path: screenshotPath('zoning-widened.png'), fullPage: true });
    await hq.getByTestId('area-node').getByText(place.compoundName).waitFor();
    await expect.poll(() => hq.getByTestId('area-detector').getAttribute('data-flagged')).toBe('true');
    await hq.getByTestId('area-detector').getByText('划定粒度过粗').waitFor();
    await hq.screenshot({ path: screenshotPath('zoning-widened.png'), fullPage: true });
    // Narrowed back to the building the evidence points at.
    await adjust({ code: place.buildingCode, level: '楼栋' }, place.compoundName, '按方案要求按楼栋划定');
    await hq.getByTestId('area-node').getByText(place.buildingName).waitFor();
    await expect(hq.getByTestId('area-node').count()).resolves.toBe(1);
    await expect(hq.getByTestId('area-detector').getByText('划定粒度过粗').count()).resolves.toBe(0);

    // A building wider than the case's own entrance may be flagged by the 一刀切 detector; then the
    // publisher must record why it is kept (the form asks for it up front).
    flagged = (await hq.getByTestId('area-detector').getAttribute('data-flagged')) === 'true';
    await hq.getByTestId('publish-area').click();
    await hq.getByText('发布后，区域内人员将按措施纳入管控').waitFor();
    const justification = hq.getByTestId('publish-form').getByLabel('保留理由');
    await expect(justification.count()).resolves.toBe(flagged ? 1 : 0);
    if (flagged) await justification.fill('同楼栋共用电梯和楼道，按楼栋划定');
    await hq.screenshot({ path: screenshotPath('zoning-publish-dialog.png'), fullPage: true });
    await hq.getByTestId('publish-submit').click();
    await expect.poll(() => pageEl.getAttribute('data-status')).toBe('published');
    await hq.getByTestId('published-by').getByText(DEMO_ADMIN.username).waitFor();
    // The lifting schedule: 5 days without a new case, counting down live.
    const countdown = hq.getByTestId('schedule-card').getByTestId('countdown');
    await expect(countdown.getAttribute('data-due')).resolves.toBe('false');
    const first = await countdown.textContent();
    expect(first).toMatch(/^还剩 [45]天/);
    await expect.poll(() => countdown.textContent(), { timeout: 5000 }).not.toBe(first);
    expect(Number(await hq.getByTestId('persons-under').textContent())).toBeGreaterThanOrEqual(3);
    await hq.screenshot({ path: screenshotPath('zoning-area-published.png'), fullPage: true });

    // The neighbour is under the area's seal (封控, an area measure), the risk area as basis.
    expect(await neighbourStatus()).toBe('sealed');
    await expect(hq.getByTestId('control-card').getByTestId('control-basis').first().getAttribute('data-basis-type')).resolves.toBe('risk_area');
  }, 120_000);

  it('shows the area on the map and in the detector report', async () => {
    await hq.goto(`${demo.url}/zoning/map`);
    await hq.getByRole('heading', { name: '风险区地图' }).waitFor();
    await hq.getByTestId('map-area-row').filter({ hasText: place.buildingName }).waitFor();
    await hq.locator('[data-testid=zoning-map]').and(hq.locator('[data-map-state=ready], [data-map-state=no-webgl]')).waitFor({ timeout: 30_000 });
    await expect.poll(() => hq.getByTestId('legend-high').getAttribute('data-count')).not.toBe('0');
    await hq.waitForTimeout(500);
    await hq.screenshot({ path: screenshotPath('zoning-map.png'), fullPage: true });
    // The time slider: the day before publication had no risk area (rebuilt by the server from the history).
    await hq.getByTestId('zoning-map-page').locator('.ant-slider-handle').first().focus();
    await hq.keyboard.press('ArrowLeft');
    await expect.poll(() => hq.getByTestId('map-date').getAttribute('data-offset')).toBe('-1');
    await hq.getByTestId('map-empty').waitFor();
    await expect(hq.getByTestId('map-area-row').count()).resolves.toBe(0);
    await hq.keyboard.press('ArrowRight');
    await hq.getByTestId('map-area-row').filter({ hasText: place.buildingName }).waitFor();

    await hq.goto(`${demo.url}/zoning/detector`);
    await hq.getByRole('heading', { name: '一刀切检测报告' }).waitFor();
    const row = hq.locator(`[data-testid=detector-row][data-id="${areaId}"]`);
    await row.waitFor();
    await expect(row.getAttribute('data-flagged')).resolves.toBe(String(flagged));
    if (flagged) await row.getByText('同楼栋共用电梯和楼道，按楼栋划定').waitFor();
    await hq.getByTestId('district-row').filter({ hasText: '西陵区' }).waitFor();
    await expect(hq.getByTestId('detector-export').getAttribute('href')).resolves.toContain('/api/zoning/detector/export');
    await hq.screenshot({ path: screenshotPath('zoning-detector.png'), fullPage: true });
  }, 90_000);

  it('lists it on the public page, without signing in, in Chinese and English', async () => {
    await resident.goto(`${demo.url}/public/areas`);
    await resident.getByRole('heading', { name: '风险区公示' }).waitFor();
    const item = resident.locator(`[data-testid=public-area][data-id="${areaId}"]`);
    await item.waitFor();
    await expect(item.getAttribute('data-level')).resolves.toBe('high');
    await item.getByText(place.buildingName).first().waitFor();
    // Current areas and since when, never a projected lifting date (residents read one as a promise).
    await item.getByText(/^自 .+ 起$/).waitFor();
    await expect(item.getByText(/预计/).count()).resolves.toBe(0);
    await resident.getByTestId('public-district').filter({ hasText: '西陵区' }).waitFor();
    await expect(resident.getByTestId('public-geojson').getAttribute('href')).resolves.toBe('/api/public/zoning/geojson');
    await expect(resident.getByTestId('sidebar').count()).resolves.toBe(0);
    await resident.screenshot({ path: screenshotPath('zoning-public.png'), fullPage: true });
    await resident.getByText('EN', { exact: true }).click();
    await resident.getByRole('heading', { name: 'Current risk areas' }).waitFor();
    await item.getByText('High risk').waitFor();
    await resident.getByText('中文', { exact: true }).click();
    await resident.getByRole('heading', { name: '风险区公示' }).waitFor();

    // Under heavy load the list answers 503 with Retry-After: the page says so and retries by itself.
    let refused = 0;
    await resident.route('**/api/public/zoning', async (route) => {
      if (refused++ === 0)
        return route.fulfill({
          status: 503,
          headers: { 'retry-after': '2', 'content-type': 'application/json' },
          body: JSON.stringify({ error: { code: 'ZONING_PUBLIC_BUSY', message: 'busy' } }),
        });
      return route.continue();
    });
    await resident.reload();
    await resident
      .getByTestId('public-busy')
      .getByText(/访问人数较多，请 [12] 秒后再试/)
      .waitFor();
    await resident.screenshot({ path: screenshotPath('zoning-public-busy.png'), fullPage: true });
    await item.waitFor({ timeout: 10_000 });
    await expect(resident.getByTestId('public-busy').count()).resolves.toBe(0);
    await resident.unroute('**/api/public/zoning');
  }, 60_000);

  it('after 5 days without a new case: the lifting round over the sealed building with every resident targeted, the refusals, and the step to low only after the day-5 round is negative', async () => {
    const admin = await staff(DEMO_ADMIN.username, DEMO_ADMIN.password);
    // To two hours past the step's due time (the start of a calendar day): a fixed 5 days would
    // land past "overdue" (a whole day late) whenever the test runs after 22:00 in Shanghai.
    const { deps } = demo.server;
    const sys = systemActor('e2e');
    const dueAt = (await deps.services.zoning.get(sys, areaId)).schedule!.dueAt!;
    expect(dueAt - deps.clock.now()).toBeGreaterThan(4 * DAY);
    await admin('/api/system/clock', { advanceMs: dueAt + 2 * HOUR - deps.clock.now(), reason: '演示：推进到解封日' });

    // The lifting job runs on the moved clock: it makes the task and, on day 5, the lifting round campaign over the building.
    await hq.goto(`${demo.url}/zoning/areas/${areaId}`);
    const taskLink = hq.getByTestId('lift-task-link');
    const round = hq.getByTestId('schedule-card').getByTestId('lifting-round');
    await expect
      .poll(
        async () => {
          if ((await taskLink.count()) && (await round.getAttribute('data-campaign').catch(() => ''))) return true;
          await hq.reload();
          await hq.getByTestId('zoning-area-page').waitFor();
          return false;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    await expect(hq.getByTestId('schedule-card').getByTestId('countdown').getAttribute('data-due')).resolves.toBe('true');
    await round.getByText(/需第 5 天（\d{4}-\d{2}-\d{2}）区域内全员核酸阴性/).waitFor();
    await expect(round.getAttribute('data-passed')).resolves.toBe('false');
    const campaignId = (await round.getAttribute('data-campaign'))!;
    await hq.screenshot({ path: screenshotPath('zoning-lifting-round.png'), fullPage: true });

    // The round's campaign page: everyone living in the building is targeted, the sealed neighbours
    // included; only the case (in central quarantine, tested at its facility) is not.
    const residents = place.residents.length;
    await hq.goto(`${demo.url}/testing/campaigns/${campaignId}`);
    await expect.poll(() => hq.getByTestId('campaign-status').textContent()).toBe('进行中');
    const num = (s: string | null) => Number((s ?? '').replace(/[^\d]/g, ''));
    await expect.poll(async () => num(await hq.getByTestId('cov-target').locator('.ant-statistic-content').textContent())).toBe(residents - 1);
    await expect(num(await hq.getByTestId('cov-sampled').locator('.ant-statistic-content').textContent())).toBe(0);
    await hq.screenshot({ path: screenshotPath('zoning-lifting-round-campaign.png'), fullPage: true });

    await hq.goto(`${demo.url}/zoning/areas/${areaId}`);
    await hq.getByTestId('zoning-area-page').waitFor();
    await taskLink.click();
    await hq.waitForURL(/\/tasks\/[^/]+$/);
    await expect(hq.getByTestId('task-title').textContent()).resolves.toContain(place.buildingName);
    await hq.screenshot({ path: screenshotPath('zoning-lift-task.png'), fullPage: true });
    await hq.goBack();
    await hq.getByTestId('zoning-area-page').waitFor();

    // A second commander's screen watches the published areas (kept current by live events).
    const watcher = await open({ width: 1280, height: 800 }, true);
    await watcher.goto(`${demo.url}/zoning/areas`);
    await watcher.getByTestId('area-status-filter').getByText('已发布风险区').click();
    const watched = watcher.locator(`[data-testid=area-row][data-id="${areaId}"]`);
    await watched.waitFor();
    await expect(watched.getByTestId('countdown').getAttribute('data-due')).resolves.toBe('true');

    // The case is still in treatment and lives inside: refused with the explanation; overruled with a reason…
    await hq.getByTestId('step-area').click();
    await expect(hq.getByTestId('step-to').textContent()).resolves.toBe('低风险区');
    await hq.getByTestId('step-submit').click();
    const refusal = hq.getByTestId('step-refusal');
    await refusal.waitFor();
    await expect(refusal.getAttribute('data-code')).resolves.toBe('ZONING_ACTIVE_CASE_INSIDE');
    await refusal.getByText('区域内仍有在管病例，不能直接解封').waitFor();
    await hq.getByTestId('override-reason').fill('病例已转运至定点医院，住所已终末消毒');
    await hq.getByTestId('step-submit').click();
    // …but the day-5 round is not negative yet: refused, naming the round; no override replaces it.
    await expect.poll(() => refusal.getAttribute('data-code')).toBe('ZONING_NEGATIVE_ROUND_REQUIRED');
    await refusal.getByText(/第5天（\d{4}-\d{2}-\d{2}）区域内全员核酸「.+」：应检 \d+ 人，已采样 0 人/).waitFor();
    await expect(hq.getByTestId('override-reason').count()).resolves.toBe(0);
    await hq.screenshot({ path: screenshotPath('zoning-lift-refused.png'), fullPage: true });
    await hq.keyboard.press('Escape');
    await expect.poll(() => hq.getByTestId('zoning-area-page').getAttribute('data-status')).toBe('published');

    // The round, through the testing API as the sampling team and the lab would: single tubes, everyone negative.
    const site = await admin<{ id: string }>('/api/testing/sites', {
      name: '解封核酸上门采样组',
      kind: 'tent',
      jurisdictionId: place.compoundId,
      location: [111.29, 30.7],
      lanes: 1,
    });
    const barcodes: string[] = [];
    for (const [i, personId] of place.residents.slice(1).entries()) {
      const barcode = `JF${String(Date.now() % 1e6).padStart(6, '0')}${String(i).padStart(4, '0')}`;
      const open = await admin<{ tube: { id: string } }>('/api/testing/tubes', {
        clientId: `lift-open-${barcode}`,
        campaignId,
        siteId: site.id,
        barcode,
        poolSize: 1,
      });
      const code = (await deps.services.population.issueResidentCode(sys, personId)).payload;
      await admin('/api/testing/scans', { clientId: `lift-scan-${barcode}`, tubeId: open.tube.id, residentCode: code });
      barcodes.push(barcode);
    }
    const lab = await staff('lab1', DEMO_PASSWORD);
    await lab('/api/testing/lab/receive', { boxCode: 'BOX-JF-1', barcodes });
    for (const barcode of barcodes) await lab('/api/testing/lab/results', { barcode, result: 'negative', lab: '宜昌市疾控中心实验室' });

    // Everyone sampled and negative: the step goes ahead to LOW (not lifted), still with the override for the case inside.
    await hq.reload();
    await expect
      .poll(
        async () => {
          await hq.reload();
          return hq.getByTestId('schedule-card').getByTestId('lifting-round').getAttribute('data-passed');
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe('true');
    await hq.getByTestId('step-area').click();
    await hq.getByTestId('step-submit').click();
    await expect.poll(() => hq.getByTestId('step-refusal').getAttribute('data-code')).toBe('ZONING_ACTIVE_CASE_INSIDE');
    await hq.getByTestId('override-reason').fill('病例已转运至定点医院，住所已终末消毒');
    await hq.getByTestId('step-submit').click();
    const pageEl = hq.getByTestId('zoning-area-page');
    await expect.poll(() => pageEl.getAttribute('data-level')).toBe('low');
    await expect(pageEl.getAttribute('data-status')).resolves.toBe('published');
    await hq.getByTestId('area-history').getByText('降级', { exact: true }).waitFor();
    await hq.screenshot({ path: screenshotPath('zoning-area-low.png'), fullPage: true });
    // The other screen shows it at its new level without a reload.
    await expect.poll(() => watched.getAttribute('data-level'), { timeout: 15_000 }).toBe('low');

    // The residents' seal ends: the neighbour is released (the case keeps its own basis).
    expect(await neighbourStatus()).toBe('released');
    const caseStatus = (await deps.services.control.statusesOf([(await deps.services.cases.cases.get(sys, place.caseId)).personId])).values().next().value!;
    expect(caseStatus.basis?.type).not.toBe('risk_area');

    // The public list shows it as a low area now; its history says it was stepped down.
    await resident.goto(`${demo.url}/public/areas`);
    await resident.getByTestId('public-history').waitFor();
    await expect(resident.locator(`[data-testid=public-area][data-id="${areaId}"]`).getAttribute('data-level')).resolves.toBe('low');
    await resident.screenshot({ path: screenshotPath('zoning-public-low.png'), fullPage: true });
  }, 180_000);

  it('speaks English on the workspace too, and no page broke', async () => {
    await hq.goto(`${demo.url}/zoning/areas/${areaId}`);
    await hq.getByTestId('zoning-area-page').waitFor();
    await hq.evaluate(() => localStorage.setItem('bulwark.lang', 'en'));
    await hq.reload();
    await hq.getByText('Back to the list').waitFor();
    await hq.getByTestId('area-history').getByText('Stepped down', { exact: true }).first().waitFor();
    await hq.goto(`${demo.url}/zoning/detector`);
    await hq.getByRole('heading', { name: 'One-size-fits-all report' }).waitFor();
    await hq.screenshot({ path: screenshotPath('zoning-detector-en.png'), fullPage: true });
    await hq.evaluate(() => localStorage.setItem('bulwark.lang', 'zh-CN'));
    expect(problems).toEqual([]);
  }, 60_000);
});
