import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { capabilitiesOf, type Role } from '../../src/common/roles.js';
import { DEMO_PASSWORD } from '../../src/server/demo/users.js';
import { PAGES, PUBLIC_PAGES } from '../../src/web/app/modules.js';
import { browserAvailability, launchChromium, startDemoServer, type DemoServer } from '../helpers/browser.js';

/**
 * Issue 16, "Done when": every route of the router, walked with the demo data in the Chinese
 * interface, shows no UUID, no ISO timestamp and no English word outside the language switch; and
 * ("Phones and accessibility") every page has one h1, a navigation landmark and a skip link, and its
 * secondary text meets WCAG AA contrast (4.5:1 for normal text, WCAG 2.1 SC 1.4.3).
 */
const availability = browserAvailability();
if (!availability.ok) console.warn(`[browser] route walk skipped: ${availability.reason}`);

/** Demo staff (src/server/demo/users.ts) a route is opened as: the first one who may open it. */
const STAFF: { username: string; roles: Role[] }[] = [
  { username: 'admin', roles: ['commander', 'admin'] },
  { username: 'sampler1', roles: ['sampler'] },
  { username: 'lab1', roles: ['lab_technician'] },
  { username: 'tracer1', roles: ['tracer'] },
  { username: 'community1', roles: ['community_worker'] },
  { username: 'auditor', roles: ['auditor'] },
];

/** Latin words that are the Chinese interface's own vocabulary: file formats and terms of the trade. */
const ACCEPTED_WORDS = new Set(['CSV', 'GBK', 'XLSX', 'GeoJSON', 'PCR', 'Ct', 'TOTP']);

/** Latin text a page shows on purpose, as "<route> english <word>". */
const INTENDED = new Set<string>([
  // The search hint's example of pinyin initials (张三 → zs).
  '/persons english zs',
  // The result file's column names, which the lab's file must carry (lab.importHint).
  ...['barcode', 'result', 'ct_n', 'time', 'lab'].map((w) => `/testing/lab english ${w}`),
  // The pool-size method's name (Dorfman two-stage pooling).
  '/testing/planning english Dorfman',
]);

/**
 * TODO (issue 16): offenders in page files other engineers are changing now, by "<route> <kind>",
 * with what shows. Fix them there, then remove the line; the test fails on any route and kind not here,
 * and on a line here (or in INTENDED) that no longer matches anything shown.
 */
const KNOWN_OFFENDERS = new Map<string, string>([]);

interface Finding {
  kind: 'uuid' | 'iso-time' | 'english';
  text: string;
}

interface PageFacts {
  findings: Finding[];
  h1: number;
  nav: number;
  skipLink: boolean;
  lowContrast: string[];
}

/** Reads what a person sees on the page: its visible text and placeholders, and the a11y facts. */
async function inspect(page: Page): Promise<PageFacts> {
  return page.evaluate(() => {
    const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
    const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g;
    // A run of two or more Latin letters; a token with digits in it (a barcode, sampler1) is a code, not a word.
    const WORD = /[A-Za-z0-9_]*[A-Za-z]{2,}[A-Za-z0-9_]*/g;
    const findings: { kind: 'uuid' | 'iso-time' | 'english'; text: string }[] = [];
    const isSwitch = (el: Element | null) =>
      !!el?.closest('.ant-segmented') &&
      /中文/.test(el.closest('.ant-segmented')!.textContent ?? '') &&
      /EN/.test(el.closest('.ant-segmented')!.textContent ?? '');
    const scan = (text: string, identifier = false) => {
      for (const m of text.match(UUID) ?? []) findings.push({ kind: 'uuid', text: m });
      const rest = text.replace(UUID, ' ');
      for (const m of rest.match(ISO) ?? []) findings.push({ kind: 'iso-time', text: m });
      if (identifier) return;
      for (const m of rest.replace(ISO, ' ').match(WORD) ?? []) if (!/\d/.test(m)) findings.push({ kind: 'english', text: m });
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('script, style, noscript') || isSwitch(el)) continue;
      const sr = el.closest('.bw-sr-only');
      if (!sr && !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      // Text marked as an identifier (a code payload, a login name) is not language; UUIDs and ISO times still count.
      if (n.textContent?.trim()) scan(n.textContent, !!el.closest('code, kbd, [translate="no"]'));
    }
    for (const input of document.querySelectorAll<HTMLInputElement>('input[placeholder], textarea[placeholder]')) {
      if (input.checkVisibility()) scan(input.placeholder);
    }

    // Contrast of secondary text against what is behind it.
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el: Element): number[] => {
      for (let e: Element | null = el; e; e = e.parentElement) {
        const [r, g, b, a = 1] = parse(getComputedStyle(e).backgroundColor);
        if (a > 0.9) return [r, g, b];
      }
      return [255, 255, 255];
    };
    const lowContrast: string[] = [];
    const SECONDARY =
      '.ant-typography-secondary, .ant-form-item-extra, .ant-statistic-title, .ant-empty-description, .ant-descriptions-item-label, .ant-list-item-meta-description, .ant-card-meta-description, .ant-result-subtitle';
    for (const el of document.querySelectorAll(SECONDARY)) {
      if (!el.checkVisibility() || !el.textContent?.trim()) continue;
      const [r, g, b, a = 1] = parse(getComputedStyle(el).color);
      const bg = background(el);
      const fg = [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 4.5) lowContrast.push(`${el.className.toString().split(' ')[0]} "${el.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}:1`);
    }
    const skip = document.querySelector<HTMLAnchorElement>('a[href^="#"].bw-skip');
    return {
      findings,
      h1: document.querySelectorAll('h1').length,
      nav: document.querySelectorAll('nav, [role="navigation"]').length,
      skipLink: !!skip && !!document.getElementById(skip.getAttribute('href')!.slice(1)),
      lowContrast,
    };
  });
}

