import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_ADMIN } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';
import type { SituationDto } from '../../src/common/situation.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] web shell tests skipped: ${availability.reason}`);

/** Digits of a displayed count ("2,000" → 2000). */
const count = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));

describe.skipIf(!availability.ok)('web shell [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Problems the page reported: uncaught errors, CSP refusals, requests that left the machine. */
  const problems: string[] = [];

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 2000 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    // Nothing may be fetched from anywhere but our server (no CDNs, tiles or fonts).
    const origin = new URL(demo.url).origin;
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
      problems.push(`external request: ${u}`);
      return route.abort();
    });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      const text = msg.text();
      // 401s of the expected kind (not signed in yet, session expired) show up as resource errors.
      if (msg.type() === 'error' && !/Failed to load resource/.test(text)) problems.push(`console error: ${text}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** A GET through the page's own session cookie, as the UI would see it. */
  async function api<T>(path: string): Promise<T> {
    const res = await page.request.get(`${demo.url}${path}`);
    expect(res.status(), `${path} answered ${res.status()}: ${await res.text()}`).toBe(200);
    return (await res.json()) as T;
  }

  it('sends a visitor to sign-in, then shows the dashboard in Chinese with the real counts, chart and map', async () => {
    await page.goto(demo.url);
    await page.waitForURL('**/login');
    await page.getByText('疫情防控指挥平台').waitFor();

    // A wrong password is refused with a clear message.
    await page.getByLabel('用户名').fill(DEMO_ADMIN.username);
    await page.getByLabel('密码').fill('not-the-password');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('login-error').getByText('用户名或密码错误').waitFor();

    await page.getByLabel('密码').fill(DEMO_ADMIN.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname === '/');

    await page.getByRole('heading', { name: '指挥首页' }).waitFor();
    // The situation figures on screen are the database's, as the situation API reports them.
    const newToday = page.getByTestId('sit-new-today');
    await newToday.locator('.ant-statistic-content').getByText(/\d/).first().waitFor();
    const situation = await api<SituationDto>('/api/dashboard/situation');
    const db = demo.server.deps.db;
    const cases = Number(
      (
        await db
          .selectFrom('cases')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(situation.infections!.today.total + situation.infections!.yesterday.total).toBeLessThanOrEqual(cases);
    expect(count(await newToday.locator('.ant-statistic-content').textContent())).toBe(situation.infections!.today.total);
    expect(count(await page.getByTestId('sit-sealed').locator('.ant-statistic-content').textContent())).toBe(situation.measures!.sealed);
    expect(count(await page.getByTestId('sit-central').locator('.ant-statistic-content').textContent())).toBe(situation.measures!.quarantinedCentral);
    expect(count(await page.getByTestId('sit-areas-current').locator('.ant-statistic-content').textContent())).toBe(
      situation.areas!.current.high + situation.areas!.current.medium + situation.areas!.current.low,
    );
    const summary = await api<{ jurisdictions: number; residents: number; users: number; districts: { name: string; population: number }[] }>(
      '/api/dashboard/summary',
    );
    // Each figure opens the list behind it.
    await expect(page.getByTestId('sit-overdue-tasks').getByRole('link').getAttribute('href')).resolves.toBe('/tasks?box=all&overdue=1');

    // Chinese labels, and the sidebar of an administrator.
    for (const label of ['今日新增', '今日社会面', '管控人员（人）', '现有风险区', '各区县人口'])
      await expect(page.getByText(label, { exact: true }).first().isVisible()).resolves.toBe(true);
    const sidebar = page.getByTestId('sidebar');
    for (const label of ['首页', '任务', '通知预警', '辖区', '人员', '系统管理', '日志'])
      await expect(sidebar.getByText(label, { exact: true }).isVisible()).resolves.toBe(true);

    // The chart drew on its canvas.
    const chart = page.locator('[data-testid=population-chart][data-chart-state=ready]');
    await chart.waitFor();
    const chartBox = await chart.locator('canvas').first().boundingBox();
    expect(chartBox!.width).toBeGreaterThan(100);

    // The map: MapLibre with WebGL (SwiftShader in headless Chromium), or its clear fallback.
    const map = page.locator('[data-testid=district-map]');
    await map.and(page.locator('[data-map-state=ready], [data-map-state=no-webgl]')).waitFor({ timeout: 30_000 });
    const mapState = await map.getAttribute('data-map-state');
    console.log(`[browser] district map: ${mapState === 'ready' ? 'MapLibre rendered with WebGL' : 'WebGL unavailable, fallback message shown'}`);
    if (mapState === 'ready') {
      const canvas = await map.locator('canvas.maplibregl-canvas').boundingBox();
      expect(canvas!.width).toBeGreaterThan(200);
      // Clicking where a district's label sits names that district with its real population.
      const label = map.locator('.bw-map-label', { hasText: '西陵区' });
      // The map sits below the situation figures: bring it on screen before clicking at its label.
      await map.scrollIntoViewIfNeeded();
      const box = (await label.boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      const xiling = summary.districts.find((d) => d.name === '西陵区')!;
      await expect.poll(() => page.getByTestId('map-selection').textContent()).toBe(`西陵区：${xiling.population.toLocaleString('zh-CN')} 人`);
    } else {
      await expect(map.textContent()).resolves.toContain('WebGL');
    }
    await page.screenshot({ path: screenshotPath('dashboard-zh.png'), fullPage: true });
  }, 90_000);

  it('switches to English and keeps the choice', async () => {
    await page.getByTestId('lang-switch').getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { name: 'Command dashboard' }).waitFor();
    for (const label of ['New today', 'People under measures', 'Current areas', 'Population by district'])
      await expect(page.getByText(label, { exact: true }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('sidebar').getByText('Tasks', { exact: true }).isVisible()).resolves.toBe(true);
    await page.locator('[data-testid=population-chart][data-chart-state=ready]').waitFor();
    await page.screenshot({ path: screenshotPath('dashboard-en.png'), fullPage: true });

    await page.reload();
    await page.getByRole('heading', { name: 'Command dashboard' }).waitFor();
    await page.getByTestId('lang-switch').getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '指挥首页' }).waitFor();
  }, 60_000);

  it('shows a raised alert live and lets the user acknowledge it', async () => {
    const { deps } = demo.server;
    const city = await deps.db.selectFrom('jurisdictions').select(['id']).where('code', '=', '420500').executeTakeFirstOrThrow();
    const before = (await api<{ unacknowledgedAlerts: number }>('/api/notifications?pageSize=1')).unacknowledgedAlerts;
    const alert = await deps.services.tasks.notifications.raiseAlert(null, systemActor('e2e'), {
      title: '西陵区发现阳性混管',
      body: '请立即组织单管复核。',
      severity: 'critical',
      jurisdictionId: city.id,
    });

    // Over SSE: a toast, and the badge counts it.
    await page.locator('.ant-notification-notice').getByText('西陵区发现阳性混管').waitFor({ timeout: 15_000 });
    const badge = page.getByTestId('alert-badge').locator('.ant-badge-count');
    await expect.poll(async () => count(await badge.textContent())).toBe(before + 1);

    await page.getByTestId('alert-badge').click();
    await page.getByRole('heading', { name: '通知预警' }).waitFor();
    const item = page.locator(`[data-testid=notification-item][data-id="${alert.id}"]`);
    await item.getByText('未确认').waitFor();
    await item.getByTestId('ack-button').click();
    await page.getByTestId('ack-note').fill('已通知西陵区核酸检测专班');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await item.getByText(/系统管理员 已于 .* 确认/).waitFor();

    const feed = await api<{ items: { id: string; acknowledgedAt: number | null; acknowledgedBy: string | null }[]; unacknowledgedAlerts: number }>(
      '/api/notifications?alertsOnly=true',
    );
    const acked = feed.items.find((n) => n.id === alert.id)!;
    expect(acked.acknowledgedAt).not.toBeNull();
    expect(acked.acknowledgedBy).toBe('系统管理员');
    expect(feed.unacknowledgedAlerts).toBe(before);
    await expect.poll(async () => ((await badge.count()) ? count(await badge.textContent()) : 0)).toBe(before);
    await page.screenshot({ path: screenshotPath('alerts.png'), fullPage: true });
  }, 60_000);

  it('creates a task and moves it new → acknowledged → in progress → reported → verified', async () => {
    await page.getByTestId('sidebar').getByText('任务', { exact: true }).click();
    await page.getByRole('heading', { name: '任务' }).waitFor();
    await page.getByTestId('new-task').click();
    const form = page.getByTestId('create-task-form');
    await form.getByLabel('标题').fill('西陵区 3 号小区单管复核');
    await form.getByLabel('内容').fill('对阳性混管涉及的 10 人逐一单管复核。');
    // The assignee defaults to the user's own unit and the jurisdiction to the chosen one.
    await form.getByText('宜昌市疫情防控指挥部').first().waitFor();
    await page.locator('.ant-modal-footer .ant-btn-primary').click();

    await page.waitForURL(/\/tasks\/[^/]+$/);
    const taskId = new URL(page.url()).pathname.split('/').pop()!;
    const status = page.getByTestId('task-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('new');

    const steps: [button: string, status: string, label: string][] = [
      ['acknowledged', 'acknowledged', '已签收'],
      ['in_progress', 'in_progress', '办理中'],
      ['reported', 'reported', '已上报'],
      ['verified', 'verified', '已核实'],
    ];
    for (const [button, next, label] of steps) {
      if (next === 'reported') await page.getByTestId('task-note').fill('10 人单管复核均为阴性');
      await page.getByTestId(`task-action-${button}`).click();
      await expect.poll(() => status.getAttribute('data-status')).toBe(next);
      await expect(status.textContent()).resolves.toBe(label);
    }
    await expect(page.getByTestId('task-actions').locator('button.ant-btn-primary').count()).resolves.toBe(0);

    const task = await api<{ status: string; events: { kind: string; toStatus: string | null; note: string | null }[] }>(`/api/tasks/${taskId}`);
    expect(task.status).toBe('verified');
    expect(task.events.map((e) => e.toStatus)).toEqual(['new', 'acknowledged', 'in_progress', 'reported', 'verified']);
    expect(task.events.find((e) => e.toStatus === 'reported')!.note).toBe('10 人单管复核均为阴性');
    await expect(page.getByTestId('task-history').locator('.ant-timeline-item').count()).resolves.toBe(5);
    await page.screenshot({ path: screenshotPath('task.png'), fullPage: true });
  }, 60_000);

  it('collapses the sidebar on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${demo.url}/`);
    await page.getByRole('heading', { name: '指挥首页' }).waitFor();
    const sider = page.getByTestId('sidebar');
    await expect.poll(async () => (await sider.boundingBox())?.width ?? 0).toBe(0);
    await page.getByRole('button', { name: '菜单' }).click();
    await expect.poll(async () => (await sider.boundingBox())?.width ?? 0).toBe(208);
    await page.screenshot({ path: screenshotPath('mobile-menu.png') });
    await sider.getByText('通知预警', { exact: true }).click();
    await page.getByRole('heading', { name: '通知预警' }).waitFor();
    await expect.poll(async () => (await sider.boundingBox())?.width ?? 0).toBe(0);
    await page.screenshot({ path: screenshotPath('mobile-alerts.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
  }, 60_000);

  it('shows a clear message instead of the map where WebGL 2 is missing, and the rest of the dashboard still works', async () => {
    const noGl = await context.newPage();
    const errors: string[] = [];
    noGl.on('pageerror', (err) => errors.push(err.message));
    // A browser without WebGL 2: the context cannot be created.
    await noGl.addInitScript(() => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
        return kind === 'webgl2' ? null : (original as (...a: unknown[]) => unknown).call(this, kind, ...rest);
      } as typeof original;
    });
    await noGl.goto(`${demo.url}/`);
    const map = noGl.locator('[data-testid=district-map][data-map-state=no-webgl]');
    await map.waitFor();
    await expect(map.textContent()).resolves.toContain('当前浏览器无法使用 WebGL，地图无法显示');
    await noGl.locator('[data-testid=population-chart][data-chart-state=ready]').waitFor();
    await expect(noGl.getByTestId('sit-central').locator('.ant-statistic-content').textContent()).resolves.toMatch(/^\d/);
    await noGl.screenshot({ path: screenshotPath('dashboard-no-webgl.png') });
    expect(errors).toEqual([]);
    await noGl.close();
  }, 60_000);

  it('sends the user to sign-in with a clear message when the session expires', async () => {
    await page.goto(`${demo.url}/tasks`);
    await page.getByRole('heading', { name: '任务' }).waitFor();
    // Sessions end after two idle hours: let three pass.
    demo.advanceWallClock(3 * 3_600_000);
    // The page may already be on its way to sign-in by itself: the live stream ends with the session
    // (re-checked every 5 s), and the page then finds the session gone.
    await page
      .getByTestId('sidebar')
      .getByText('日志', { exact: true })
      .click({ timeout: 10_000 })
      .catch(() => undefined);
    await page.waitForURL('**/login');
    await page.getByTestId('login-expired').getByText('登录已过期，请重新登录').waitFor();
    await page.screenshot({ path: screenshotPath('login-expired.png') });
  }, 60_000);

  it('still says the session expired after a reload (the server has cleared the cookie by then)', async () => {
    // The expiry was seen: the cookie is gone, so the server now answers a plain UNAUTHENTICATED.
    expect((await page.context().cookies()).filter((c) => c.name === 'bulwark_sid')).toEqual([]);
    await page.reload();
    await page.getByLabel('用户名').waitFor();
    await page.getByTestId('login-expired').getByText('登录已过期，请重新登录').waitFor();
    await page.goto(`${demo.url}/tasks`);
    await page.waitForURL('**/login');
    await page.getByTestId('login-expired').waitFor();
  }, 60_000);

  it('raised no page errors, CSP refusals or outside requests', () => {
    expect(problems).toEqual([]);
  });
});
