import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';

describe.each(DIALECTS)('HSTS [%s]', (dialect) => {
  let proxied: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    proxied = await testApp(dialect, { trustProxy: true });
    direct = await testApp(dialect);
  });
  afterAll(async () => {
    await proxied.close();
    await direct.close();
  });

  it('sends Strict-Transport-Security over https (a trusted proxy saying so), never over plain http', async () => {
    const https = await proxied.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const http = await proxied.app.inject({ method: 'GET', url: '/api/health' });
    expect(http.headers['strict-transport-security']).toBeUndefined();
    // An untrusted client cannot make a plain-http server claim https.
    const spoofed = await direct.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
  });
});
