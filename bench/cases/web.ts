/**
 * Web benchmark (issue 16, "Weight on weak networks"): the sampler page's time to usable on a phone
 * (390×844, zh-CN) under Chrome DevTools' "Slow 3G" profile, applied through CDP
 * Network.emulateNetworkConditions: 2,000 ms latency, 400 kbit/s down and up (DevTools'
 * NetworkManager: download/upload 500 * 1000 / 8 * .8 bytes/s, latency 400 * 5 ms).
 * "Usable" is the tube barcode field on screen, ready for the first scan. Two rows: a first visit
 * (empty cache) and a repeat visit (hashed assets from the browser's cache, immutable). The sampler
 * signs in beforehand; the page load itself is what is timed. Its ceiling is the same page on the
 * unthrottled loopback in the same run.
 * Needs the built web app (`npx vite build`) and Chromium at /usr/bin/chromium; without them the
 * group prints one row saying so. Run alone: `node --import tsx bench/cases/web.ts`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { createDeps } from '../../src/server/app.js';
import { testConfig } from '../../src/server/config.js';
import { loadDemo } from '../../src/server/demo/demo.js';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { startServer } from '../../src/server/server.js';
import { printTable, type BenchRow } from '../lib.js';

const WEB_DIR = path.resolve('dist/web');
const CHROMIUM = '/usr/bin/chromium';
const GROUP = 'web';
const SLOW_3G = { offline: false, latency: 400 * 5, downloadThroughput: ((500 * 1000) / 8) * 0.8, uploadThroughput: ((500 * 1000) / 8) * 0.8 };

export async function webCases(dialect: 'sqlite' | 'postgres'): Promise<BenchRow[]> {
  const skip = (why: string): BenchRow[] => [{ group: GROUP, name: 'sampler page, slow 3G', ops: 0, seconds: 1, unit: 'page', note: `not run: ${why}` }];
  if (dialect !== 'sqlite') return []; // the browser sees the same page on either database
  if (!existsSync(path.join(WEB_DIR, 'index.html'))) return skip('no dist/web (npx vite build)');
  if (!existsSync(CHROMIUM)) return skip(`no Chromium at ${CHROMIUM}`);

  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-web-'));
  const config = testConfig({ db: path.join(dir, 'bulwark.db'), dataDir: dir, webDir: WEB_DIR, port: 0, host: '127.0.0.1' });
  const server = await startServer(config, { deps: await createDeps(config) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    await loadDemo(server.deps, undefined, { residents: 2000, outbreak: true });
    const rows: BenchRow[] = [];
    const visit = async (context: BrowserContext, throttle: boolean) => {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      if (throttle) await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
      let bytes = 0;
      cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
      const t0 = process.hrtime.bigint();
      await page.goto(`${server.url}/testing/sampler`);
      await page.getByTestId('tube-barcode-input').waitFor({ state: 'visible', timeout: 300_000 });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      await page.close();
      return { seconds, kb: Math.round(bytes / 1024) };
    };
    const signedIn = async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      const res = await context.request.post(`${server.url}/api/auth/login`, { data: { username: 'sampler1', password: DEMO_PASSWORD } });
      if (res.status() !== 200) throw new Error(`sampler1 could not sign in: ${res.status()}`);
      return context;
    };
    const fast = await signedIn();
    const f = await visit(fast, false);
    await fast.close();
    rows.push({
      group: GROUP,
      name: 'sampler page, loopback, first visit',
      ops: 1,
      seconds: f.seconds,
      unit: 'page',
      note: `time to usable ${f.seconds.toFixed(1)} s, ${f.kb} KB transferred`,
    });
    const slow = await signedIn();
    const first = await visit(slow, true);
    const repeat = await visit(slow, true);
    await slow.close();
    const ceiling = `${GROUP}/sampler page, loopback, first visit`;
    rows.push({
      group: GROUP,
      name: 'sampler page, slow 3G, first visit',
      ops: 1,
      seconds: first.seconds,
      unit: 'page',
      ceiling,
      note: `time to usable ${first.seconds.toFixed(1)} s, ${first.kb} KB transferred (390×844, zh-CN)`,
    });
    rows.push({
      group: GROUP,
      name: 'sampler page, slow 3G, repeat visit',
      ops: 1,
      seconds: repeat.seconds,
      unit: 'page',
      ceiling,
      note: `time to usable ${repeat.seconds.toFixed(1)} s, ${repeat.kb} KB transferred (assets from cache)`,
    });
    return rows;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await webCases('sqlite'));
}
