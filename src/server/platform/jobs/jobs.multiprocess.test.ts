import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { inTx } from '../../db/dialect.js';

const N = 200;

function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/jobs-worker.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`job worker exited (${code}) before it was ready: ${err}`)));
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe.each(DIALECTS)('jobs across two processes [%s]', (dialect) => {
  let env: TestEnv;
  let dir: string | undefined;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      dir = mkdtempSync(path.join(tmpdir(), 'bulwark-jobs-'));
      env = await testEnv('sqlite', { db: path.join(dir, 'jobs.db') });
    } else {
      env = await testEnv('postgres');
    }
  });
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    await env.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs each job exactly once when two processes run the runner on the same database', async () => {
    const { jobs } = env.deps.services;
    await inTx(env.deps.db, async (trx) => {
      for (let n = 0; n < N; n++) await jobs.schedule(trx, { kind: 'test.effect', payload: { n }, runAt: 0 });
    });
    const childEnv = { BULWARK_DB: env.config.db, BULWARK_PG_SCHEMA: env.config.pgSchema ?? '' };
    if (!env.config.pgSchema) delete (childEnv as Record<string, string>).BULWARK_PG_SCHEMA;
    workers.push(...(await Promise.all([startWorker(childEnv), startWorker(childEnv)])));

    const deadline = Date.now() + 90_000;
    while ((await jobs.count({ kind: 'test.effect', status: 'done' })) < N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(workers.map(stopWorker));

    expect(await jobs.count({ kind: 'test.effect', status: 'done' })).toBe(N);
    const rows = await env.deps.db.selectFrom('counters').selectAll().execute();
    const effects = rows.filter((r) => r.name.startsWith('effect:'));
    expect(effects).toHaveLength(N);
    expect(effects.filter((r) => Number(r.value) !== 1)).toEqual([]);
    const perProcess = rows.filter((r) => r.name.startsWith('proc:')).map((r) => Number(r.value));
    expect(perProcess.reduce((a, b) => a + b, 0)).toBe(N);
    // Which process did how much depends on timing; only exactly-once is asserted.
    console.log(`[${dialect}] jobs per process: ${perProcess.join(' / ')}`);
  });
});
