import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createDeps } from '../../src/server/app.js';
import { testConfig, type Config } from '../../src/server/config.js';
import { loadDemo } from '../../src/server/demo/demo.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

/** The system Chromium the browser tests drive (no downloads). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet headless Chromium in a container: no sandbox, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Where browser tests save their screenshots. */
export const RESULTS_DIR = path.resolve('test-results');

/** The built web app the server serves (npm test runs `vite build` first). */
export const WEB_DIR = path.resolve('dist/web');

/**
 * Whether the browser suites can run. Without Chromium they are skipped with a message, except
 * under CI=true, where a missing browser fails the run (a skipped browser test proves nothing).
 */
export function browserAvailability(): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(CHROMIUM_PATH)) {
    const reason = `${CHROMIUM_PATH} is missing: install Chromium (apt-get install chromium) to run the browser tests`;
    if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
    return { ok: false, reason };
  }
  if (!existsSync(path.join(WEB_DIR, 'index.html'))) {
    const reason = `${WEB_DIR}/index.html is missing: run \`vite build\` first (npm test does)`;
    if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
    return { ok: false, reason };
  }
  return { ok: true };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface DemoServer {
  server: RunningServer;
  url: string;
  /**
   * Moves the server's wall clock (what sessions, lockouts and rate limits run on) forward, as if
   * the user had left the browser alone that long.
   */
  advanceWallClock(ms: number): void;
  /** Stops the server and removes its database. */
  close(): Promise<void>;
}

/**
 * The real server (listen on a free port) serving the built web app, on a fresh SQLite file,
 * with the demo city at small scale and the demo staff.
 */
export async function startDemoServer(opts: { residents?: number; outbreak?: boolean; config?: Partial<Config> } = {}): Promise<DemoServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-e2e-'));
  const config = testConfig({ db: path.join(dir, 'bulwark.db'), dataDir: dir, webDir: WEB_DIR, port: 0, host: '127.0.0.1', ...opts.config });
  let wallOffset = 0;
  const deps = await createDeps(config, { wallClock: { now: () => Date.now() + wallOffset } });
  const server = await startServer(config, { deps });
  try {
    await loadDemo(server.deps, undefined, { residents: opts.residents ?? 2000, outbreak: opts.outbreak });
  } catch (err) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    url: server.url,
    advanceWallClock(ms) {
      wallOffset += ms;
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The path of a screenshot in test-results/ (created on first use). */
export function screenshotPath(name: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return path.join(RESULTS_DIR, name);
}

/**
 * Picks an option of an antd Select (found by test id), after typing `typed` into its search when
 * given, and waits until the Select shows the picked label. A click that lands while the dropdown
 * is still settling (seen on a loaded CI machine) is retried, up to three times.
 */
export async function choose(page: Page, testId: string, typed: string | null, option: string | RegExp): Promise<void> {
  const select = page.getByTestId(testId);
  for (let attempt = 1; ; attempt++) {
    await select.click();
    if (typed !== null) await select.locator('input').fill(typed);
    const item = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: option }).first();
    const label = (await item.textContent())?.trim() ?? '';
    await item.click();
    const shown = await expect
      .poll(async () => (await select.textContent()) ?? '', { timeout: 5_000 })
      .toContain(label)
      .then(
        () => true,
        (err: unknown) => {
          if (attempt >= 3) throw err;
          return false;
        },
      );
    if (shown) return;
    await page.keyboard.press('Escape');
  }
}
