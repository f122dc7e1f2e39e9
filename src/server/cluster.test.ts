import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../test/helpers/factories.js';
import { connectSse, type SseConnection } from './platform/sse/sse-client.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A plain HTTP request on a fresh connection (so the cluster hands each one to a worker in turn),
 * giving up after 5 s (a connection handed to a worker as it is killed gets no answer).
 */
function request(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent: false, headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${method} ${url} within 5 s`)));
    req.end(data);
  });
}

/** Retries `fn` until it returns a value (errors count as "not yet"). */
async function until<T>(fn: () => Promise<T | undefined>, what: () => string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const last: string[] = [];
  for (;;) {
    const v = await fn().catch((err) => void last.push(String(err)));
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()} (last errors: ${last.slice(-3).join('; ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(DIALECTS)('serve --workers 2 [%s]', (dialect) => {
  let env: TestEnv;
  let dir: string | undefined;
  let primary: ChildProcess | undefined;
  let base: string;
  let output = '';
  let officer: Record<string, string>;
  let xilingId: string;
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      dir = mkdtempSync(path.join(tmpdir(), 'bulwark-cluster-'));
      env = await testEnv('sqlite', { db: path.join(dir, 'bulwark.db') }); // migrated
    } else {
      env = await testEnv('postgres');
    }
    const db = env.deps.db;
    const city = await buildMiniCity(db);
    xilingId = city.xiling.id;
    const unit = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    // The cluster runs on real time, so the session is made at real time too.
    officer = await sessionHeaders(db, await buildUser(db, { unit, roles: ['district_officer'] }), Date.now());

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    primary = spawn(process.execPath, ['bin/bulwark.js', 'serve', '--workers', '2'], {
      env: {
        ...process.env,
        BULWARK_DB: env.config.db,
        ...(env.config.pgSchema ? { BULWARK_PG_SCHEMA: env.config.pgSchema } : {}),
        PORT: String(port),
        HOST: '127.0.0.1',
        BULWARK_WEB_DIR: path.join(tmpdir(), 'bulwark-no-web-here'),
        LOG_LEVEL: 'silent',
        BULWARK_SESSION_KEY: 'a'.repeat(64),
        BULWARK_DATA_KEY: 'b'.repeat(64),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (d) => (output += d));
    primary.stderr!.on('data', (d) => (output += d));
    await until(
      async () => (output.includes('serving at') ? true : undefined),
      () => `the cluster to start (output: ${output})`,
      60_000,
    );
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    if (primary && primary.exitCode === null) {
      const exited = new Promise((r) => primary!.once('exit', r));
      primary.kill('SIGKILL');
      await exited;
    }
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an alert raised through one worker to a client connected to the other, restarts a crashed worker, and stops on SIGTERM', async () => {
    expect(output).toContain('2 workers');
    // Open streams until both workers hold at least one (connections are handed out in turn).
    const byWorker = new Map<string, SseConnection>();
    for (let i = 0; i < 20 && byWorker.size < 2; i++) {
      const s = await connectSse(`${base}/api/events`, officer);
      streams.push(s);
      expect(s.status).toBe(200);
      const pid = String(s.headers['x-worker-id']);
      if (!byWorker.has(pid)) byWorker.set(pid, s);
    }
    expect(byWorker.size).toBe(2);

    const raised = await request('POST', `${base}/api/alerts`, officer, {
      title: '跨进程预警',
      body: '集群测试',
      severity: 'critical',
      jurisdictionId: xilingId,
    });
    expect(raised.status).toBe(201);
    const via = String(raised.headers['x-worker-id']);
    const alertId = (raised.json as { id: string }).id;
    const other = [...byWorker.keys()].find((pid) => pid !== via)!;
    expect(other).toBeDefined();
    const e = await byWorker.get(other)!.waitFor((x) => x.event === 'alert.raised' && JSON.parse(x.data).id === alertId, 30_000);
    expect(JSON.parse(e.data)).toMatchObject({ title: '跨进程预警', severity: 'critical' });

    // A worker that dies is replaced.
    for (const s of streams) s.close();
    process.kill(Number(other), 'SIGKILL');
    const seen: string[] = [];
    const replacement = await until(
      async () => {
        const r = await request('GET', `${base}/api/health`);
        const pid = String(r.headers['x-worker-id']);
        seen.push(`${r.status}:${pid}`);
        return r.status === 200 && pid !== other && pid !== via ? pid : undefined;
      },
      () => `a replacement worker (answers: ${seen.slice(-6).join(' ')}; output: ${output})`,
    );
    expect(replacement).not.toBe(other);

    // Every worker dying at once: the primary stays up and the port answers again.
    const live = await until(
      async () => {
        const pids = new Set<string>();
        for (let i = 0; i < 6; i++) pids.add(String((await request('GET', `${base}/api/health`)).headers['x-worker-id']));
        return pids.size === 2 ? [...pids] : undefined;
      },
      () => `two live workers (output: ${output})`,
    );
    for (const pid of live) process.kill(Number(pid), 'SIGKILL');
    const back = await until(
      async () => {
        const r = await request('GET', `${base}/api/health`);
        const pid = String(r.headers['x-worker-id']);
        return r.status === 200 && !live.includes(pid) ? pid : undefined;
      },
      () => `a worker after all died (output: ${output})`,
    );
    expect(live).not.toContain(back);
    expect(primary!.exitCode).toBeNull();

    // SIGTERM: the primary stops its workers and exits cleanly.
    const exited = new Promise<number | null>((r) => primary!.once('exit', (code) => r(code)));
    primary!.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(request('GET', `${base}/api/health`)).rejects.toThrow();
  });
});
