import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_ADMIN } from '../../src/server/demo/users.js';
import { makePositiveRecheck } from '../../src/server/modules/cases/cases.test-helpers.js';
import { SHIPPED_PRESETS } from '../../src/server/modules/cases/presets.schema.js';
import { makeResidentId } from '../../src/server/modules/population/resident-id.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { DAY } from '../../src/server/platform/clock.js';
import type { TestEnv } from '../helpers/db.js';
import { browserAvailability, choose, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] cases tests skipped: ${availability.reason}`);

/** A resident of the city who becomes a close contact (found by the full ID number). */
const RESIDENT = { name: '龚晓岚', sex: 'female' as const, birth: '1979-04-18', seq: 418 };
/** A visitor from Guangzhou, registered inline as a non-resident contact. */
const VISITOR = { name: '黎振邦', birth: '1985-03-02', idNumber: makeResidentId('440106', '1985-03-02', 302, 'male'), origin: '广东省广州市' };

describe.skipIf(!availability.ok)('cases and tracing end to end [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let hq: Page;
  let rc: Awaited<ReturnType<typeof makePositiveRecheck>>;
  let resident: { id: string; idNumber: string };
  let compound: { code: string; name: string };
  let caseId: string;
  let reportDate: string;
  let clusterId: string;
  let closeContactId: string;

  /** The admin's API session (cookie), for the setup a facility manager would do on their own pages. */
  async function staff() {
    const login = await fetch(`${demo.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: DEMO_ADMIN.username, password: DEMO_ADMIN.password }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${demo.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBeLessThan(300);
      return JSON.parse(text) as T;
    };
  }

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 800 });
    const { deps } = demo.server;
    // The overdue-release check and the stays' phase changes are jobs; the real server runs them.
    deps.services.jobs.start({ pollMs: 200 });
    const db = deps.db;
    const env = { deps, clock: deps.clock, config: deps.config, close: async () => undefined } as unknown as TestEnv;
    // A street of 西陵区 in the demo city: the positive pool and its recheck are made under it.
    const street = await db
      .selectFrom('jurisdictions')
      .select(['id', 'code', 'path', 'name'])
      .where('level', '=', 'street')
      .where('path', 'like', '/420500/420502/%')
      .orderBy('code')
      .executeTakeFirstOrThrow();
    rc = await makePositiveRecheck(env, street);
    const entrance = await db
      .selectFrom('jurisdictions')
      .select(['id', 'path'])
      .where('level', '=', 'entrance')
      .where('path', 'like', `${street.path}%`)
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const compoundCode = entrance.path.split('/').filter(Boolean)[4];
    compound = {
      code: compoundCode,
      name: (await db.selectFrom('jurisdictions').select('name').where('code', '=', compoundCode).executeTakeFirstOrThrow()).name,
    };
    const idNumber = makeResidentId('420502', RESIDENT.birth, RESIDENT.seq, RESIDENT.sex);
    const { ids } = await deps.services.population.createMany(undefined, systemActor('e2e'), [
      {
        name: RESIDENT.name,
        idType: 'resident_id',
        idNumber,
        birthDate: RESIDENT.birth,
        sex: RESIDENT.sex,
        resident: true,
        address: { jurisdictionId: entrance.id, room: '1202' },
      },
    ]);
    resident = { id: ids[0], idNumber };

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    contexts.push(context);
    hq = await context.newPage();
    hq.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await hq.goto(`${demo.url}/login`);
    await hq.getByLabel('用户名').fill(DEMO_ADMIN.username);
    await hq.getByLabel('密码').fill(DEMO_ADMIN.password);
    await hq.locator('form button[type=submit]').click();
    await hq.waitForURL((u) => u.pathname === '/');
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
  });

  it('confirms a positive single-tube recheck as a case: linked to its tubes, found in the community, on the active preset', async () => {
    await hq.goto(`${demo.url}/cases`);
    await hq.getByTestId('tab-rechecks').click();
    const row = hq.locator(`[data-testid=recheck-row][data-id="${rc.recheckId}"]`);
    await row.waitFor();
    await hq.screenshot({ path: screenshotPath('cases-rechecks.png'), fullPage: true });
    await row.getByTestId('confirm-recheck').click();
    await hq.getByTestId('confirm-reason').fill('单管复核阳性，专家组会诊确诊');
    await hq.getByTestId('confirm-submit').click();
    await hq.waitForURL(/\/cases\/[^/?]+$/);
    caseId = new URL(hq.url()).pathname.split('/').pop()!;
    const page = hq.getByTestId('case-detail-page');
    await page.waitFor();
    await expect(page.getAttribute('data-case-id')).resolves.toBe(caseId);
    // The preset by its name, never its key (issue 16).
    await expect.poll(() => hq.getByTestId('case-preset').textContent()).toBe('第九版防控方案（2022年6月）');
    await expect(hq.getByTestId('channel-tag').first().textContent()).resolves.toBe('社会面发现');
    // The first speed measure (positive pool → case) is measured against its 6 h target.
    await expect(hq.getByTestId('speed-positiveToConfirmed').getAttribute('data-met')).resolves.toBe('true');
    await expect(hq.getByTestId('speed-coreInvestigation').getAttribute('data-met')).resolves.toBe('pending');

    const row2 = await demo.server.deps.db
      .selectFrom('cases')
      .select(['recheck_id', 'positive_tube_id', 'report_date', 'cluster_id'])
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(row2).toMatchObject({ recheck_id: rc.recheckId, positive_tube_id: rc.poolTubeId });
    reportDate = row2.report_date;
    clusterId = row2.cluster_id!;
    // The recheck is no longer waiting.
    await hq.goto(`${demo.url}/cases?tab=rechecks`);
    await hq.getByText('暂无待确认的复核阳性').waitFor();
  }, 120_000);

  it('adds two close contacts: a resident found by ID number, and a visitor registered inline as a non-resident', async () => {
    await hq.goto(`${demo.url}/cases/${caseId}`);
    await hq.getByTestId('add-contact').click();
    await hq.getByTestId('contact-exposure-date').fill(reportDate);
    await hq.getByTestId('contact-relation').fill('同事');
    await choose(hq, 'contact-person', resident.idNumber, RESIDENT.name.slice(0, 1));
    await hq.getByTestId('contact-submit').click();
    await expect.poll(() => hq.getByTestId('contact-row').count()).toBe(1);

    await hq.getByTestId('add-contact').click();
    await hq.getByTestId('contact-exposure-date').fill(reportDate);
    await hq.getByTestId('contact-relation').fill('同桌就餐');
    await hq.getByTestId('contact-who').getByText('新登记非本市户籍人员').click();
    await hq.getByTestId('np-name').fill(VISITOR.name);
    await hq.getByTestId('np-id').fill(VISITOR.idNumber);
    await hq.getByTestId('np-birth').fill(VISITOR.birth);
    await choose(hq, 'np-stay', compound.code, compound.code);
    await hq.getByTestId('np-origin').fill(VISITOR.origin);
    await hq.screenshot({ path: screenshotPath('cases-add-visitor.png') });
    await hq.getByTestId('contact-submit').click();
    await expect.poll(() => hq.getByTestId('contact-row').count()).toBe(2);
    await expect(hq.locator('[data-testid=contact-row][data-routing=local]').count()).resolves.toBe(2);

    // The visitor is a new non-resident person record with the region of origin; names show masked.
    const db = demo.server.deps.db;
    const contacts = await db.selectFrom('case_contacts').select(['id', 'person_id', 'category']).where('case_id', '=', caseId).execute();
    expect(contacts.map((c) => c.category)).toEqual(['close', 'close']);
    const visitor = contacts.find((c) => c.person_id !== resident.id)!;
    const rec = await db.selectFrom('persons').select(['resident', 'region_of_origin']).where('id', '=', visitor.person_id!).executeTakeFirstOrThrow();
    expect(Number(rec.resident)).toBe(0);
    expect(rec.region_of_origin).toBe(VISITOR.origin);
    closeContactId = contacts.find((c) => c.person_id === resident.id)!.id;
    const text = await hq.locator('[data-testid=contact-row]').allTextContents();
    expect(text.join(' ')).not.toContain(VISITOR.name);
    expect(text.join(' ')).not.toContain(RESIDENT.name);
    await hq.screenshot({ path: screenshotPath('cases-detail-contacts.png'), fullPage: true });
  }, 120_000);

  it('shows the chain graph of the cluster: the case and its two contacts drawn on a canvas', async () => {
    await hq.goto(`${demo.url}/cases/${caseId}`);
    await hq.getByTestId('cluster-link').click();
    await hq.waitForURL(new RegExp(`/clusters/${clusterId}$`));
    const graph = hq.getByTestId('chain-graph');
    await hq.locator('[data-testid=chain-graph][data-chart-state=ready]').waitFor({ timeout: 30_000 });
    await expect(graph.getAttribute('data-node-count')).resolves.toBe('3');
    await expect(graph.locator('canvas').count()).resolves.toBeGreaterThan(0);
    await expect(hq.getByTestId('graph-summary').textContent()).resolves.toBe('1 个病例 · 2 个接触者');
    await hq.screenshot({ path: screenshotPath('cases-chain-graph.png'), fullPage: true });
    // Cases only: the contacts leave the graph.
    await choose(hq, 'graph-contacts', null, '显示接触者: 否');
    await expect.poll(() => graph.getAttribute('data-node-count')).toBe('1');

    // Named as HQs name clusters (district and the first case's day), and renamed from the page (journaled).
    const title = hq.getByTestId('cluster-name');
    await expect.poll(() => title.textContent()).toMatch(/^西陵区 \d{2}·\d{2} 疫情$/);
    await title.locator('.ant-typography-edit').click();
    const editor = hq.locator('.ant-typography-edit-content textarea');
    await editor.fill('西陵区 12·07 聚集性疫情');
    await editor.press('Enter');
    await expect.poll(() => title.textContent()).toBe('西陵区 12·07 聚集性疫情');
    const renamed = await demo.server.deps.db.selectFrom('journal').select('entity_id').where('action', '=', 'cases.cluster.rename').execute();
    expect(renamed.map((r) => r.entity_id)).toEqual([clusterId]);
  }, 90_000);

  it('puts a close contact in a central facility: the test days become tasks; the transfer home is a task; past the end one task asks for the pending results', async () => {
    const admin = await staff();
    const hqUnit = await demo.server.deps.db.selectFrom('units').select('id').where('kind', '=', 'hq').executeTakeFirstOrThrow();
    const street = await demo.server.deps.db
      .selectFrom('jurisdictions')
      .select('id')
      .where('level', '=', 'street')
      .where('path', 'like', '/420500/420502/%')
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const facility = await admin<{ id: string }>('/api/quarantine/facilities', {
      name: '西陵区集中隔离点（夷陵饭店）',
      jurisdictionId: street.id,
      address: '西陵区夷陵大道1号',
      unitId: hqUnit.id,
      staffCount: 12,
    });
    await admin(`/api/quarantine/facilities/${facility.id}/rooms`, {
      rooms: [
        { number: '301', floor: 3 },
        { number: '302', floor: 3 },
      ],
    });

    await hq.goto(`${demo.url}/cases/${caseId}`);
    const row = hq.locator(`[data-testid=contact-row][data-id="${closeContactId}"]`);
    await row.waitFor();
    // The quarantine module's button on the contact row: central quarantine in the new facility.
    await row.getByTestId('assign-quarantine').click();
    await hq.getByTestId('assign-quarantine-plan').waitFor();
    await choose(hq, 'assign-quarantine-facility', null, '夷陵饭店');
    await hq.screenshot({ path: screenshotPath('cases-assign-quarantine.png') });
    await hq.getByTestId('assign-quarantine-submit').click();
    await hq.getByTestId('assign-quarantine-form').waitFor({ state: 'detached' });
    const stay = await demo.server.deps.db
      .selectFrom('quarantine_stays')
      .select(['facility_id', 'status'])
      .where('person_id', '=', resident.id)
      .executeTakeFirstOrThrow();
    expect(stay).toMatchObject({ facility_id: facility.id, status: 'active' });
    await hq.reload();
    await expect.poll(() => row.getByTestId('contact-control').textContent()).toBe('集中隔离');

    // The whole list (the to-do view collapses upcoming tasks, issue 16).
    await hq.goto(`${demo.url}/tasks?view=all`);
    await hq
      .getByText(/隔离第 1 天核酸检测/)
      .first()
      .waitFor({ timeout: 20_000 });
    await hq.screenshot({ path: screenshotPath('cases-quarantine-tasks.png'), fullPage: true });

    // 7 days central + 3 days home monitoring; no test results recorded: past the end, nobody is released
    // silently. The owner unit gets the point-to-point transfer task when the central phase ends, and ONE
    // task asking for the pending results once the end has passed (no alert flood while results are due).
    await admin('/api/system/clock', { advanceMs: 11 * DAY, reason: '演示：推进到隔离期满之后' });
    // The whole list (the to-do view collapses upcoming tasks, issue 16).
    await hq.goto(`${demo.url}/tasks?view=all`);
    const pending = hq.getByText(/隔离期满待检测结果/);
    await expect
      .poll(
        async () => {
          if (await pending.count()) return true;
          await hq.reload();
          return (await pending.count()) > 0;
        },
        { timeout: 90_000, interval: 2000 },
      )
      .toBe(true);
    await hq
      .getByText(/点对点转运/)
      .first()
      .waitFor({ timeout: 20_000 });
    const still = await demo.server.deps.db
      .selectFrom('quarantine_stays')
      .select(['status', 'result_task_id'])
      .where('person_id', '=', resident.id)
      .executeTakeFirstOrThrow();
    expect(still.status).toBe('active');
    expect(still.result_task_id).not.toBeNull();
    await hq.screenshot({ path: screenshotPath('cases-overdue-alert.png'), fullPage: true });
  }, 180_000);

  it('the cluster board shows the cluster with days since its last case, the in-control share, open contacts and the speed measures', async () => {
    await hq.goto(`${demo.url}/clusters`);
    const row = hq.locator(`[data-testid=cluster-row][data-id="${clusterId}"]`);
    await row.waitFor();
    await expect(row.getByTestId('cluster-cases').textContent()).resolves.toBe('1');
    await expect(row.getByTestId('cluster-days').textContent()).resolves.toBe('11');
    await expect(row.getByTestId('cluster-in-control').textContent()).resolves.toBe('0%');
    await expect(row.getByTestId('cluster-open-contacts').textContent()).resolves.toBe('2');
    for (const k of ['positiveToConfirmed', 'coreInvestigation', 'closeContactsIdentified', 'contactToQuarantine']) await row.getByTestId(`agg-${k}`).waitFor();
    await expect(row.getByTestId('agg-positiveToConfirmed').getAttribute('data-over')).resolves.toBe('false');
    await hq.screenshot({ path: screenshotPath('cases-cluster-board.png'), fullPage: true });
  }, 60_000);

  it('switches the city to the November 2022 preset with a reason; the case keeps the version it was handled under', async () => {
    await hq.goto(`${demo.url}/presets`);
    const nov = hq.locator('[data-testid=preset-row][data-label="optimisation-2022-11@v1"]');
    await nov.getByTestId('preset-activate').click();
    await hq.locator('.ant-modal:visible textarea').fill('执行二十条优化措施');
    await hq.locator('.ant-modal:visible .ant-btn-primary').click();
    await expect.poll(() => nov.getAttribute('data-active')).toBe('true');
    await expect(hq.locator('[data-testid=preset-row][data-label="ninth-edition-2022-06@v1"]').getAttribute('data-active')).resolves.toBe('false');
    await hq.screenshot({ path: screenshotPath('cases-presets.png'), fullPage: true });
    const journaled = await demo.server.deps.db.selectFrom('journal').select('reason').where('action', '=', 'cases.preset.activate').execute();
    expect(journaled.map((j) => j.reason)).toContain('执行二十条优化措施');

    // A custom preset missing a required parameter is refused with the field named; nothing is created.
    const ninth = hq.locator('[data-testid=preset-row][data-label="ninth-edition-2022-06@v1"]');
    await ninth.getByText('以此为基础新建').click();
    const { targets: _dropped, ...incomplete } = SHIPPED_PRESETS[0].params;
    await hq.locator('.ant-modal:visible textarea').fill(JSON.stringify(incomplete, null, 2));
    await hq.locator('.ant-modal:visible .ant-btn-primary').click();
    await expect(hq.getByTestId('preset-issues').textContent()).resolves.toContain('targets');
    await hq.screenshot({ path: screenshotPath('cases-preset-invalid.png') });
    await hq.locator('.ant-modal:visible .ant-modal-close').click();
    await expect(hq.getByTestId('preset-row').count()).resolves.toBe(2);

    await hq.goto(`${demo.url}/cases/${caseId}`);
    await expect.poll(() => hq.getByTestId('case-preset').textContent()).toBe('第九版防控方案（2022年6月）');
    // The same page in English.
    await hq.getByText('EN', { exact: true }).click();
    await hq.getByText('Found in the community').first().waitFor();
    await hq.getByText('Positive tube → case').waitFor();
    await hq.screenshot({ path: screenshotPath('cases-detail-en.png'), fullPage: true });
    await hq.getByText('中文', { exact: true }).click();
    await hq.getByText('社会面发现').first().waitFor();
    expect(problems).toEqual([]);
  }, 60_000);

  it('finds a spatiotemporal companion of the case from location pings, shows the evidence, and accepts it as a close contact', async () => {
    const { deps } = demo.server;
    const sys = systemActor('e2e');
    const idNumber = makeResidentId('420502', '1992-07-09', 709, 'male');
    const { ids } = await deps.services.population.createMany(undefined, sys, [
      {
        name: '蔡文博',
        idType: 'resident_id',
        idNumber,
        birthDate: '1992-07-09',
        sex: 'male',
        resident: true,
        address: {
          jurisdictionId: (await deps.db.selectFrom('persons').select('jurisdiction_id').where('id', '=', resident.id).executeTakeFirstOrThrow())
            .jurisdiction_id,
          room: '902',
        },
      },
    ]);
    // The case and the companion in the same 800 m cell every 10 minutes for 31 hours, two days before the report.
    const start = Date.parse(`${reportDate}T00:00:00+08:00`) - 2 * DAY;
    const rows = ['person_id,time,lat,lng'];
    for (let i = 0; i < 186; i++) for (const p of [rc.personId, ids[0]]) rows.push(`${p},${start + i * 10 * 60_000},30.7021,111.2905`);
    const imported = await deps.services.companions.importPings(undefined, sys, rows.join('\n') + '\n');
    expect(imported.rejected).toBe(0);

    await hq.goto(`${demo.url}/companions`);
    await hq.getByTestId('companions-page').waitFor();
    await choose(hq, 'companions-case', null, reportDate);
    await hq.getByTestId('companions-detect').click();
    const batch = hq.locator('.ant-table-row').filter({ hasText: '候选 1 · 待研判 1' });
    await batch.waitFor({ timeout: 30_000 });
    await batch.locator('.ant-table-row-expand-icon').click();
    const candidate = hq.getByTestId('candidate-row').first();
    await candidate.waitFor();
    await hq.screenshot({ path: screenshotPath('cases-companions.png'), fullPage: true });
    await candidate.getByTestId('candidate-accept').click();
    await expect.poll(() => candidate.getAttribute('data-decision')).toBe('accepted');
    const contact = await deps.db
      .selectFrom('case_contacts')
      .select(['category', 'relation'])
      .where('case_id', '=', caseId)
      .where('person_id', '=', ids[0])
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ category: 'close', relation: '时空伴随' });
    expect(problems).toEqual([]);
  }, 120_000);
});
