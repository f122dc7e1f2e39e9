import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { startServer, stopOnSignals } from '../../server/server.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the platform (BULWARK_DB, PORT, BULWARK_TZ from the environment)')
    .option('-p, --port <port>', 'port to listen on (overrides PORT)')
    .action(async (opts: { port?: string }) => {
      const config = loadConfig(opts.port ? { ...process.env, PORT: opts.port } : process.env);
      const server = await startServer(config);
      stopOnSignals(server);
      console.log(`Bulwark serving at ${server.url} (${server.deps.handle.kind})`);
    });
}