/** Waits until the page has drawn its data: no spinner or skeleton, and the text has stopped changing. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  let last = '';
  await expect
    .poll(
      async () => {
        const busy = await page.locator('.ant-spin-spinning:visible, .ant-skeleton-active:visible').count();
        const text = await page.locator('body').innerText();
        const same = text === last;
        last = text;
        return busy === 0 && same && text.trim().length > 0;
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBe(true);
}

describe.skipIf(!availability.ok)('the Chinese interface on every route [browser]', () => {
  let demo: DemoServer;
  let browser: Browser;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    // The demo city with its outbreak (cases, contacts, campaigns, stays, areas), so detail pages have a subject.
    demo = await startDemoServer({ residents: 2000, outbreak: true });
    browser = await launchChromium();
    const db = demo.server.deps.db;
    const first = async (
      table: 'tasks' | 'persons' | 'testing_campaigns' | 'testing_tubes' | 'cases' | 'case_clusters' | 'quarantine_stays' | 'zoning_areas',
    ) => (await db.selectFrom(table).select('id').orderBy('id').limit(1).executeTakeFirst())?.id as string | undefined;
    const param: Record<string, Parameters<typeof first>[0]> = {
      '/tasks/:id': 'tasks',
      '/persons/:id': 'persons',
      '/testing/campaigns/:id': 'testing_campaigns',
      '/testing/tubes/:id': 'testing_tubes',
      '/cases/:id': 'cases',
      '/clusters/:id': 'case_clusters',
      '/quarantine/stays/:id': 'quarantine_stays',
      '/zoning/areas/:id': 'zoning_areas',
    };
    for (const [route, table] of Object.entries(param)) {
      const id = await first(table);
      if (id) ids.set(route, id);
    }
    console.info(`[browser] detail pages walked with ids for: ${[...ids.keys()].join(', ')}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('shows no UUID, ISO timestamp or English word, and gives every page one h1, a navigation landmark, a skip link and readable secondary text', async () => {
    const problems: string[] = [];
    const visited: string[] = [];
    // Allow-list entries that matched something: an entry that matches nothing is stale and fails the test.
    const used = new Set<string>();
    const tolerated = new Set<string>();
    const record = (route: string, who: string, facts: PageFacts) => {
      visited.push(route);
      for (const f of facts.findings) {
        if (f.kind === 'english' && ACCEPTED_WORDS.has(f.text)) continue;
        const key = `${route} ${f.kind} ${f.text}`;
        if (INTENDED.has(key)) {
          used.add(key);
        } else if (KNOWN_OFFENDERS.has(`${route} ${f.kind}`)) {
          tolerated.add(`${key} (as ${who})`);
          used.add(`${route} ${f.kind}`);
        } else problems.push(`${key} (as ${who})`);
      }
      if (facts.h1 !== 1) problems.push(`${route} has ${facts.h1} h1 elements`);
      if (facts.nav < 1) problems.push(`${route} has no navigation landmark`);
      if (!facts.skipLink) problems.push(`${route} has no skip link to its main content`);
      for (const c of facts.lowContrast) problems.push(`${route} low contrast: ${c}`);
    };

    // Signed out: the sign-in page and the public pages.
    const anon = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await anon.newPage();
    for (const route of ['/login', ...PUBLIC_PAGES.map((p) => p.path)]) {
      await page.goto(demo.url + route);
      await settle(page);
      record(route, 'visitor', await inspect(page));
    }
    await anon.close();

    // Signed in: each route as the first demo user allowed to open it.
    const remaining = PAGES.filter((p) => !p.path.includes(':') || ids.has(p.path));
    for (const who of STAFF) {
      const caps = capabilitiesOf(who.roles);
      const mine = remaining.filter((p) => !p.capabilities || p.capabilities.some((c) => caps.has(c)));
      if (!mine.length) continue;
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      const res = await context.request.post(`${demo.url}/api/auth/login`, { data: { username: who.username, password: DEMO_PASSWORD } });
      expect(res.status(), `${who.username} signs in`).toBe(200);
      const p = await context.newPage();
      for (const route of mine) {
        const url = route.path.replace(':id', ids.get(route.path) ?? '');
        await p.goto(demo.url + url);
        await settle(p);
        record(route.path, who.username, await inspect(p));
        remaining.splice(remaining.indexOf(route), 1);
      }
      await context.close();
    }
    expect(
      remaining.map((r) => r.path),
      'routes no demo user could open',
    ).toEqual([]);
    expect(visited.length).toBe(1 + PUBLIC_PAGES.length + PAGES.filter((p) => !p.path.includes(':') || ids.has(p.path)).length);
    for (const k of [...INTENDED, ...KNOWN_OFFENDERS.keys()]) if (!used.has(k)) problems.push(`${k}: allowed but no longer shown; remove it from the list`);
    console.info(`[browser] still tolerated (KNOWN_OFFENDERS):\n${[...tolerated].join('\n')}`);
    const unique = [...new Set(problems)];
    console.info(`[browser] walked ${visited.length} routes; ${unique.length} problems:\n${unique.join('\n')}`);
    expect(unique).toEqual([]);
  }, 900_000);
});
