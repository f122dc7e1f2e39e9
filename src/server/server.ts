import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { buildApp, createDeps } from './app.js';
import { createClockOffsetService } from './platform/jobs/clock-offset.js';
import { sseHub } from './platform/sse/sse.hub.js';

export interface RunningServer {
  app: FastifyInstance;
  deps: Deps;
  url: string;
  stop(): Promise<void>;
}

/**
 * loadConfig() → createDeps() → buildApp() → listen(), with the background work of a server
 * process: the shared demo-clock offset (re-read every 2 s), the SSE fan-out hub and, when
 * `config.runJobs`, the job runner. Every process may run all three (job leases make that safe).
 */
export async function startServer(config: Readonly<Config>, opts: { deps?: Deps } = {}): Promise<RunningServer> {
  const deps = opts.deps ?? (await createDeps(config));
  const clock = createClockOffsetService(deps);
  await clock.refresh();
  const stopClock = clock.startRefresher();
  const app = await buildApp(deps);
  if (cluster.isWorker) {
    // Lets clients (and the cluster test) tell which worker answered.
    app.addHook('onRequest', async (_req, reply) => {
      reply.header('x-worker-id', String(process.pid));
    });
  }
  const hub = sseHub(deps);
  await app.listen({ port: config.port, host: config.host });
  await hub.start();
  if (config.runJobs) deps.services.jobs.start();
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    app,
    deps,
    url,
    stop() {
      stopped ??= (async () => {
        stopClock();
        await deps.services.jobs.stop();
        await hub.stop();
        await app.close();
        await deps.handle.close();
      })();
      return stopped;
    },
  };
}

/** Stops the server on SIGINT/SIGTERM, finishing in-flight requests first. */
export function stopOnSignals(server: RunningServer): void {
  const stop = async (signal: string) => {
    server.deps.log.info({ signal }, 'shutting down');
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
