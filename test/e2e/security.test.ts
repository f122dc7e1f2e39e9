import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ADMIN } from '../../src/server/demo/users.js';
import { base32Decode, totpAt } from '../../src/server/platform/auth/totp.js';
import { browserAvailability, launchChromium, startDemoServer, type DemoServer } from '../helpers/browser.js';

const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] security tests skipped: ${availability.reason}`);

describe.skipIf(!availability.ok)('account security and the journal [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoServer({ residents: 200 });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('binds an authenticator only after the password is entered again, and then asks for a code at sign-in', async () => {
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill(DEMO_ADMIN.username);
    await page.getByLabel('密码').fill(DEMO_ADMIN.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL((u) => u.pathname === '/');

    await page.goto(`${demo.url}/account/security`);
    await page.getByText('双因素认证').first().waitFor();
    await page.getByTestId('totp-password').fill('not-my-password');
    await page.getByTestId('totp-enrol').click();
    await page.getByText('当前密码错误').waitFor();
    await page.getByTestId('totp-password').fill(DEMO_ADMIN.password);
    await page.getByTestId('totp-enrol').click();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByTestId('totp-code').fill(totpAt(base32Decode(secret), Date.now()));
    await page.getByRole('button', { name: '验证并启用' }).click();
    await page.getByTestId('totp-on').waitFor();

    // The journal shows the enrolment; the chain verifies with its signed heads.
    await demo.server.deps.services.journal.signHead();
    await page.goto(`${demo.url}/journal`);
    await page.getByTestId('verify-chain').click();
    await page
      .getByTestId('verify-result')
      .getByText(/哈希链完整/)
      .waitFor();
    await page
      .getByTestId('verify-result')
      .getByText(/签名头校验通过/)
      .waitFor();

    // Signed out, the next sign-in asks for the authenticator's code.
    await page.context().clearCookies();
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('用户名').fill(DEMO_ADMIN.username);
    await page.getByLabel('密码').fill(DEMO_ADMIN.password);
    await page.locator('form button[type=submit]').click();
    await page.getByLabel('动态码').waitFor();
  });
});
