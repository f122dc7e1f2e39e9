import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { createDeps } from '../../server/app.js';
import { loadDemo } from '../../server/demo/demo.js';
import { DEMO_ADMIN } from '../../server/demo/users.js';
import { startServer, stopOnSignals } from '../../server/server.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Migrate, load the demo city (宜昌市) and a demo admin if the database is empty, then serve')
    .option('--no-serve', 'load the demo data and exit')
    .option('--no-outbreak', 'leave out the demo outbreak (a positive pool, two cases, contacts, a quarantine hotel)')
    .option('--residents <n>', 'how many synthetic residents to generate (default 30000)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
      return n;
    })
    .action(async (opts: { serve: boolean; outbreak: boolean; residents?: number }) => {
      // The demo is for a person at a terminal: keep request logs out of the way unless asked for.
      const config = loadConfig({ LOG_LEVEL: 'warn', BULWARK_MODE: 'demo', ...process.env });
      const deps = await createDeps(config);
      const bar = new SingleBar({ format: '{what} {bar} {value}/{total}', hideCursor: true }, Presets.shades_classic);
      let started = false;
      const result = await loadDemo(
        deps,
        (done, total, what) => {
          if (!process.stdout.isTTY) return;
          if (!started) {
            bar.start(total, done, { what });
            started = true;
          }
          bar.update(done, { what });
        },
        { residents: opts.residents, outbreak: opts.outbreak },
      );
      if (started) bar.stop();
      console.log(
        result.created
          ? `Demo city loaded: ${result.jurisdictions} jurisdictions, ${result.residents} residents, ${result.users} users, ${result.cases} demo cases.`
          : `Reusing existing data in ${config.dbKind === 'sqlite' ? config.db : 'PostgreSQL'}.`,
      );
      if (!opts.serve) {
        await deps.handle.close();
        return;
      }
      const server = await startServer(config, { deps });
      stopOnSignals(server);
      console.log(`\nBulwark (铜墙) is serving at ${server.url}\nDemo login: ${DEMO_ADMIN.username} / ${DEMO_ADMIN.password}\n`);
    });
}
