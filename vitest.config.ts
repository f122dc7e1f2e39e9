import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'dist'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for something a user would see happen (a page update, a live event). Its
    // 1 s default is too short on a loaded 2-core CI machine, where a re-render can lag seconds.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './test/dialect-reporter.ts'],
    // Fails a test that uses a database inside a suite without that dialect's tag (see the file).
    setupFiles: ['./test/setup/dialect-tags.ts'],
    server: { deps: { inline: [] } },
  },
});
