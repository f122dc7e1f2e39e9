import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { csvText, encodeGbk } from '../../src/server/modules/population/population.test-helpers.js';
import { makeResidentId } from '../../src/server/modules/population/resident-id.js';
import { DEMO_ADMIN, DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { approvedReview } from '../../src/server/modules/control/control.test-helpers.js';
import { browserAvailability, choose, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] population tests skipped: ${availability.reason}`);

/** Three residents to import, with names whose pinyin initials are searched for later. */
const NEW = [
  { name: '柯晓岚', sex: 'female' as const, birth: '1987-04-12', seq: 412, phone: '13971230001' },
  { name: '闫志博', sex: 'male' as const, birth: '1979-11-03', seq: 113, phone: '13971230002' },
  { name: '宁采薇', sex: 'female' as const, birth: '1995-02-27', seq: 227, phone: '13971230003' },
];
const BAD_NAME = '郝建章';

describe.skipIf(!availability.ok)('population and control pages [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  /** Where the imported residents live: a compound of 西陵区 with a building and an entrance. */
  let place: { community: string; compound: string; building: string; entrance: string };

  async function signIn(p: Page, username: string) {
    await p.goto(`${demo.url}/login`);
    await p.getByLabel('用户名').fill(username);
    await p.getByLabel('密码').fill(username === DEMO_ADMIN.username ? DEMO_ADMIN.password : DEMO_PASSWORD);
    await p.locator('form button[type=submit]').click();
    await p.waitForURL((u) => u.pathname === '/');
  }

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 800 });
    const db = demo.server.deps.db;
    // An entrance of 西陵区 whose compound name is unique in the city (the import resolves names).
    const entrances = await db
      .selectFrom('jurisdictions')
      .select(['id', 'name', 'parent_id', 'path'])
      .where('level', '=', 'entrance')
      .where('path', 'like', '/420500/420502/%')
      .limit(200)
      .execute();
    for (const e of entrances) {
      const b = await db.selectFrom('jurisdictions').select(['id', 'name', 'parent_id']).where('id', '=', e.parent_id!).executeTakeFirstOrThrow();
      const c = await db.selectFrom('jurisdictions').select(['id', 'name', 'parent_id']).where('id', '=', b.parent_id!).executeTakeFirstOrThrow();
      const community = await db.selectFrom('jurisdictions').select(['name']).where('id', '=', c.parent_id!).executeTakeFirstOrThrow();
      const same = await db
        .selectFrom('jurisdictions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('level', '=', 'compound')
        .where('name', '=', c.name)
        .executeTakeFirstOrThrow();
      if (Number(same.n) === 1) {
        place = { community: community.name, compound: c.name, building: b.name, entrance: e.name };
        break;
      }
    }
    expect(place, 'a 西陵区 compound with a unique name').toBeDefined();
    // Manual changes of more than one person wait for a second approver in this test.
    await demo.server.deps.services.control.setBulkThreshold(undefined, systemActor('e2e'), 1);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message} ${err.stack ?? ''}`));
    await signIn(page, DEMO_ADMIN.username);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** The GBK-encoded CSV a community keeps: three good rows and one with a wrong check digit (spreadsheet row 4). */
  function residentCsv(): Buffer {
    const header = ['姓名', '身份证号', '手机号', '性别', '出生日期', '社区', '小区', '楼栋', '单元', '房号'];
    const row = (name: string, id: string, phone: string, sex: 'male' | 'female', birth: string, room: string) => [
      name,
      id,
      phone,
      sex === 'male' ? '男' : '女',
      birth,
      place.community,
      place.compound,
      place.building,
      place.entrance,
      room,
    ];
    const good = NEW.map((r, i) => row(r.name, makeResidentId('420502', r.birth, r.seq, r.sex), r.phone, r.sex, r.birth, `${301 + i}`));
    const id = makeResidentId('420502', '1968-08-08', 808, 'male');
    const wrongCheck = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    const bad = row(BAD_NAME, wrongCheck, '13971230009', 'male', '1968-08-08', '309');
    return encodeGbk(csvText([header, good[0], good[1], bad, good[2]]));
  }

  const personsNamed = async (names: string[]) =>
    Number(
      (
        await demo.server.deps.db
          .selectFrom('persons')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('name', 'in', names)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('uploads a GBK CSV, previews the mapping, refuses it whole with the row report, then imports only the valid rows', async () => {
    await page.goto(`${demo.url}/persons`);
    await page.getByRole('heading', { name: '人员' }).waitFor();
    await page.getByText('支持拼音首字母、完整证件号、手机号精确查找').waitFor();
    await page.getByTestId('import-button').click();
    await page.waitForURL('**/persons/import');
    await page.getByRole('heading', { name: '导入居民名单' }).waitFor();

    await page.locator('[data-testid=import-page] input[type=file]').setInputFiles({ name: '居民名单.csv', mimeType: 'text/csv', buffer: residentCsv() });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    // The server detected GBK and mapped the Chinese headers.
    await expect(preview.getByTestId('import-encoding').textContent()).resolves.toContain('GBK');
    const mapping = preview.getByTestId('import-mapping');
    for (const h of ['姓名', '身份证号', '小区', '楼栋']) await mapping.getByText(h, { exact: true }).first().waitFor();
    await preview.getByText('柯晓岚').waitFor();

    // All or nothing (the default): one bad row refuses the file, and the report names it.
    await page.getByTestId('import-run').click();
    const report = page.getByTestId('import-report');
    await report.getByText('文件有 1 行错误，未导入任何数据').waitFor();
    const errorRow = report.locator('[data-testid=import-error-row]');
    await expect(errorRow.count()).resolves.toBe(1);
    await expect(errorRow.getAttribute('data-row')).resolves.toBe('4');
    await expect(errorRow.textContent()).resolves.toContain('身份证号校验码错误');
    await expect(errorRow.textContent()).resolves.toContain('证件号码');
    expect(await personsNamed([...NEW.map((n) => n.name), BAD_NAME])).toBe(0);
    await page.screenshot({ path: screenshotPath('population-import-refused.png'), fullPage: true });

    // A dry run writes nothing either.
    await page.getByTestId('import-mode').getByText('仅导入正确的行').click();
    await page.getByTestId('import-dry-run').click();
    await report.getByText('试运行完成：3 / 4 行正确，未写入数据').waitFor();
    expect(await personsNamed(NEW.map((n) => n.name))).toBe(0);

    // Only the valid rows, chosen explicitly.
    await page.getByTestId('import-run').click();
    await report.getByText('已导入：新增 3，更新 0，未变 0').waitFor();
    await report.getByText('跳过 1 行错误').waitFor();
    await expect(report.locator('[data-testid=import-error-row]').getAttribute('data-row')).resolves.toBe('4');
    expect(await personsNamed(NEW.map((n) => n.name))).toBe(3);
    expect(await personsNamed([BAD_NAME])).toBe(0);
    await page.screenshot({ path: screenshotPath('population-import-partial.png'), fullPage: true });
  }, 90_000);

  it('finds an imported resident by pinyin initials and by full ID number; the detail shows the resident code and no measure', async () => {
    await page.goto(`${demo.url}/persons`);
    const search = page.getByTestId('person-search').locator('input');
    await search.fill('kxl');
    await search.press('Enter');
    await page.getByTestId('person-link').getByText('柯晓岚', { exact: true }).waitFor();

    const fullId = makeResidentId('420502', NEW[1].birth, NEW[1].seq, NEW[1].sex);
    await search.fill(fullId);
    await search.press('Enter');
    // A full number is searched only with a purpose (journaled like a reveal); punctuation is not one.
    const purpose = page.getByTestId('search-purpose');
    await purpose.fill('。。。。');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /查\s*询|搜\s*索/ })
      .click();
    await page.getByText('请写明真实原因').waitFor();
    await purpose.fill('核对导入的居民信息');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /查\s*询|搜\s*索/ })
      .click();
    await page.getByTestId('person-link').getByText('闫志博', { exact: true }).waitFor();
    await expect(page.getByTestId('person-link').count()).resolves.toBe(1);
    // Lists show the number masked: the birth date and the check character hidden, the birth year apart.
    await page.getByText(`${fullId.slice(0, 4)}**********${fullId.slice(14, 17)}*`).waitFor();
    await expect(page.getByTestId('persons').textContent()).resolves.not.toContain(NEW[1].birth);

    await page.getByTestId('person-link').click();
    await page.waitForURL(/\/persons\/[^/]+$/);
    const detail = page.getByTestId('person-detail');
    await detail.getByRole('heading', { name: '闫志博' }).waitFor();
    const qr = page.getByTestId('resident-code-qr');
    await qr.waitFor();
    await expect(qr.getAttribute('src')).resolves.toMatch(/^data:image\/png;base64,/);
    const payload = await page.getByTestId('resident-code-payload').textContent();
    const personId = await detail.getAttribute('data-person-id');
    // The code carries an opaque token, never the person's id (issue 14).
    expect(payload).toMatch(/^BW2\.[A-Za-z0-9_-]{22}\./);
    expect(payload).not.toContain(personId);
    const card = page.getByTestId('control-card');
    await expect.poll(() => card.getByTestId('control-status').first().getAttribute('data-status')).toBe('none');
    await card.getByText('当前没有任何管控措施').waitFor();
    await page.screenshot({ path: screenshotPath('population-person.png'), fullPage: true });
  }, 60_000);

  it("changes one person's status with a basis and shows why; a bulk change waits, its requester is refused, a second person approves", async () => {
    // A manual review is an approved review record (研判记录), picked, never typed.
    // Recorded for the city (the commander who approves the bulk change below sees it in scope).
    const cityNode = await demo.server.deps.db.selectFrom('jurisdictions').select('id').where('level', '=', 'city').executeTakeFirstOrThrow();
    const review118 = await approvedReview(demo.server, { jurisdictionId: cityNode.id, subject: '研判-2022-118 同楼栋居民' });
    await approvedReview(demo.server, { jurisdictionId: cityNode.id, subject: '研判-2022-119 同楼栋居民' });
    // One person: applied at once, then explained with its basis.
    await page.getByTestId('change-status').click();
    const form = page.getByTestId('change-form');
    await form.getByLabel('变更为').waitFor();
    await choose(page, 'change-to', null, /^居家健康监测$/);
    await choose(page, 'change-review', null, /研判-2022-118/);
    await form.getByLabel('原因').fill('与确诊病例同一楼栋，社区研判居家监测');
    await page.getByTestId('change-submit').click();
    await page.getByText('已变更 1 人').waitFor();
    const card = page.getByTestId('control-card');
    await expect.poll(() => card.getByTestId('control-status').first().getAttribute('data-status')).toBe('home_monitored');
    const change = card.getByTestId('control-change');
    await expect(change.count()).resolves.toBe(1);
    await expect(change.textContent()).resolves.toContain('人工研判');
    // The review record by its subject, never its id (issue 16).
    await expect.poll(() => change.textContent()).toContain('研判-2022-118 同楼栋居民');
    await expect(change.textContent()).resolves.not.toContain(review118);
    await expect(change.textContent()).resolves.toContain('与确诊病例同一楼栋，社区研判居家监测');
    await expect(change.textContent()).resolves.toContain('admin · ');

    // Two persons found one after the other (above the threshold of 1): the request waits for a second approver.
    await page.goto(`${demo.url}/persons`);
    const search = page.getByTestId('person-search').locator('input');
    for (const [q, name] of [
      ['kxl', '柯晓岚'],
      ['ncw', '宁采薇'],
    ]) {
      await search.fill(q);
      await search.press('Enter');
      await page.getByTestId('person-link').getByText(name, { exact: true }).waitFor();
      await page.locator('.ant-table-tbody tr.ant-table-row').filter({ hasText: name }).locator('.ant-checkbox-input').check();
    }
    await page.getByTestId('change-status-selected').getByText('已选 2 人').waitFor();
    await page.getByTestId('change-status-selected').click();
    await page.getByText('变更 2 人的管控状态').waitFor();
    const bulkForm = page.getByTestId('change-form');
    await bulkForm.getByLabel('变更为').waitFor();
    await choose(page, 'change-to', null, /^居家健康监测$/);
    await choose(page, 'change-review', null, /研判-2022-119/);
    await bulkForm.getByLabel('原因').fill('同楼栋居民居家健康监测');
    await page.getByTestId('change-submit').click();
    await page.getByText('已提交批量变更申请，等待第二人审批').waitFor();
    const ids = (await demo.server.deps.db.selectFrom('persons').select(['id']).where('name', 'in', ['柯晓岚', '宁采薇']).execute()).map((r) => r.id);
    const before = await demo.server.deps.services.control.statusesOf(ids);
    expect([...before.values()].map((s) => s.status)).toEqual(['none', 'none']);

    // The requester cannot approve their own request: the server refuses and the page says why.
    await page.goto(`${demo.url}/control`);
    await page.getByRole('heading', { name: '管控状态' }).waitFor();
    const bulkRow = page.getByTestId('bulk-row').filter({ hasText: '同楼栋居民居家健康监测' });
    await bulkRow.getByText('本人申请').waitFor();
    await bulkRow.getByTestId('bulk-approve').click();
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.getByTestId('bulk-refusal').getByText('批量变更须由申请人以外的第二人审批，不能审批自己的申请').waitFor();
    await page.screenshot({ path: screenshotPath('control-self-approval.png'), fullPage: true });
    const still = await demo.server.deps.services.control.statusesOf(ids);
    expect([...still.values()].map((s) => s.status)).toEqual(['none', 'none']);

    // A second person (the commander) approves it; both are then home-monitored.
    const other = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const commander = await other.newPage();
    await signIn(commander, 'commander');
    await commander.goto(`${demo.url}/control`);
    const row = commander.getByTestId('bulk-row').filter({ hasText: '同楼栋居民居家健康监测' });
    await row.getByTestId('bulk-approve').click();
    await commander.locator('.ant-modal').getByLabel('审批意见（可选）').fill('同意，按方案执行');
    await commander.locator('.ant-modal-footer .ant-btn-primary').click();
    // The persons' statuses are the lasting proof (the '已批准并执行' toast may come and go on a loaded machine).
    await expect
      .poll(async () => [...(await demo.server.deps.services.control.statusesOf(ids)).values()].map((s) => s.status), { timeout: 30_000 })
      .toEqual(['home_monitored', 'home_monitored']);
    await commander.getByTestId('bulk-status-filter').getByText('已批准执行').click();
    await commander.getByTestId('bulk-row').filter({ hasText: '同楼栋居民居家健康监测' }).getByText('同意，按方案执行').waitFor();
    // The summary counts them (the first person and these two).
    await expect
      .poll(async () => Number((await commander.getByTestId('summary-home_monitored').locator('.ant-statistic-content').textContent())?.replace(/\D/g, '')))
      .toBeGreaterThanOrEqual(3);
    await commander.screenshot({ path: screenshotPath('control-approved.png'), fullPage: true });
    await other.close();

    // The person's page explains the bulk change with requester and approver.
    await page.goto(`${demo.url}/persons/${ids[0]}`);
    const bulkChange = page.getByTestId('control-change').filter({ hasText: '同楼栋居民居家健康监测' });
    await expect(bulkChange.textContent()).resolves.toContain('批量（经第二人审批）');
    await expect(bulkChange.textContent()).resolves.toContain('申请人 admin，审批人 commander');
    expect(problems).toEqual([]);
  }, 120_000);

  it('merges a non-resident into the resident they turned out to be, with a reason, keeping both records', async () => {
    const { deps } = demo.server;
    const resident = await deps.db.selectFrom('persons').select(['id', 'jurisdiction_id']).where('name', '=', '柯晓岚').executeTakeFirstOrThrow();
    const visitor = await deps.services.population.create(undefined, systemActor('e2e'), {
      name: '柯晓岚',
      idType: 'passport',
      idNumber: 'E87654321',
      birthDate: NEW[0].birth,
      sex: 'female',
      resident: false,
      jurisdictionId: resident.jurisdiction_id,
      regionOfOrigin: '湖北省武汉市',
    });
    await page.goto(`${demo.url}/persons/${visitor.id}`);
    await page.getByTestId('person-detail').getByText('非户籍').first().waitFor();
    await page.getByTestId('merge-button').click();
    const form = page.getByTestId('merge-form');
    await form.getByLabel('合并到（户籍居民）').waitFor();
    await choose(page, 'merge-target', 'kxl', /^柯晓岚 · /);
    // The reason is required, and must be a real one.
    await page.locator('.ant-modal-footer .ant-btn-dangerous').click();
    await form.getByText('请写明真实原因：至少 3 个汉字或 6 个字母数字，不能只有标点或空白').waitFor();
    await form.getByLabel('原因').fill('流调核实：同一人，护照登记的访客即本小区常住居民');
    await page.locator('.ant-modal-footer .ant-btn-dangerous').click();
    await page.waitForURL(`**/persons/${resident.id}`);
    const merges = page.getByTestId('merges');
    await merges.getByText('流调核实：同一人，护照登记的访客即本小区常住居民').waitFor();
    const merged = await deps.services.population.get(systemActor('e2e'), visitor.id);
    expect(merged.mergedInto).toBe(resident.id);
    // The merged record stays readable and points to the current one.
    await page.goto(`${demo.url}/persons/${visitor.id}`);
    await page.getByTestId('merged-banner').waitFor();
    await expect(page.getByTestId('merge-button').count()).resolves.toBe(0);
    await page.screenshot({ path: screenshotPath('population-merged.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});
