import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { createDeps } from '../../server/app.js';
import { CliError, EXIT } from '../exit.js';

export function registerJournal(program: Command): void {
  const journal = program.command('journal').description('The tamper-evident journal');
  journal
    .command('verify')
    .description('Recompute the whole hash chain and check it against the signed heads (file and database); exit 4 and name the first break')
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
        if (result.unrepresentable?.length)
          console.log(
            `entries holding text that could not be stored as written (a lone UTF-16 surrogate, now U+FFFD; genuine, not altered): ${result.unrepresentable.join(', ')}`,
          );
        console.log(
          result.signedHeads > 0
            ? `signed heads: ${result.signedHeads} checked (key ${result.keyId}); anchored through entry ${result.anchoredSeq}, ${result.unanchored} newer entries not yet signed`
            : `signed heads: none yet (key ${result.keyId}); run \`bulwark journal sign\` or a server, which signs every minute`,
        );
      } finally {
        await deps.handle.close();
      }
    });
  journal
    .command('sign')
    .description('Sign the current journal head now (Ed25519) and append it to the heads file; servers do this every minute')
    .action(async () => {
      const deps = await createDeps({ ...loadConfig(), logLevel: 'silent' });
      try {
        const head = await deps.services.journal.signHead();
        console.log(head ? `signed entry ${head.seq}, head ${head.hash.slice(0, 16)}… (key ${head.keyId})` : 'nothing new to sign');
      } finally {
        await deps.handle.close();
      }
    });
}
