import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { makeResidentId } from '../../src/server/modules/population/resident-id.js';
import { approvedReview } from '../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { browserAvailability, CHROMIUM_ARGS, CHROMIUM_PATH, choose, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';
import { writeFakeCameraFrame } from '../helpers/fake-camera.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] sampler phone test skipped: ${availability.reason}`);

const CAMPAIGN = 'E2E扫码采样轮次';
const SITE = 'E2E扫码采样点';
/** The tube label in front of the fake camera (Code 128). */
const TUBE = 'E2ECAM00001';
const PEOPLE = [
  { name: '柯文静', masked: '柯*静', sex: 'female' as const, birth: '1985-03-08', seq: 308 },
  { name: '鲁建国', masked: '鲁*国', sex: 'male' as const, birth: '1962-10-01', seq: 101 },
  { name: '庞晓燕', masked: '庞*燕', sex: 'female' as const, birth: '1993-07-17', seq: 717 },
];
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

/**
 * Issue 16, "The sampler's phone", on a 390×844 phone: the sampler signs in and reaches the sampling
 * page, scans the tube label and a resident code with the camera (Chromium's fake camera shows a
 * picture of both, drawn by the test), is stopped on the device when scanning the same person again
 * and on a foreign or cut-short code, hears that a person is in home quarantine, falls back to typing
 * when the camera is refused, and keeps working through hours offline: the queue survives a reload
 * and an expired session, says how many wait, and sends them once.
 */
