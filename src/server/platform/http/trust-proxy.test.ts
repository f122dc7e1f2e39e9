import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { parseTrustProxy } from '../../config.js';
import { DEFAULT_LOOKUP_LIMITS } from '../../modules/testing/lookup.service.js';

/**
 * BULWARK_TRUST_PROXY as a hop count, through the real app (issue 14): Fastify 5.12 trusts nobody
 * for a bare number, so `1` left every client at the proxy's address. The public result lookup's
 * per-address limit (one lookup per address here) shows which address the app saw.
 */
describeDialects('BULWARK_TRUST_PROXY hop count', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, { trustProxy: parseTrustProxy('1') });
    t.deps.services.testing.lookup.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 1 });
  });
  afterAll(() => t.close());

  const lookup = (xff: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/public/results/lookup',
      headers: { 'x-forwarded-for': xff },
      payload: { idNumber: '420502199001011234', name: '张三' },
    });

  it('parses "1" as one trusted hop', () => {
    expect(parseTrustProxy('1')).toBe(1);
  });

  it('takes the client address the one trusted proxy appended, so clients are limited apart', async () => {
    const a = await lookup('203.0.113.7');
    const b = await lookup('203.0.113.8');
    expect(a.statusCode).not.toBe(429);
    // Before the fix both came from 127.0.0.1: the second was refused by the per-address limit.
    expect(b.statusCode).not.toBe(429);
    const again = await lookup('203.0.113.7');
    expect(again.statusCode).toBe(429);
  });

  it('ignores entries a client forged in front of the one the proxy appended', async () => {
    const first = await lookup('198.51.100.1, 203.0.113.9');
    expect(first.statusCode).not.toBe(429);
    const forged = await lookup('198.51.100.2, 203.0.113.9');
    expect(forged.statusCode).toBe(429);
  });
});
