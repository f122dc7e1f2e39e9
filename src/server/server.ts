import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { buildApp, createDeps } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  deps: Deps;
  url: string;
  stop(): Promise<void>;
}

/** loadConfig() → createDeps() → buildApp() → listen(), with background work and graceful stop. */
export async function startServer(config: Readonly<Config>, opts: { deps?: Deps } = {}): Promise<RunningServer> {
  const deps = opts.deps ?? (await createDeps(config));
  const app = await buildApp(deps);
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  let stopped = false;
  return {
    app,
    deps,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await deps.handle.close();
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
