import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../test/helpers/db.js';

describeDialects('serving the built web app', (dialect) => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-web-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>铜墙</title><script src="/assets/app-1.js"></script>');
    writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    t = await testApp(dialect, { webDir: dir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves client-side routes with index.html and assets from the build', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/testing/campaigns' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>铜墙</title>');
    const asset = await t.app.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
  });

  it('serves an asset written after the server started (a rebuild while serving), not index.html', async () => {
    writeFileSync(path.join(dir, 'assets', 'app-2.js'), 'console.log(2)');
    const r = await t.app.inject({ method: 'GET', url: '/assets/app-2.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('javascript');
    expect(r.body).toBe('console.log(2)');
  });

  it('answers a missing asset or a path outside the build with 404, never a file from elsewhere', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('<title>');
    for (const url of ['/assets/..%2F..%2F..%2Fetc%2Fpasswd', '/assets/%E0%A4%A']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect([400, 404], url).toContain(r.statusCode);
      expect(r.body).not.toContain('root:');
    }
    // Dot segments are resolved before routing: at most the app's own page comes back.
    const dotted = await t.app.inject({ method: 'GET', url: '/assets/%2e%2e/%2e%2e/package.json' });
    expect(dotted.body).not.toContain('"dependencies"');
  });
});
