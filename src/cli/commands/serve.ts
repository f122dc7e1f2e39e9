import cluster from 'node:cluster';
import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { runCluster } from '../../server/cluster.js';
import { startServer, stopOnSignals } from '../../server/server.js';
import { CliError, EXIT } from '../exit.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the platform (BULWARK_DB, PORT, BULWARK_TZ from the environment)')
    .option('-p, --port <port>', 'port to listen on (overrides PORT)')
    .option('-w, --workers <n>', 'server processes behind the one port (node:cluster); each also runs jobs and live events', '1')
    .action(async (opts: { port?: string; workers: string }) => {
      const workers = Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new CliError('--workers must be a whole number from 1 to 64', EXIT.USAGE);
      // Parsed (and secrets created) in the primary before any worker starts.
      const config = loadConfig(opts.port ? { ...process.env, PORT: opts.port } : process.env);
      if (workers > 1 || cluster.isWorker) {
        await runCluster(config, {
          workers,
          onReady: (url) => console.log(`Bulwark serving at ${url} (${config.dbKind}, ${workers} workers)`),
        });
        return;
      }
      const server = await startServer(config);
      stopOnSignals(server);
      console.log(`Bulwark serving at ${server.url} (${server.deps.handle.kind})`);
    });
}
