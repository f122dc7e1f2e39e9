import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { approvedReview } from '../../src/server/modules/control/control.test-helpers.js';
import { addDays, calendarDay, HOUR, type AdjustableClock } from '../../src/server/platform/clock.js';
import { browserAvailability, choose, launchChromium, screenshotPath, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] quarantine facilities test skipped: ${availability.reason}`);

const FACILITY = '西陵区E2E隔离酒店';

describe.skipIf(!availability.ok)('quarantine facilities page [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let district: { id: string; name: string; path: string };
  /** An antd InputNumber by test id (the id lands on the input or its wrapper, by version). */
  const numberInput = (testId: string) => page.locator(`input[data-testid=${testId}], [data-testid=${testId}] input`).first();
  /** The assign dialog's exposure DatePicker input. */
  const exposureInput = () => numberInput('assign-quarantine-exposure');

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 300 });
    const db = demo.server.deps.db;
    const unit = await db
      .selectFrom('users')
      .innerJoin('units', 'units.id', 'users.unit_id')
      .select(['units.jurisdiction_id as jid'])
      .where('users.username', '=', 'xiling_officer')
      .executeTakeFirstOrThrow();
    district = await db.selectFrom('jurisdictions').select(['id', 'name', 'path']).where('id', '=', unit.jid).executeTakeFirstOrThrow();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill('xiling_officer');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname === '/');
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
  });

  it('creates a facility with rooms, and its free rooms and occupants change live when a person is assigned', async () => {
    await page.goto(`${demo.url}/quarantine/facilities`);
    await page.getByTestId('quarantine-facilities-page').waitFor();
    await page.getByTestId('new-facility').click();
    await page.getByTestId('facility-name').fill(FACILITY);
    await choose(page, 'facility-jurisdiction', district.name, district.name);
    await page.getByTestId('facility-address').fill('西陵一路 8 号');
    await numberInput('facility-staff').fill('14');
    await page.getByTestId('facility-submit').click();

    // The new facility's rooms drawer opens: add 101–104 on floor 1.
    await page.getByTestId('rooms-form').waitFor();
    await numberInput('rooms-from').fill('101');
    await numberInput('rooms-to').fill('104');
    await page.getByTestId('rooms-submit').click();
    await expect.poll(() => page.getByTestId('room-tile').count(), { timeout: 15_000 }).toBe(4);
    await page.screenshot({ path: screenshotPath('quarantine-rooms-drawer.png') });
    await page.locator('.ant-drawer-close').click();

    const card = page.locator(`[data-testid=facility-card][data-name="${FACILITY}"]`);
    await expect.poll(() => card.getByTestId('facility-free').innerText(), { timeout: 15_000 }).toContain('4');

    // Someone else assigns a resident of the district to this facility: the card follows live.
    const db = demo.server.deps.db;
    const facility = await db.selectFrom('quarantine_facilities').select('id').where('name', '=', FACILITY).executeTakeFirstOrThrow();
    const person = await db
      .selectFrom('persons')
      .select('id')
      .where('jurisdiction_path', 'like', `${district.path}%`)
      .where('merged_into', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await demo.server.deps.services.quarantine.assign(undefined, systemActor('e2e'), {
      personId: person.id,
      mode: 'central',
      facilityId: facility.id,
      basis: { type: 'manual_review', id: await approvedReview(demo.server, { jurisdictionId: district.id }) },
      reason: '密接集中隔离',
      exposureDate: calendarDay(demo.server.deps.clock.now(), demo.server.deps.config.tz),
    });
    await expect.poll(() => card.getByTestId('facility-free').innerText(), { timeout: 15_000 }).toContain('3');
    expect(await card.getByTestId('facility-occupants').getAttribute('data-n')).toBe('1');
    await page.screenshot({ path: screenshotPath('quarantine-facilities.png') });

    // The stays list shows the person masked, the room, day N of M and the test days.
    await card.getByRole('link').click();
    const row = page.locator(`[data-testid=stay-row][data-person="${person.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('stay-room').innerText()).toContain('101');
    expect(await row.getByTestId('stay-day').getAttribute('data-total')).toBe('10');
    expect(await row.getByTestId('stay-test').count()).toBeGreaterThan(0);
    expect(await row.getByTestId('stay-person').innerText()).toMatch(/\*/);

    // Releasing before the end is refused; the district officer may request an early release
    // (申请提前解除) with a real reason, which does not release anyone yet.
    await row.getByTestId('stay-release').click();
    await page.getByTestId('release-submit').click();
    await page.getByTestId('release-error').waitFor();
    expect(await page.getByTestId('release-error').innerText()).toContain('另一名有权限的负责人批准');
    await page.screenshot({ path: screenshotPath('quarantine-stays-release.png') });
    expect(await page.getByTestId('release-early-request').isChecked()).toBe(true);
    await page.getByTestId('release-reason').fill('。。。');
    await page.getByTestId('release-submit').click();
    await page.getByText('请写明真实原因').first().waitFor();
    await page.getByTestId('release-reason').fill('误判，复核排除');
    await page.getByTestId('release-submit').click();
    const pending = page.locator(`[data-testid=release-request]`);
    await pending.first().waitFor({ timeout: 15_000 });
    // Their own request: they cannot approve it, and the person is still held.
    expect(await pending.first().getByTestId('release-request-own').count()).toBe(1);
    expect(await pending.first().getByTestId('release-request-approve').count()).toBe(0);
    expect(await pending.first().innerText()).toContain('西陵区专员');
    expect(await row.count()).toBe(1);
    await page.screenshot({ path: screenshotPath('quarantine-release-request.png') });

    // A second person (the city commander) approves it: then the stay is released.
    const second = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    try {
      const cp = await second.newPage();
      cp.on('pageerror', (err) => problems.push(`page error (commander): ${err.message}`));
      await cp.goto(`${demo.url}/login`);
      await cp.getByLabel('用户名').fill('commander');
      await cp.getByLabel('密码').fill(DEMO_PASSWORD);
      await cp.locator('form button[type=submit]').click();
      await cp.waitForURL((u) => u.pathname === '/');
      await cp.goto(`${demo.url}/quarantine/stays`);
      const req = cp.locator(`[data-testid=release-request]`).filter({ hasText: '误判，复核排除' });
      await req.getByTestId('release-request-approve').click();
      await req.waitFor({ state: 'detached', timeout: 15_000 });
      await cp.screenshot({ path: screenshotPath('quarantine-release-approved.png') });
    } finally {
      await second.close();
    }
    const stay = (await demo.server.deps.services.quarantine.listStays(systemActor('e2e'), { status: 'released' })).items.find((x) => x.personId === person.id);
    expect(stay).toMatchObject({ status: 'released', releaseOverride: true, releaseReason: '误判，复核排除' });
    await page.reload();
    await page.getByTestId('quarantine-stays-page').waitFor();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    expect(problems).toEqual([]);
  }, 180_000);

  it('arranges home quarantine for a traveller from the stays page on their traveller record, counted from the arrival day, showing the end date and test days first', async () => {
    const db = demo.server.deps.db;
    const person = await db
      .selectFrom('persons')
      .select(['id', 'name'])
      .where('jurisdiction_path', 'like', `${district.path}%`)
      .where('merged_into', 'is', null)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const arrival = addDays(calendarDay(demo.server.deps.clock.now(), demo.server.deps.config.tz), -1);
    await demo.server.deps.services.cases.travellers.register(undefined, systemActor('e2e'), {
      personId: person.id,
      category: 'medium_risk_area',
      origin: '武汉市某中风险区',
      arrivalDay: arrival,
      entryPoint: '宜昌东站',
    });
    await page.goto(`${demo.url}/quarantine/stays`);
    await choose(page, 'quarantine-person', person.name, person.name);
    await page.getByTestId('assign-quarantine').click();
    // The basis is the traveller record; the arrival day fills the exposure date (never today by default).
    await expect.poll(() => page.getByTestId('assign-quarantine-basis').innerText(), { timeout: 15_000 }).toContain('中风险区来返人员');
    await expect.poll(() => exposureInput().inputValue()).toBe(arrival);
    await page.getByTestId('assign-quarantine-home').click();
    await expect.poll(() => page.getByTestId('assign-quarantine-plan').innerText(), { timeout: 15_000 }).toContain('居家隔离');
    const end = await page.getByTestId('assign-quarantine-end').innerText();
    expect(end).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await page.getByTestId('assign-quarantine-tests').locator('.ant-tag').count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('quarantine-assign-home.png') });
    await page.getByTestId('assign-quarantine-submit').click();
    const row = page.locator(`[data-testid=stay-row][data-person="${person.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.innerText()).toContain(end);
    const stay = await demo.server.deps.services.quarantine.listStays(systemActor('e2e'), { status: 'active' });
    expect(stay.items.find((x) => x.personId === person.id)).toMatchObject({
      mode: 'home',
      endDay: end,
      exposureDay: arrival,
      basis: { type: 'traveller' },
      category: 'medium_risk_area',
    });
    await page.screenshot({ path: screenshotPath('quarantine-stays.png') });
    // The English switch words the same page.
    await page.getByTestId('lang-switch').getByText('EN', { exact: true }).click();
    await expect.poll(() => row.getByTestId('stay-phase').innerText()).toBe('Home quarantine');
    expect(await page.getByTestId('quarantine-stays-page').locator('h3').innerText()).toBe('Quarantine stays');
    await page.screenshot({ path: screenshotPath('quarantine-stays-en.png') });
    await page.getByTestId('lang-switch').getByText('中文', { exact: true }).click();
    expect(problems).toEqual([]);
  }, 120_000);

  it('places a close contact found on day 3: days 1 and 2 not applicable, the transfer home recorded, released on time without an override', async () => {
    const { deps } = demo.server;
    const sys = systemActor('e2e');
    const tz = deps.config.tz;
    const today = calendarDay(deps.clock.now(), tz);
    // Two residents of the district nobody has handled yet (no case, contact link or stay).
    const people = await deps.db
      .selectFrom('persons')
      .select(['id', 'name'])
      .where('jurisdiction_path', 'like', `${district.path}%`)
      .where('merged_into', 'is', null)
      .where('id', 'not in', (eb) => eb.selectFrom('quarantine_stays').select('person_id'))
      .where('id', 'not in', (eb) => eb.selectFrom('cases').select('person_id'))
      .where('id', 'not in', (eb) => eb.selectFrom('control_statuses').select('person_id').where('status', '!=', 'none'))
      .where('id', 'not in', (eb) => eb.selectFrom('case_contacts').select('person_id').where('person_id', 'is not', null).$castTo<{ person_id: string }>())
      .orderBy('id')
      .limit(2)
      .execute();
    expect(people).toHaveLength(2);
    const c = await deps.services.cases.cases.create(undefined, sys, { personId: people[0]!.id, kind: 'confirmed', reason: 'E2E 确诊' });
    // Found late: the last exposure was three days ago, so today is day 3 (9th edition: exposure day is day 0).
    const exposure = addDays(today, -3);
    const contact = await deps.services.cases.tracing.addContact(undefined, sys, c.id, {
      category: 'close',
      exposureDate: exposure,
      personId: people[1]!.id,
      relation: '同事',
    });

    await page.goto(`${demo.url}/cases/${c.id}`);
    const row = page.locator(`[data-testid=contact-row][data-id="${contact.id}"]`);
    await row.getByTestId('assign-quarantine').click();
    await expect.poll(() => exposureInput().inputValue(), { timeout: 15_000 }).toBe(exposure);
    await choose(page, 'assign-quarantine-facility', FACILITY, FACILITY);
    // Days 1 and 2 were before the placement: shown as not applicable; day 3 is today's test.
    await expect.poll(() => page.getByTestId('assign-quarantine-test-na').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId('assign-quarantine-test-na').first().innerText()).toContain('不适用（入住晚于该日）');
    expect(await page.getByTestId('assign-quarantine-test').count()).toBe(4);
    await page.screenshot({ path: screenshotPath('quarantine-assign-late-contact.png') });
    await page.getByTestId('assign-quarantine-submit').click();
    await page.getByTestId('assign-quarantine-form').waitFor({ state: 'detached', timeout: 15_000 });

    const stay = (await deps.services.quarantine.listStays(sys, { status: 'active' })).items.find((x) => x.personId === people[1]!.id)!;
    expect(stay).toMatchObject({ exposureDay: exposure, placedDay: today, dayCounter: { day: 3, total: 10 } });
    expect(stay.tests.filter((x) => x.notApplicable).map((x) => x.day)).toEqual([1, 2]);
    await page.goto(`${demo.url}/quarantine/stays/${stay.id}`);
    await expect.poll(() => page.getByTestId('stay-detail-day').innerText(), { timeout: 15_000 }).toBe('第 3 天 / 共 10 天');
    expect(await page.locator('[data-testid=stay-test][data-result=not-applicable]').count()).toBe(2);
    await page.screenshot({ path: screenshotPath('quarantine-stay-late-contact.png') });
    // Every test that could be taken comes back negative.
    for (const x of stay.tests.filter((y) => !y.notApplicable))
      await deps.services.quarantine.recordTest(undefined, sys, stay.id, { day: x.day, result: 'negative' });

    // The central phase ends: a point-to-point transfer is due, and recorded from the page.
    const clock = deps.clock as AdjustableClock;
    clock.advance(stay.phases[0]!.endsAt + HOUR - deps.clock.now());
    await deps.services.jobs.runDueNow();
    await page.reload();
    await page.getByTestId('stay-transfer-due').waitFor({ timeout: 15_000 });
    await page.getByTestId('stay-transfer').click();
    await page.getByTestId('stay-transfer-due').waitFor({ state: 'detached', timeout: 15_000 });
    expect((await deps.services.quarantine.getStay(sys, stay.id)).phase).toBe('home_monitoring');

    // On time: at the end of day 10 the stay is released by itself, with no override.
    clock.advance(stay.endsAt + HOUR - deps.clock.now());
    await deps.services.jobs.runDueNow();
    await page.reload();
    await expect.poll(async () => (await deps.services.quarantine.getStay(sys, stay.id)).status, { timeout: 15_000 }).toBe('released');
    expect(await deps.services.quarantine.getStay(sys, stay.id)).toMatchObject({ releaseOverride: false, endDay: addDays(exposure, 10) });
    await page.getByTestId('stay-release').waitFor({ state: 'detached', timeout: 15_000 });
    await page.screenshot({ path: screenshotPath('quarantine-stay-released-on-time.png') });
    expect(problems).toEqual([]);
  }, 180_000);
});