describe.skipIf(!availability.ok)("the sampler's phone [browser]", () => {
  let demo: DemoServer;
  let browser: Browser;
  let dir: string;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let page: Page;
  let campaignId: string;
  const people: { id: string; idNumber: string; code: string }[] = [];

  const scansOfTube = async () =>
    (
      await demo.server.deps.db
        .selectFrom('testing_scans')
        .innerJoin('testing_tubes', 'testing_tubes.id', 'testing_scans.tube_id')
        .select(['testing_scans.person_id as personId', 'testing_scans.counted as counted'])
        .where('testing_tubes.barcode', '=', TUBE)
        .where('testing_tubes.campaign_id', '=', campaignId)
        .execute()
    ).map((r) => [r.personId, Number(r.counted)]);

  async function signIn(p: Page): Promise<void> {
    await p.getByLabel('用户名').fill('sampler1');
    await p.getByLabel('密码').fill(DEMO_PASSWORD);
    await p.locator('form button[type=submit]').click();
    await p.waitForURL((u) => u.pathname !== '/login');
  }

  async function newPhone(): Promise<Page> {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const p = await context.newPage();
    p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    p.on('console', (m) => process.env.DEBUG_E2E && console.info('[page]', m.type(), m.text()));
    return p;
  }

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 300 });
    const { deps } = demo.server;
    const db = deps.db;
    const sys = systemActor('e2e');
    const unit = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select(['units.jurisdiction_id as jid'])
      .where('users.username', '=', 'community1')
      .executeTakeFirstOrThrow();
    const community = await db.selectFrom('jurisdictions').select(['id', 'path']).where('id', '=', unit.jid).executeTakeFirstOrThrow();
    const entrance = await db
      .selectFrom('jurisdictions')
      .select(['id', 'path'])
      .where('level', '=', 'entrance')
      .where('path', 'like', `${community.path}%`)
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const inputs = PEOPLE.map((p, i) => ({
      name: p.name,
      idType: 'resident_id' as const,
      idNumber: makeResidentId('420502', p.birth, p.seq, p.sex),
      birthDate: p.birth,
      sex: p.sex,
      resident: true,
      address: { jurisdictionId: entrance.id, room: `${801 + i}` },
    }));
    const { ids } = await deps.services.population.createMany(undefined, sys, inputs);
    for (const [i, id] of ids.entries())
      people.push({ id, idNumber: inputs[i].idNumber, code: (await deps.services.population.issueResidentCode(sys, id)).payload });
    // The third person is a close contact in home quarantine.
    await deps.services.control.requestChange(undefined, sys, {
      personIds: [people[2].id],
      to: 'quarantined_home',
      basis: { type: 'manual_review', id: await approvedReview({ deps }) },
      reason: '密接居家隔离',
    });
    const c = await deps.services.testing.campaigns.create(undefined, sys, { name: CAMPAIGN, scopeJurisdictionIds: [community.id], poolSize: 10 });
    await deps.services.testing.campaigns.activate(undefined, sys, c.id);
    campaignId = c.id;
    await deps.services.testing.sites.create(undefined, sys, { name: SITE, kind: 'tent', jurisdictionId: community.id, location: [111.29, 30.7], lanes: 2 });

    // The camera's picture: the first person's resident code beside the tube's label.
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-camera-'));
    const frame = await writeFakeCameraFrame(path.join(dir, 'codes.y4m'), [
      { text: people[0].code, format: 'QRCode', moduleSize: 7 },
      { text: TUBE, format: 'Code128', moduleSize: 3, height: 180 },
    ]);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${frame}`],
    });
    page = await newPhone();
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in, reaches sampling, scans the tube and a resident code by camera, and is stopped on a duplicate, a foreign and a cut-short code', async () => {
    await page.goto(`${demo.url}/login`);
    await signIn(page);
    // The sampler lands on the sampling page (issue 16: each role lands on its work).
    await page.waitForURL((u) => u.pathname === '/testing/sampler');
    await page.getByRole('heading', { name: '核酸采样' }).waitFor();
    await choose(page, 'sampler-campaign', null, CAMPAIGN);
    await choose(page, 'sampler-site', null, SITE);

    // The tube by camera: the picture holds a QR code too; the tube field takes the 1D label.
    await page.getByTestId('camera-tube').click();
    await expect.poll(() => page.getByTestId('current-barcode').textContent(), { timeout: 30_000 }).toBe(TUBE);
    await page.getByTestId('camera-view').waitFor({ state: 'detached' });

    // The person by camera: the resident code.
    await page.getByTestId('camera-person').click();
    const first = page.getByTestId('sampler-log-entry').filter({ hasText: PEOPLE[0].masked });
    await first.waitFor({ timeout: 30_000 });
    await expect.poll(() => first.getAttribute('data-status')).toBe('applied');
    // The row names the person (masked) and the code by its distinguishing tail, not its shared "BW2." head.
    const token = people[0].code.split('.')[1];
    expect(await first.getByTestId('log-label').textContent()).toBe(`居民码 …${token.slice(-6)}`);
    expect(await page.getByTestId('sampler-log').textContent()).not.toContain('BW2');
    expect(await scansOfTube()).toEqual([[people[0].id, 1]]);

    // The same person again, by camera: refused on the device, amber, nothing queued or sent.
    let sent = 0;
    page.on('request', (r) => void (r.url().includes('/api/testing/scans') && sent++));
    await page.getByTestId('camera-person').click();
    const notice = page.getByTestId('sampler-notice');
    await notice.getByText(`…${token.slice(-6)} 已在本管中，未重复登记。`).waitFor({ timeout: 30_000 });
    expect(await notice.getAttribute('class')).toContain('ant-alert-warning');
    expect(await page.getByTestId('queue-status').getAttribute('data-queued')).toBe('0');
    expect(await page.getByTestId('sampler-log-entry').count()).toBe(2);

    // What a hand scanner types: another app's QR code, and a resident code cut short.
    const input = page.getByTestId('person-input');
    await input.fill('https://weixin.qq.com/r/abcdef');
    await input.press('Enter');
    await notice.getByText('这不是居民码或证件号（可能是其他二维码或条码），未登记。').waitFor();
    expect(await notice.getAttribute('class')).toContain('ant-alert-warning');
    await input.fill(people[1].code.slice(0, 40));
    await input.press('Enter');
    await notice.getByText('未能识别完整居民码，请重新扫描；未登记。').waitFor();
    expect(sent).toBe(0);
    expect(await scansOfTube()).toEqual([[people[0].id, 1]]);

    // A person in home quarantine is added and flagged at once: sample at home, tell the community.
    await input.fill(people[2].idNumber);
    await input.press('Enter');
    await notice.getByText(`${PEOPLE[2].masked} 正在居家隔离，应上门采样；请告知社区。`).waitFor({ timeout: 20_000 });
    await page.getByTestId('sampler-log-entry').filter({ hasText: PEOPLE[2].masked }).getByTestId('log-attention').getByText('居家隔离').waitFor();
    await page.screenshot({ path: screenshotPath('sampler-phone-camera.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('a camera the browser refuses falls back to typing and says why', async () => {
    const p = await newPhone();
    await p.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await p.goto(`${demo.url}/login`);
    await signIn(p);
    await p.goto(`${demo.url}/testing/sampler`);
    await p.getByTestId('camera-tube').click();
    await p.getByTestId('sampler-notice').getByText('摄像头权限被拒绝，可在浏览器设置中允许。 请使用扫码枪或手动输入。').waitFor();
    // The typed (or hand-scanned) barcode still works.
    await expect.poll(() => p.getByTestId('tube-barcode-input').isEditable()).toBe(true);
    await p.context().close();
  });

  it('offline for hours: the queue survives a reload and an expired session, says how many wait, and is sent once', async () => {
    await page.context().setOffline(true);
    const input = page.getByTestId('person-input');
    await input.fill(people[1].idNumber);
    await input.press('Enter');
    const status = page.getByTestId('queue-status');
    await status.getByText('网络中断：登记已保存在本机，恢复后自动补发').waitFor({ timeout: 20_000 });
    await status.getByText('1 条待发送').waitFor();
    // Hours pass: the session expires meanwhile (idle limit 120 minutes).
    demo.advanceWallClock(4 * 3_600_000);
    await page.context().setOffline(false);
    // The server still cannot be reached for sending when the page is reloaded.
    await page.route('**/api/testing/scans/batch', (route) => route.abort('internetdisconnected'));
    await page.reload();
    // The session expired while offline: the sampler signs in again; the queue waits on the phone.
    await page.getByLabel('用户名').waitFor({ timeout: 20_000 });
    await signIn(page);
    await page.waitForURL((u) => u.pathname === '/testing/sampler');
    await status.getByText('1 条待发送').waitFor({ timeout: 20_000 });
    expect(await status.getAttribute('data-queued')).toBe('1');
    expect(await page.getByTestId('current-barcode').textContent()).toBe(TUBE);
    expect(await scansOfTube()).toHaveLength(2);
    await page.screenshot({ path: screenshotPath('sampler-phone-offline.png'), fullPage: true });

    // The network is back: sent once, with the id it was queued under.
    await page.unroute('**/api/testing/scans/batch');
    await page.getByTestId('send-now').click();
    await expect.poll(() => status.getAttribute('data-queued'), { timeout: 20_000 }).toBe('0');
    await page.getByTestId('sampler-log-entry').filter({ hasText: PEOPLE[1].masked }).waitFor();
    expect((await scansOfTube()).sort()).toEqual(
      [
        [people[0].id, 1],
        [people[1].id, 1],
        [people[2].id, 1],
      ].sort(),
    );
    // The same person typed again after all that: still refused on the device.
    await input.fill(people[1].idNumber);
    await input.press('Enter');
    await page.getByTestId('sampler-notice').getByText('已在本管中，未重复登记。', { exact: false }).waitFor();
  });

  it('no menu covers the page on a phone', async () => {
    await page.context().setOffline(false);
    for (const route of ['/testing/sampler', '/tasks', '/notifications']) {
      await page.goto(`${demo.url}${route}`);
      await page.locator('#bw-main :is(h2, h3, h4)').first().waitFor();
      // A tap where the closed sidebar's menu would lie (it once opened its groups as pop-ups over the page).
      await page.mouse.move(40, 300);
      await page.mouse.click(90, 350);
      expect(await page.locator('.ant-menu-submenu-popup:visible, .ant-menu:visible').count(), route).toBe(0);
      // Whatever sits at the page's left edge and centre is the page's own content, not a sidebar.
      for (const [x, y] of [
        [4, 200],
        [30, 420],
        [90, 350],
        [195, 600],
      ]) {
        const inMain = await page.evaluate(([px, py]) => !!document.elementFromPoint(px, py)?.closest('#bw-main'), [x, y]);
        expect(inMain, `${route}: (${x}, ${y}) is covered`).toBe(true);
      }
    }
    // The menu button still opens the menu, and choosing a page closes it again.
    await page.getByRole('button', { name: '菜单' }).click();
    await page.locator('.ant-menu:visible').first().waitFor();
  });
});
