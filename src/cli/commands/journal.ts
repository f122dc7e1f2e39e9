import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { createDeps } from '../../server/app.js';
import { CliError, EXIT } from '../exit.js';

export function registerJournal(program: Command): void {
  const journal = program.command('journal').description('The tamper-evident journal');
  journal
    .command('verify')
    .description('Recompute the whole hash chain; exit 4 and name the first broken entry if any')
    .action(async () => {
      const deps = await createDeps({ ...loadConfig(), logLevel: 'silent' });
      const bar = new SingleBar({ format: 'verifying {bar} {value}/{total} entries', hideCursor: true, noTTYOutput: false }, Presets.shades_classic);
      let started = false;
      try {
        const result = await deps.services.journal.verify(deps.db, (done, total) => {
          if (!started && process.stdout.isTTY) {
            bar.start(total, 0);
            started = true;
          }
          if (started) bar.update(done);
        });
        if (started) bar.stop();
        if (!result.ok) throw new CliError(`journal broken at entry ${result.brokenSeq}: ${result.problem}`, EXIT.CHECK_FAILED);
        console.log(`journal intact: ${result.entries} entries, head ${result.head.slice(0, 16)}…`);
        if (result.unrepresentable?.length) console.log(`entries holding text that could not be stored as written (a lone UTF-16 surrogate, now U+FFFD; genuine, not altered): ${result.unrepresentable.join(', ')}`);
      } finally {
        await deps.handle.close();
      }
    });
}
