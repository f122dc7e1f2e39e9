import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import { openDb } from './db/dialect.js';
import { migrateToLatest } from './db/migrate.js';
import { startServer, stopOnSignals } from './server.js';

/** Messages a worker sends to the primary. */
type WorkerMessage = { type: 'ready'; url: string; pid: number };

export interface ClusterOptions {
  /** Number of server processes behind the one port. */
  workers: number;
  /** Called once every worker first listens (the CLI prints the address). */
  onReady?: (url: string) => void;
  /** Where the primary reports restarts and shutdown. */
  log?: (message: string) => void;
}

/** How long the primary waits for workers to finish in-flight requests on shutdown. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * `bulwark serve --workers N`: the primary migrates the database once, forks N workers that each
 * run startServer() on the same port (node:cluster hands connections to them in turn), restarts a
 * worker that dies, and forwards SIGTERM/SIGINT so every worker finishes its requests and exits.
 * Sessions, jobs (leased) and live events (each worker's hub reads the shared outbox) all live in
 * the database, so any worker can serve any request.
 * In a worker process this just starts the server and reports readiness to the primary.
 */
export async function runCluster(config: Readonly<Config>, opts: ClusterOptions): Promise<void> {
  if (cluster.isWorker) return runWorker(config);
  const log = opts.log ?? ((m: string) => console.error(m));

  // Migrate once here, so workers starting together never race to migrate.
  const handle = await openDb(config);
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }

  let stopping = false;
  let announced = false;
  const ready = new Set<number>();
  const recentCrashes: number[] = [];
  /** Restarts waiting for their back-off; cancelled on shutdown. */
  const pending = new Set<NodeJS.Timeout>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (m: WorkerMessage) => {
      if (m?.type !== 'ready') return;
      ready.add(worker.id);
      if (!announced && ready.size >= opts.workers) {
        announced = true;
        opts.onReady?.(m.url);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    if (stopping) return;
    // Back off when workers keep dying right after starting (a broken database, a bad config).
    const now = Date.now();
    recentCrashes.push(now);
    while (recentCrashes.length && recentCrashes[0] < now - 60_000) recentCrashes.shift();
    const delay = Math.min(250 * 2 ** Math.max(0, recentCrashes.length - 1), 30_000);
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one in ${delay} ms`);
    // Not unref'd: when every worker is dead at once this timer is all that keeps the primary
    // alive, and the port must come back (the primary keeps restarting, with back-off, until stopped).
    const restart = setTimeout(() => {
      pending.delete(restart);
      if (!stopping) fork();
    }, delay);
    pending.add(restart);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const t of pending) clearTimeout(t);
    log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} worker(s)`);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    for (const w of workers) w.process.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    force.unref();
    const check = setInterval(() => {
      if (workers.every((w) => w.isDead())) {
        clearInterval(check);
        process.exit(0);
      }
    }, 50);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < opts.workers; i++) fork();
}

async function runWorker(config: Readonly<Config>): Promise<void> {
  const server = await startServer(config);
  stopOnSignals(server);
  process.send?.({ type: 'ready', url: server.url, pid: process.pid } satisfies WorkerMessage);
}
