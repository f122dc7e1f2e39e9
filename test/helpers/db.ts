import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testConfig, type Config } from '../../src/server/config.js';
import type { DialectKind } from '../../src/server/db/dialect.js';
import type { Deps } from '../../src/server/deps.js';
import { buildApp, createDeps } from '../../src/server/app.js';
import { ManualClock } from '../../src/server/platform/clock.js';

const PG_URL = process.env.BULWARK_TEST_PG;

if (process.env.CI === 'true' && !PG_URL) {
  throw new Error('CI=true but BULWARK_TEST_PG is not set: the PostgreSQL suites must run in CI');
}

/** The dialects the integration suites run on: SQLite always, PostgreSQL when BULWARK_TEST_PG is set. */
export const DIALECTS: DialectKind[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * One suite per dialect in DIALECTS, named `<name> [sqlite]` / `<name> [postgres]`: the tag the dialect
 * reporter counts and test/setup/dialect-tags.ts demands of every test that uses a database.
 */
export function describeDialects(name: string, fn: (dialect: DialectKind) => void): void {
  describe.each(DIALECTS)(`${name} [%s]`, fn);
}

export interface TestEnv {
  deps: Deps;
  clock: ManualClock;
  config: Readonly<Config>;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database on the given dialect: in-memory SQLite, or a new PostgreSQL schema
 * that is dropped on close (so test files can run in parallel against one server).
 */
export async function testEnv(dialect: DialectKind, overrides: Partial<Config> = {}): Promise<TestEnv> {
  const clock = new ManualClock();
  const schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const config = testConfig(dialect === 'postgres' ? { dbKind: 'postgres', db: PG_URL!, pgSchema: schema, ...overrides } : overrides);
  const deps = await createDeps(config, { clock });
  return {
    deps,
    clock,
    config,
    async close() {
      await deps.handle.close();
      if (schema) await dropSchema(schema);
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

export interface TestApp extends TestEnv {
  app: FastifyInstance;
}

/** A built app (no port) on a fresh database. */
export async function testApp(dialect: DialectKind, overrides: Partial<Config> = {}): Promise<TestApp> {
  const env = await testEnv(dialect, overrides);
  const app = await buildApp(env.deps);
  await app.ready();
  return {
    ...env,
    app,
    async close() {
      await app.close();
      await env.close();
    },
  };
}
