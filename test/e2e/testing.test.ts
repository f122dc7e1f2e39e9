import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeResidentId } from '../../src/server/modules/population/resident-id.js';
import { DEMO_ADMIN, DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { browserAvailability, choose, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] mass testing tests skipped: ${availability.reason}`);

/** Residents registered for the test (known ID numbers; the demo's own are encrypted). */
const PEOPLE = [
  { name: '于海涛', masked: '于*涛', sex: 'male' as const, birth: '1971-05-06', seq: 506 },
  { name: '贺明远', masked: '贺*远', sex: 'male' as const, birth: '1983-09-14', seq: 914 },
  { name: '齐芳华', masked: '齐*华', sex: 'female' as const, birth: '1990-01-22', seq: 122 },
  { name: '邢亮亮', masked: '邢*亮', sex: 'male' as const, birth: '1966-12-30', seq: 130 },
];
const TUBE = 'E2EPOOL0001';
const RECHECK_TUBE = 'E2ERECHECK01';

/** Digits of a displayed count. */
const num = (s: string | null) => Number((s ?? '').replace(/[^\d]/g, ''));

describe.skipIf(!availability.ok)('mass testing end to end [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let hq: Page;
  let sampler: Page;
  let lab: Page;
  let place: { communityId: string; communityCode: string; compoundCode: string; compoundName: string; entranceId: string };
  const people: { id: string; idNumber: string; code: string }[] = [];
  let campaignId: string;

  async function open(viewport: { width: number; height: number }, username: string): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${username}: page error: ${err.message}`));
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(username === DEMO_ADMIN.username ? DEMO_ADMIN.password : DEMO_PASSWORD);
    await page.locator('form button[type=submit]').click();
    // Each role lands on its own page (issue 16): the sampler on sampling, the lab on its worklist.
    await page.waitForURL((u) => u.pathname !== '/login');
    return page;
  }

  const count = async (table: 'testing_scans', where: ['tube_id', string]) =>
    Number(
      (
        await demo.server.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(where[0], '=', where[1])
          .executeTakeFirstOrThrow()
      ).n,
    );
  const statusOf = async (personId: string) => (await demo.server.deps.services.control.statusesOf([personId])).get(personId)!.status;

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 800 });
    const { deps } = demo.server;
    // Live coverage events come from a job (at most one per campaign and second); the demo helper
    // starts no job runner, the real server does.
    deps.services.jobs.start({ pollMs: 200 });
    const db = deps.db;
    // The community of the demo's community worker (its committee receives the recheck tasks).
    const unit = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select(['units.jurisdiction_id as jid'])
      .where('users.username', '=', 'community1')
      .executeTakeFirstOrThrow();
    const community = await db.selectFrom('jurisdictions').select(['id', 'code', 'path']).where('id', '=', unit.jid).executeTakeFirstOrThrow();
    const entrance = await db
      .selectFrom('jurisdictions')
      .select(['id', 'path'])
      .where('level', '=', 'entrance')
      .where('path', 'like', `${community.path}%`)
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const compoundCode = entrance.path.split('/').filter(Boolean)[4];
    const compound = await db.selectFrom('jurisdictions').select(['name']).where('code', '=', compoundCode).executeTakeFirstOrThrow();
    place = { communityId: community.id, communityCode: community.code, compoundCode, compoundName: compound.name, entranceId: entrance.id };
    const sys = systemActor('e2e');
    const inputs = PEOPLE.map((p, i) => ({
      name: p.name,
      idType: 'resident_id' as const,
      idNumber: makeResidentId('420502', p.birth, p.seq, p.sex),
      birthDate: p.birth,
      sex: p.sex,
      resident: true,
      address: { jurisdictionId: entrance.id, room: `${501 + i}` },
    }));
    const { ids } = await deps.services.population.createMany(undefined, sys, inputs);
    for (const [i, id] of ids.entries())
      people.push({ id, idNumber: inputs[i].idNumber, code: (await deps.services.population.issueResidentCode(sys, id)).payload });

    browser = await launchChromium();
    hq = await open({ width: 1440, height: 900 }, DEMO_ADMIN.username);
    sampler = await open({ width: 390, height: 844 }, 'sampler1');
    lab = await open({ width: 1280, height: 900 }, 'lab1');
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
  });

  it('adds a sampling site and plans and activates a campaign over a community', async () => {
    await hq.goto(`${demo.url}/testing/sites`);
    await hq.getByRole('heading', { name: '采样点' }).first().waitFor();
    await hq.getByTestId('new-site').click();
    const form = hq.getByTestId('site-form');
    await form.getByLabel('名称').fill('滨江采样点');
    await choose(hq, 'site-jurisdiction', place.compoundCode, place.compoundCode);
    // The location defaults to the compound's centre.
    await expect.poll(() => form.getByPlaceholder('经度').inputValue()).not.toBe('');
    await hq.getByTestId('site-submit').click();
    await hq.getByTestId('site-row').filter({ hasText: '滨江采样点' }).waitFor();
    await hq.screenshot({ path: screenshotPath('testing-sites.png'), fullPage: true });

    await hq.goto(`${demo.url}/testing/campaigns`);
    await hq.getByTestId('new-campaign').click();
    const cf = hq.getByTestId('campaign-form');
    await cf.getByLabel('轮次名称').fill('西陵区第1轮全员核酸检测');
    await choose(hq, 'campaign-scope', place.communityCode, place.communityCode);
    await hq.getByTestId('campaign-submit').click();
    await hq.waitForURL(/\/testing\/campaigns\/[^/]+$/);
    campaignId = new URL(hq.url()).pathname.split('/').pop()!;
    await expect(hq.getByTestId('campaign-status').textContent()).resolves.toBe('计划中');
    await hq.getByTestId('activate-campaign').click();
    await hq.locator('.ant-popconfirm .ant-btn-primary, .ant-popover .ant-btn-primary').first().click();
    await expect.poll(() => hq.getByTestId('campaign-status').textContent()).toBe('进行中');

    // The target is everyone living in the community (nobody is quarantined).
    const residents = Number(
      (
        await demo.server.deps.db
          .selectFrom('persons')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(
            'jurisdiction_path',
            'like',
            `${(await demo.server.deps.db.selectFrom('jurisdictions').select('path').where('id', '=', place.communityId).executeTakeFirstOrThrow()).path}%`,
          )
          .executeTakeFirstOrThrow()
      ).n,
    );
    await expect.poll(async () => num(await hq.getByTestId('cov-target').locator('.ant-statistic-content').textContent())).toBe(residents);
    await expect(num(await hq.getByTestId('cov-sampled').locator('.ant-statistic-content').textContent())).toBe(0);
    await hq.locator('[data-testid=coverage-map]').and(hq.locator('[data-map-state=ready], [data-map-state=no-webgl]')).waitFor({ timeout: 30_000 });
  }, 120_000);

  it('samples on a phone: opens a tube, scans by resident code and ID, survives a lost response and an outage without counting twice, closes the tube', async () => {
    await sampler.goto(`${demo.url}/testing/sampler`);
    await sampler.getByRole('heading', { name: '核酸采样' }).waitFor();
    await choose(sampler, 'sampler-campaign', null, '西陵区第1轮全员核酸检测');
    await choose(sampler, 'sampler-site', null, '滨江采样点');

    // A malformed barcode is refused on the device.
    await sampler.getByTestId('tube-barcode-input').fill('ab-1');
    await sampler.getByTestId('tube-barcode-input').press('Enter');
    await sampler.getByTestId('sampler-notice').getByText('条码应为 8–20 位大写字母或数字').waitFor();

    await sampler.getByTestId('tube-barcode-input').fill(TUBE.toLowerCase());
    await sampler.getByTestId('tube-barcode-input').press('Enter');
    await expect.poll(() => sampler.getByTestId('current-barcode').textContent()).toBe(TUBE);
    const countEl = sampler.getByTestId('tube-count');
    const input = sampler.getByTestId('person-input');

    // 1. Resident code, as a scanner types it.
    await input.fill(people[0].code);
    await input.press('Enter');
    await expect.poll(() => countEl.getAttribute('data-count')).toBe('1');
    await sampler.getByTestId('last-names').getByText(PEOPLE[0].masked).waitFor();

    // 2. ID number typed; the first answer is lost on the way back (the server did apply it).
    let lost = false;
    await sampler.route('**/api/testing/scans/batch', async (route) => {
      if (lost) return route.continue();
      lost = true;
      await route.fetch();
      await route.abort('failed');
    });
    await input.fill(people[1].idNumber);
    await input.press('Enter');
    await expect.poll(() => lost).toBe(true);
    // Resent from the queue with the same client id: answered duplicate, counted once.
    await sampler.locator('[data-testid=sampler-log-entry][data-status=duplicate]').getByText('重复提交，已忽略（不重复计数）').waitFor({ timeout: 20_000 });
    await sampler.unroute('**/api/testing/scans/batch');
    await expect.poll(() => countEl.getAttribute('data-count')).toBe('2');
    expect(
      await count('testing_scans', [
        'tube_id',
        (await demo.server.deps.db.selectFrom('testing_tubes').select('id').where('barcode', '=', TUBE).executeTakeFirstOrThrow()).id,
      ]),
    ).toBe(2);

    // 3. The network drops: the scan waits in the local queue (localStorage) and the page says so.
    await sampler.context().setOffline(true);
    await input.fill(people[2].code);
    await input.press('Enter');
    await sampler.getByTestId('queue-status').getByText('网络中断：登记已保存在本机，恢复后自动补发').waitFor();
    await expect(countEl.getAttribute('data-pending')).resolves.toBe('1');
    await expect(countEl.textContent()).resolves.toContain('3 / 10');
    const stored = await sampler.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('bulwark.sampler.queue.'))
        .map((k) => JSON.parse(localStorage.getItem(k)!).length),
    );
    expect(stored).toEqual([1]);
    await sampler.screenshot({ path: screenshotPath('testing-sampler-offline.png'), fullPage: true });
    await sampler.context().setOffline(false);
    await expect.poll(() => sampler.getByTestId('queue-status').getAttribute('data-queued'), { timeout: 20_000 }).toBe('0');
    await expect.poll(() => countEl.getAttribute('data-count')).toBe('3');
    await expect(countEl.getAttribute('data-pending')).resolves.toBe('0');

    // An unknown person is refused with the reason and not counted.
    await input.fill(makeResidentId('420502', '1950-01-01', 11, 'male'));
    await input.press('Enter');
    await sampler
      .locator('[data-testid=sampler-log-entry][data-status=rejected]')
      .getByText(/查无此人/)
      .waitFor();

    // 4. One more, then close on demand.
    await input.fill(people[3].idNumber);
    await input.press('Enter');
    await expect.poll(() => countEl.getAttribute('data-count')).toBe('4');
    for (const p of PEOPLE) await sampler.getByTestId('last-names').getByText(p.masked).waitFor();
    await sampler.screenshot({ path: screenshotPath('testing-sampler.png'), fullPage: true });
    await sampler.getByTestId('close-tube').click();
    await sampler
      .getByTestId('sampler-notice')
      .getByText(/已封管/)
      .waitFor();
    await sampler.getByTestId('tube-barcode-input').waitFor();
    await expect
      .poll(
        async () =>
          (await demo.server.deps.db.selectFrom('testing_tubes').select(['status', 'scan_count']).where('barcode', '=', TUBE).executeTakeFirstOrThrow()).status,
      )
      .toBe('closed');
    expect(
      await count('testing_scans', [
        'tube_id',
        (await demo.server.deps.db.selectFrom('testing_tubes').select('id').where('barcode', '=', TUBE).executeTakeFirstOrThrow()).id,
      ]),
    ).toBe(4);

    // HQ's page, open all along, followed the scans live (the tag appears on a testing.coverage event).
    await expect.poll(async () => num(await hq.getByTestId('cov-sampled').locator('.ant-statistic-content').textContent()), { timeout: 20_000 }).toBe(4);
    await hq
      .getByTestId('coverage-section')
      .getByText(/^实时 · 更新于/)
      .waitFor();
    await hq.screenshot({ path: screenshotPath('testing-coverage-sampled.png'), fullPage: true });
  }, 120_000);

  it('the lab receives the tube, refuses a bad results file with its row report, imports one positive pool; rechecks, pending persons, the alert and coverage follow', async () => {
    await lab.goto(`${demo.url}/testing/lab`);
    await lab.getByRole('heading', { name: '检测' }).first().waitFor();
    const receive = lab.getByTestId('lab-receive');
    await receive.getByLabel('转运箱编号').fill('BOX-E2E-01');
    await receive.getByLabel(/采样管条码/).fill(`${TUBE}\n`);
    await lab.getByTestId('receive-submit').click();
    await receive.getByTestId('receive-outcome').getByText('已接收 1；此前已接收 0；拒收 0').waitFor();

    const imp = lab.getByTestId('lab-import');
    const file = (rows: string[]) => ({
      name: 'results.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(['barcode,result,ct_orf1ab,ct_n,lab', ...rows].join('\r\n') + '\r\n'),
    });
    await imp.locator('input[type=file]').setInputFiles(file([`${TUBE},positive,28.1,30.2,宜昌市疾控中心`, 'NOSUCHTUBE99,negative,,,宜昌市疾控中心']));
    await lab.getByTestId('import-submit').click();
    await imp.getByTestId('import-outcome').getByText('文件有错误行，未导入任何结果').waitFor();
    const bad = imp.locator('[data-testid=report-row]');
    await expect(bad.count()).resolves.toBe(1);
    // Row 3 as a spreadsheet program shows the file: the header is row 1, the good tube row 2.
    await expect(bad.getAttribute('data-row')).resolves.toBe('3');
    await expect(bad.textContent()).resolves.toContain('未知的采样管条码');
    expect((await demo.server.deps.db.selectFrom('testing_tubes').select('result').where('barcode', '=', TUBE).executeTakeFirstOrThrow()).result).toBeNull();

    await imp.locator('input[type=file]').setInputFiles(file([`${TUBE},positive,28.1,30.2,宜昌市疾控中心`]));
    await lab.getByTestId('import-submit').click();
    await imp.getByTestId('rechecks-started').getByText('已启动单管复核 4 人，已通知社区、区和指挥部').waitFor();
    await lab.screenshot({ path: screenshotPath('testing-lab-import.png'), fullPage: true });

    // HQ: the alert arrives live, and the coverage shows the positive pool and four pending persons.
    await hq.locator('.ant-notification-notice').getByText(new RegExp(TUBE)).first().waitFor({ timeout: 20_000 });
    await expect.poll(async () => num(await hq.getByTestId('cov-positive').locator('.ant-statistic-content').textContent()), { timeout: 20_000 }).toBe(1);
    await expect.poll(async () => num(await hq.getByTestId('cov-pending').locator('.ant-statistic-content').textContent()), { timeout: 20_000 }).toBe(4);
    // HQ's admin reads the community's, the district's and HQ's alerts: one toast for the one pool.
    expect(
      (
        await demo.server.deps.db
          .selectFrom('notifications')
          .select('id')
          .where('source_entity_type', '=', 'testing_tube')
          .where('title', 'like', `%${TUBE}%`)
          .execute()
      ).length,
    ).toBe(3);
    await expect(hq.locator('.ant-notification-notice').filter({ hasText: TUBE }).count()).resolves.toBe(1);
    await hq.screenshot({ path: screenshotPath('testing-coverage-positive.png'), fullPage: true });

    // The recheck list: one single tube per person, each with its task for the community.
    await hq.getByTestId('tab-rechecks').click();
    const rows = hq.locator('[data-testid=recheck-row]');
    await expect.poll(() => rows.count()).toBe(4);
    await expect(hq.locator('[data-testid=recheck-row][data-status=awaiting_sample]').count()).resolves.toBe(4);
    await expect(hq.getByTestId('recheck-task').count()).resolves.toBe(4);
    for (const p of people) expect(await statusOf(p.id)).toBe('pending_recheck');
    // The trace of the pool from the recheck list.
    await rows.first().getByText('追溯').click();
    const trace = hq.getByTestId('trace');
    await trace.getByText('滨江采样点', { exact: false }).waitFor();
    await expect(trace.locator('.ant-table-row').count()).resolves.toBeGreaterThanOrEqual(4);
    await hq.keyboard.press('Escape');

    // A task, as the community's unit will see it.
    const taskHref = await rows.filter({ hasText: PEOPLE[0].masked }).getByTestId('recheck-task').getAttribute('href');
    await hq.goto(`${demo.url}${taskHref}`);
    // Written in both languages; the page shows the half for its language.
    await expect.poll(() => hq.getByTestId('task-title').textContent()).toBe(`单管复核：${PEOPLE[0].masked}`);

    // The person's page says why they are pending: the positive tube.
    await hq.goto(`${demo.url}/persons/${people[0].id}`);
    const card = hq.getByTestId('control-card');
    await expect.poll(() => card.getByTestId('control-status').first().getAttribute('data-status')).toBe('pending_recheck');
    await expect(card.getByTestId('control-basis').first().getAttribute('data-basis-type')).resolves.toBe('tube');
    await hq.screenshot({ path: screenshotPath('testing-person-pending.png'), fullPage: true });
  }, 120_000);

  it('a negative single-tube recheck releases the person', async () => {
    await hq.goto(`${demo.url}/testing/campaigns/${campaignId}`);
    await expect.poll(async () => num(await hq.getByTestId('cov-pending').locator('.ant-statistic-content').textContent())).toBe(4);

    await sampler.reload();
    const recheck = sampler.locator('[data-testid=sampler-recheck]').filter({ hasText: PEOPLE[0].masked });
    await recheck.getByTestId('recheck-sample').click();
    const form = sampler.getByTestId('recheck-sample-form');
    await form.getByLabel('单管条码').fill(RECHECK_TUBE);
    await form.getByLabel(/居民码或证件号/).fill(people[0].code);
    await sampler.getByTestId('recheck-sample-submit').click();
    await sampler.getByText('已采样，请送检').waitFor();
    await expect.poll(() => sampler.locator('[data-testid=sampler-recheck]').count()).toBe(3);

    await lab.reload();
    const receive = lab.getByTestId('lab-receive');
    await receive.getByLabel('转运箱编号').fill('BOX-E2E-02');
    await receive.getByLabel(/采样管条码/).fill(RECHECK_TUBE);
    await lab.getByTestId('receive-submit').click();
    await receive
      .getByTestId('receive-outcome')
      .getByText(/已接收 1/)
      .waitFor();
    const result = lab.getByTestId('lab-result');
    await result.getByLabel('条码').fill(RECHECK_TUBE);
    await lab.getByTestId('result-submit').click();
    await result.getByTestId('result-outcome').getByText(`${RECHECK_TUBE} · 阴性 · 结果已录入`).waitFor();

    await expect.poll(() => statusOf(people[0].id)).toBe('none');
    expect(await statusOf(people[1].id)).toBe('pending_recheck');
    // Results publish no live coverage event (only scans do), so HQ re-reads the page.
    await hq.reload();
    await expect.poll(async () => num(await hq.getByTestId('cov-pending').locator('.ant-statistic-content').textContent()), { timeout: 20_000 }).toBe(3);

    await hq.goto(`${demo.url}/persons/${people[0].id}`);
    const card = hq.getByTestId('control-card');
    await expect.poll(() => card.getByTestId('control-status').first().getAttribute('data-status')).toBe('none');
    const changes = card.getByTestId('control-change');
    await expect(changes.count()).resolves.toBe(2);
    await expect(changes.nth(1).getAttribute('data-to')).resolves.toBe('none');
    await expect(changes.nth(1).getByTestId('control-basis').getAttribute('data-basis-type')).resolves.toBe('recheck');
    await hq.screenshot({ path: screenshotPath('testing-person-released.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);

  it('door-knocking lists who is still missing in a building; sites show readiness and the 15-minute circle; the planner answers', async () => {
    // Door-knocking: the entrance's building, with the four sampled residents no longer listed.
    const building = await demo.server.deps.db
      .selectFrom('jurisdictions')
      .select(['code', 'name'])
      .where(
        'id',
        '=',
        (await demo.server.deps.db.selectFrom('jurisdictions').select('parent_id').where('id', '=', place.entranceId).executeTakeFirstOrThrow()).parent_id!,
      )
      .executeTakeFirstOrThrow();
    await hq.goto(`${demo.url}/testing/campaigns/${campaignId}`);
    await hq.getByTestId('tab-door').click();
    await choose(hq, 'door-building', building.code, building.code);
    const summary = hq.getByTestId('door-summary');
    await summary.getByText(/已采 4 人/).waitFor();
    const missing = await hq.locator('[data-testid=door-row]').allTextContents();
    expect(missing.length).toBeGreaterThan(0);
    for (const p of PEOPLE) expect(missing.join()).not.toContain(p.name);
    await hq.keyboard.press('Escape');
    await hq.screenshot({ path: screenshotPath('testing-door-knocking.png'), fullPage: true });

    // Sites: the new site is not yet checked for this season; recording the check clears it.
    await hq.goto(`${demo.url}/testing/sites`);
    const row = hq.getByTestId('site-row').filter({ hasText: '滨江采样点' });
    await hq.getByTestId('not-ready').getByText('滨江采样点').waitFor();
    const season = (await hq.getByTestId('not-ready').locator('.ant-card-head-title').textContent())!;
    const aspect = (['春能躲雨', '夏能避暑', '秋能防风', '冬能保暖'] as const).find((a) => season.includes(a))!;
    const key = { 春能躲雨: 'rain', 夏能避暑: 'heat', 秋能防风: 'wind', 冬能保暖: 'cold' }[aspect];
    await row.getByTestId(`readiness-${key}`).click();
    await hq.locator('.ant-modal-footer .ant-btn-primary').click();
    await expect.poll(() => row.getByTestId(`readiness-${key}`).getAttribute('data-ready')).toBe('true');
    await hq.getByTestId('not-ready').getByText('所有启用的采样点均已达标').waitFor();
    await hq
      .getByTestId('gaps')
      .getByText(/米直线距离内没有采样点的小区/)
      .waitFor();
    await hq.locator('[data-testid=sites-map]').and(hq.locator('[data-map-state=ready], [data-map-state=no-webgl]')).waitFor({ timeout: 30_000 });
    await hq.screenshot({ path: screenshotPath('testing-sites-readiness.png'), fullPage: true });

    // Planning: the capacity total and the pool-size advice.
    await hq.goto(`${demo.url}/testing/planning`);
    await hq.getByTestId('capacity-total').waitFor();
    await hq
      .getByTestId('pool-recommended')
      .getByText(/推荐：/)
      .waitFor();
    await hq.screenshot({ path: screenshotPath('testing-planning.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 90_000);

  it('seals a compound (a published high area), runs a round over it and sees every resident targeted with door-to-door sampling, never exempted', async () => {
    const { deps } = demo.server;
    const db = deps.db;
    const sys = systemActor('e2e');
    // The compound of the residents registered above (sampled in the community's round, whose
    // statuses the expectations below read rather than assume).
    const compound = await db
      .selectFrom('jurisdictions')
      .select(['id', 'code', 'path', 'name'])
      .where('code', '=', place.compoundCode)
      .executeTakeFirstOrThrow();
    const residents = (
      await db.selectFrom('persons').select('id').where('jurisdiction_path', 'like', `${compound.path}%`).where('merged_into', 'is', null).execute()
    ).map((r) => r.id);
    expect(residents.length).toBeGreaterThan(0);
    // A case among them; the area is published over their compound.
    const caseId = (await deps.services.cases.cases.create(undefined, sys, { personId: people[3].id, kind: 'confirmed', reason: '确诊' })).id;
    const area = await deps.services.zoning.create(undefined, sys, {
      name: `${compound.name}封控区`,
      level: 'high',
      jurisdictionIds: [compound.id],
      basis: { caseIds: [caseId] },
    });
    await deps.services.zoning.publish(undefined, sys, area.id, { justification: '流调研判：病例密接居住于该小区' });
    const statuses = await deps.services.control.statusesOf(residents);
    const sealed = residents.filter((id) => statuses.get(id)!.status === 'sealed').length;
    const exempt = residents.filter((id) => ['quarantined_central', 'quarantined_home'].includes(statuses.get(id)!.status)).length;
    expect(sealed).toBeGreaterThan(0);

    await hq.goto(`${demo.url}/testing/campaigns`);
    await hq.getByTestId('new-campaign').click();
    const cf = hq.getByTestId('campaign-form');
    await cf.getByLabel('轮次名称').fill(`${compound.name}封控区核酸检测`);
    await choose(hq, 'campaign-scope', compound.code, compound.code);
    await hq.getByTestId('campaign-submit').click();
    await hq.waitForURL((u) => /\/testing\/campaigns\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(campaignId));
    // The pool mode comes from the area: one tube per household.
    await hq.getByTestId('campaign-area-pool').getByText('按风险区：1户1管').waitFor();
    await hq.getByTestId('activate-campaign').click();
    await hq.locator('.ant-popconfirm .ant-btn-primary, .ant-popover .ant-btn-primary').first().click();
    await expect.poll(() => hq.getByTestId('campaign-status').textContent()).toBe('进行中');

    // Every resident is targeted (none exempt for the seal), and the sealed ones go door to door.
    await expect.poll(async () => num(await hq.getByTestId('cov-target').locator('.ant-statistic-content').textContent())).toBe(residents.length - exempt);
    await expect.poll(async () => num(await hq.getByTestId('cov-door-target').locator('.ant-statistic-content').textContent())).toBe(sealed);
    await hq.getByTestId('cov-door-hint').getByText('封控区居民足不出户，全部纳入检测，上门采样，不予豁免').waitFor();
    const pools = await hq.getByTestId('cov-child-pool').allTextContents();
    expect(pools.length).toBeGreaterThan(0);
    expect(new Set(pools)).toEqual(new Set(['1户1管']));
    const doors = (await hq.getByTestId('cov-child-door').allTextContents()).map((x) => num(x.split('/')[1]));
    expect(doors.reduce((a, n) => a + n, 0)).toBe(sealed);
    await hq.screenshot({ path: screenshotPath('testing-sealed-compound.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
