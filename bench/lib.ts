import http from 'node:http';
import { Worker } from 'node:worker_threads';

/** One row of the results table. `ceiling` names the row it is compared with. */
export interface BenchRow {
  group: string;
  name: string;
  ops: number;
  seconds: number;
  unit: string;
  ceiling?: string;
  note?: string;
}

/** Runs `fn` (which performs `ops` operations) and returns its rate. */
export async function measure(
  group: string,
  name: string,
  ops: number,
  fn: () => Promise<void> | void,
  o: { unit?: string; ceiling?: string; note?: string } = {},
): Promise<BenchRow> {
  const t0 = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { group, name, ops, seconds, unit: o.unit ?? 'ops', ceiling: o.ceiling, note: o.note };
}

/**
 * Drives an HTTP endpoint with `concurrency` keep-alive connections for `durationMs` and counts
 * completed requests by status code. A tiny load generator so the bench needs no extra tool.
 * `cpuUs` is the process's CPU time over the load (server and load generator, every thread): on a
 * shared machine, CPU per request is steadier than requests per second of wall time.
 */
export async function httpLoad(
  url: string,
  o: {
    durationMs: number;
    concurrency: number;
    method?: string;
    headers?: Record<string, string>;
    body?: () => string;
    headersEach?: () => Record<string, string>;
    /**
     * A client shed with 503 waits the Retry-After it was given before its next request (as the
     * residents' page does), instead of resending at once: the admitted-p99 row (issue 14) measures
     * the admitted requests, not the loop's time spent refusing instant resends.
     */
    honourRetryAfter?: boolean;
  },
): Promise<{ ok: number; other: Record<number, number>; seconds: number; cpuUs: number; okP99Ms: number; retryAfter: Set<string> }> {
  const cpu0 = process.cpuUsage();
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const u = new URL(url);
  let ok = 0;
  const other: Record<number, number> = {};
  // Latency of the answered (2xx) requests, and the Retry-After values of the 503s.
  const okMs: number[] = [];
  const retryAfter = new Set<string>();
  const end = Date.now() + o.durationMs;
  const t0 = process.hrtime.bigint();
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const body = o.body?.();
      const sent = performance.now();
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: o.method ?? 'GET',
          agent,
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...o.headers, ...o.headersEach?.() },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode && res.statusCode < 300) {
              ok++;
              okMs.push(performance.now() - sent);
            } else other[res.statusCode ?? 0] = (other[res.statusCode ?? 0] ?? 0) + 1;
            if (res.statusCode === 503) retryAfter.add(String(res.headers['retry-after']));
            const wait = o.honourRetryAfter && res.statusCode === 503 ? Number(res.headers['retry-after']) * 1000 : 0;
            if (wait > 0) setTimeout(resolve, Math.min(wait, Math.max(0, end - Date.now())));
            else resolve();
          });
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  return {
    ok,
    other,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    cpuUs: cpu.user + cpu.system,
    okP99Ms: okMs.sort((a, b) => a - b)[Math.min(okMs.length - 1, Math.floor(okMs.length * 0.99))] ?? 0,
    retryAfter,
  };
}

/**
 * One HTTP request; its body read as text. Pass an agent to reuse connections within one stage, and
 * make a new agent per stage: a socket kept alive across a long stall of the server (activating a
 * Shanghai-size campaign blocks it for minutes) is closed by the server's keep-alive timeout, and
 * reusing it fails with ECONNRESET.
 */
export function httpRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {},
): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? 'GET',
        agent: o.agent ?? false,
        headers: { ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (o.body) req.write(o.body);
    req.end();
  });
}

/**
 * CPU time (user + system, µs) a process and its live child processes have used so far, from
 * /proc (Linux; 0 elsewhere): the server under test when it runs as a separate process (`serve`,
 * and its cluster workers), apart from the load generator in the bench process.
 */
export async function processTreeCpuUs(pid: number): Promise<number> {
  const { readFileSync, readdirSync } = await import('node:fs');
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  // Fields after the command's closing parenthesis: ppid is the 2nd, utime and stime the 12th and 13th.
  const stat = (p: string) => {
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    } catch {
      return undefined;
    }
  };
  let procs: string[];
  try {
    procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  const kids = new Map<string, string[]>();
  for (const p of procs) {
    const f = stat(p);
    if (f) kids.set(f[1], [...(kids.get(f[1]) ?? []), p]);
  }
  const one = (p: string): number => {
    const f = stat(p);
    if (!f) return 0;
    return (Number(f[11]) + Number(f[12])) * tick + (kids.get(p) ?? []).reduce((a, c) => a + one(c), 0);
  };
  return one(String(pid));
}

