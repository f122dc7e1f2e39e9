import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
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
    // A built asset with its precompressed siblings, as vite.config.ts's precompress step writes them.
    const big = `export const greeting = ${JSON.stringify('你好，铜墙。'.repeat(400))};\n`;
    writeFileSync(path.join(dir, 'assets', 'big-abc123.js'), big);
    writeFileSync(path.join(dir, 'assets', 'big-abc123.js.gz'), gzipSync(big));
    writeFileSync(path.join(dir, 'assets', 'big-abc123.js.br'), brotliCompressSync(big));
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

  // Issue 16, "Weight on weak networks": compress responses, cache hashed assets as immutable.
  it('sends an asset brotli- or gzip-compressed by Accept-Encoding, and plain to a client that accepts neither', async () => {
    const url = '/assets/big-abc123.js';
    const plain = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'identity' } });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('你好，铜墙。');

    const br = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toContain('javascript');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 10);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);

    const gz = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
  });

  it('lets browsers keep hashed assets for a year and makes them revalidate index.html', async () => {
    const asset = await t.app.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const compressed = await t.app.inject({ method: 'GET', url: '/assets/big-abc123.js', headers: { 'accept-encoding': 'br' } });
    expect(compressed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/', '/testing/sampler', '/index.html']) {
      const page = await t.app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['cache-control'], url).toBe('no-cache');
    }
  });
});
