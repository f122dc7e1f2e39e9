/**
 * Closes the dialect loophole: a test that opens a database must run inside a suite whose name carries
 * that dialect's tag (`[sqlite]` / `[postgres]`, as `describeDialects()` in test/helpers/db.ts names
 * them). Untagged, a database suite reads as dialect-free in the dialect reporter and silently never
 * runs on PostgreSQL. Every `openDb()` (createDeps, testEnv and testApp go through it) is watched here;
 * a test that runs while a database is open, or opens one, fails when its name lacks the tag.
 */
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { DbHandle, DialectKind } from '../../src/server/db/dialect.js';

if (Number(process.versions.node.split('.')[0]) < 24) {
  throw new Error(`The tests run on Node 24 (node_modules/.bin/node, which npm test and npx use); this is ${process.version}`);
}

const open = new Map<DbHandle, DialectKind>();
const openedDuringTest = new Set<DialectKind>();

vi.mock(import('../../src/server/db/dialect.js'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    openDb: async (...args: Parameters<typeof original.openDb>) => {
      const handle = await original.openDb(...args);
      open.set(handle, handle.kind);
      openedDuringTest.add(handle.kind);
      const close = handle.close.bind(handle);
      handle.close = async () => {
        open.delete(handle);
        await close();
      };
      return handle;
    },
  };
});

beforeEach(() => {
  openedDuringTest.clear();
});

afterEach(() => {
  const name = expect.getState().currentTestName ?? '';
  // Browser suites drive the built app on SQLite by design and are counted as [browser].
  if (name.includes('[browser]')) return;
  const used = new Set([...open.values(), ...openedDuringTest]);
  const missing = [...used].filter((d) => !name.includes(`[${d}]`));
  if (missing.length) {
    throw new Error(
      `"${name}" uses a ${missing.join(' and a ')} database, but no suite around it is tagged [${missing.join('] / [')}]: ` +
        'name the suite with describeDialects() from test/helpers/db.ts (or add the tag for a one-dialect suite)',
    );
  }
});