/**
 * CPU time (µs) of the PostgreSQL backends serving one database (from /proc: processes whose title is
 * `postgres: <user> <db> …`; Linux, server on this machine; 0 elsewhere). Backends that exit between
 * two readings drop out of the difference, so read it around a stretch with a steady pool.
 */
export async function pgBackendsCpuUs(database: string): Promise<number> {
  const { readFileSync, readdirSync } = await import('node:fs');
  let total = 0;
  let procs: string[];
  try {
    procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const p of procs) {
    try {
      // A backend's title: `postgres: [cluster name: ]user database host(port) state` (Debian sets the
      // cluster name, e.g. `15/main:`), padded with NULs.
      const title = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0+$/, '');
      const m = /^postgres: (?:\S+: )?(\S+) (\S+) /.exec(title);
      if (!m || m[2] !== database) continue;
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(f[11]) + Number(f[12])) * 1e4;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The pids of a process and its descendants (from /proc; Linux). */
export async function processTree(pid: number): Promise<number[]> {
  const { readFileSync, readdirSync } = await import('node:fs');
  const kids = new Map<string, string[]>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1];
      kids.set(ppid, [...(kids.get(ppid) ?? []), p]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: string) => {
    out.push(Number(p));
    for (const c of kids.get(p) ?? []) walk(c);
  };
  walk(String(pid));
  return out;
}

/** The process's resident memory now, in MB. */
export const rssMb = () => Math.round(process.memoryUsage.rss() / 2 ** 20);

/**
 * The process's peak resident memory over a stretch of the run, in MB. A worker thread reads the
 * RSS every 100 ms, so it keeps sampling while the main thread is busy in synchronous work (SQLite).
 */
export function rssPeaks(): { reset(): void; peakMb(): number; stop(): Promise<number> } {
  const peak = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData: peak } = require('node:worker_threads');
     setInterval(() => { const mb = Math.round(process.memoryUsage.rss() / 1048576); if (mb > Atomics.load(peak, 0)) Atomics.store(peak, 0, mb); }, 100);`,
    { eval: true, workerData: peak },
  );
  worker.unref();
  const now = () => Math.max(Atomics.load(peak, 0), rssMb());
  return {
    reset: () => Atomics.store(peak, 0, 0),
    peakMb: now,
    stop: async () => {
      const mb = now();
      await worker.terminate();
      return mb;
    },
  };
}

/** Prints the table: rate, and the ratio to the ceiling row measured in the same run. */
export function printTable(rows: BenchRow[]): void {
  const rate = (r: BenchRow) => r.ops / r.seconds;
  const byName = new Map(rows.map((r) => [`${r.group}/${r.name}`, r]));
  const lines = rows.map((r) => {
    const c = r.ceiling ? byName.get(r.ceiling) : undefined;
    return [
      r.group,
      r.name,
      r.ops.toLocaleString('en-US'),
      r.seconds.toFixed(2),
      `${Math.round(rate(r)).toLocaleString('en-US')} ${r.unit}/s`,
      c ? `${((rate(r) / rate(c)) * 100).toFixed(1)}% of ${c.name}` : 'ceiling',
      r.note ?? '',
    ];
  });
  const head = ['group', 'case', 'ops', 'seconds', 'rate', 'vs ceiling (same run)', 'note'];
  const widths = head.map((h, i) => Math.max(width(h), ...lines.map((l) => width(l[i]))));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join(' | ') + ' |';
  console.log(fmt(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return w;
}

/**
 * Runs `fn` under the V8 CPU profiler when BULWARK_BENCH_CPUPROF=<dir> is set, writing
 * `<dir>/<name>.cpuprofile` (open it in Chrome DevTools, or summarise it with
 * `node --import tsx bench/profile-summary.ts <file>`). The load generator shares the process, so its
 * frames (node:http client, the bench's own closures) appear beside the server's.
 */
export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BULWARK_BENCH_CPUPROF;
  // A mark an outside profiler (perf, callgrind) can wait for.
  console.error(`  … load ${name}`);
  if (!dir) return fn();
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/${name.replace(/[^\w.-]+/g, '_')}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}
