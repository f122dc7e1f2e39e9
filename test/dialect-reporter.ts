import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints how many tests ran on each database dialect (suite names carry `[sqlite]` / `[postgres]`)
 * and in the browser, then the plain closing line `N passed, N failed`.
 */
export default class DialectReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { sqlite: 0, postgres: 0, browser: 0, other: 0 };
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        if (state !== 'passed' && state !== 'failed') continue;
        const name = t.fullName;
        if (name.includes('[postgres]')) count.postgres++;
        else if (name.includes('[sqlite]')) count.sqlite++;
        else if (name.includes('[browser]')) count.browser++;
        else count.other++;
      }
    }
    console.log(`\nTests run per dialect: sqlite ${count.sqlite}, postgres ${count.postgres}; browser ${count.browser}; dialect-free ${count.other}`);
    console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }
}
