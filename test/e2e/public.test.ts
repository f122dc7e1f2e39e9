import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeResidentId } from '../../src/server/modules/population/resident-id.js';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { browserAvailability, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] public lookup tests skipped: ${availability.reason}`);

const RESIDENT = { name: '欧阳娜娜', birth: '1992-06-18', seq: 618, sex: 'female' as const };
const BARCODE = 'PUBLIC000001';

describe.skipIf(!availability.ok)('public result lookup [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const idNumber = makeResidentId('420502', RESIDENT.birth, RESIDENT.seq, RESIDENT.sex);

  /** A signed-in API client of a demo user (cookie session), as the staff pages would call. */
  async function staff(username: string) {
    const login = await fetch(`${demo.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: DEMO_PASSWORD }),
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

  /** Looks up on the page and returns the statuses shown. */
  async function lookup(id: string, name: string) {
    await page.getByLabel('证件号码').fill(id);
    await page.getByLabel('姓名').fill(name);
    await page.getByTestId('lookup-submit').click();
  }

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 300 });
    const { deps } = demo.server;
    const entrance = await deps.db
      .selectFrom('jurisdictions')
      .select(['id', 'path'])
      .where('level', '=', 'entrance')
      .where('path', 'like', '/420500/420502/%')
      .orderBy('code')
      .executeTakeFirstOrThrow();
    const communityCode = entrance.path.split('/').filter(Boolean)[3];
    const community = await deps.db
      .selectFrom('jurisdictions')
      .select(['id', 'centroid_lng', 'centroid_lat'])
      .where('code', '=', communityCode)
      .executeTakeFirstOrThrow();
    await deps.services.population.createMany(undefined, systemActor('e2e'), [
      {
        name: RESIDENT.name,
        idType: 'resident_id',
        idNumber,
        birthDate: RESIDENT.birth,
        sex: RESIDENT.sex,
        resident: true,
        address: { jurisdictionId: entrance.id, room: '808' },
      },
    ]);

    // A campaign over the community, a site, and the resident sampled into a tube (through the API, as staff would).
    const officer = await staff('xiling_officer');
    const campaign = await officer<{ id: string }>('/api/testing/campaigns', { name: '西陵区核酸检测第2轮', scopeJurisdictionIds: [community.id] });
    await officer(`/api/testing/campaigns/${campaign.id}/activate`, {});
    const site = await officer<{ id: string }>('/api/testing/sites', {
      name: '社区广场采样点',
      kind: 'open_land',
      jurisdictionId: community.id,
      location: [Number(community.centroid_lng ?? 111.3), Number(community.centroid_lat ?? 30.7)],
      lanes: 2,
    });
    const r = await officer<{ rejected: number }>('/api/testing/scans/batch', {
      items: [
        { op: 'open', clientId: 'pub-open-0001', campaignId: campaign.id, siteId: site.id, barcode: BARCODE },
        { op: 'scan', clientId: 'pub-scan-0001', campaignId: campaign.id, barcode: BARCODE, idNumber },
        { op: 'close', clientId: 'pub-close-0001', campaignId: campaign.id, barcode: BARCODE },
      ],
    });
    expect(r.rejected).toBe(0);

    browser = await launchChromium();
    // A resident's phone: no session, nothing stored.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('opens without signing in, outside the app shell', async () => {
    await page.goto(`${demo.url}/public/results`);
    await page.getByRole('heading', { name: '核酸检测结果查询' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/public/results');
    await expect(page.getByTestId('sidebar').count()).resolves.toBe(0);
  });

  it('shows "sampled", then "in the lab" after a positive pool — never the positive itself', async () => {
    // A wrong name finds nothing (the ID alone is not enough).
    await lookup(idNumber, '欧阳娜');
    await page.getByTestId('lookup-not-found').getByText('未找到匹配的记录，请核对证件号码和姓名').waitFor();

    await lookup(idNumber.toLowerCase(), RESIDENT.name);
    const sample = page.getByTestId('lookup-sample');
    await expect.poll(() => sample.getAttribute('data-status')).toBe('sampled');
    await sample.getByText('已采样', { exact: true }).waitFor();
    await sample.getByText('西陵区核酸检测第2轮').waitFor();
    await page.screenshot({ path: screenshotPath('public-sampled.png'), fullPage: true });

    // The lab finds the pool positive.
    const lab = await staff('lab1');
    await lab('/api/testing/lab/receive', { boxCode: 'BOX-PUB-1', barcodes: [BARCODE] });
    await lab('/api/testing/lab/results', { barcode: BARCODE, result: 'positive', ctOrf1ab: 27.2, ctN: 29.9, lab: '宜昌市疾控中心' });

    await lookup(idNumber, RESIDENT.name);
    // Whoever knows the ID number and the name learns no more than "in the lab": the resident hears of
    // the recheck from their community (issue 14).
    await expect.poll(() => page.getByTestId('lookup-sample').getAttribute('data-status')).toBe('in_lab');
    const result = page.getByTestId('lookup-result');
    await result.getByText('检测中，如需配合社区会联系您').waitFor();
    await expect(result.textContent()).resolves.not.toMatch(/阳性|positive|复核|recheck/i);
    await page.screenshot({ path: screenshotPath('public-recheck.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it('after a positive single-tube recheck says staff will contact them and offers the hotline to call, without the result or "wait at home"', async () => {
    const { db } = demo.server.deps;
    const recheck = await db
      .selectFrom('testing_rechecks as r')
      .innerJoin('testing_tubes as p', 'p.id', 'r.parent_tube_id')
      .select('r.id')
      .where('p.barcode', '=', BARCODE)
      .executeTakeFirstOrThrow();
    const sampler = await staff('sampler1');
    await sampler(`/api/testing/rechecks/${recheck.id}/sample`, { clientId: 'pub-recheck-0001', barcode: 'PUBLICRC0001', idNumber });
    const lab = await staff('lab1');
    await lab('/api/testing/lab/receive', { boxCode: 'BOX-PUB-2', barcodes: ['PUBLICRC0001'] });
    await lab('/api/testing/lab/results', { barcode: 'PUBLICRC0001', result: 'positive', ctOrf1ab: 25.1, ctN: 26.3, lab: '宜昌市疾控中心' });

    await lookup(idNumber, RESIDENT.name);
    await expect.poll(() => page.getByTestId('lookup-sample').getAttribute('data-status')).toBe('contact_pending');
    const result = page.getByTestId('lookup-result');
    await result.getByText('请等待工作人员联系').waitFor();
    await result.getByText('工作人员将与您联系，请保持电话畅通；如有疑问，请拨打热线 12345').waitFor();
    // The hotline is one tap away (the demo's default, BULWARK_PUBLIC_HOTLINE).
    await expect(page.getByTestId('lookup-hotline').getAttribute('href')).resolves.toBe('tel:12345');
    await expect(result.textContent()).resolves.not.toMatch(/阳性|positive|复核|recheck|居家/i);
    await page.screenshot({ path: screenshotPath('public-contact.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});
