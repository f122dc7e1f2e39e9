import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../server/config.js';
import { openDb } from '../../server/db/dialect.js';
import { backupTo, restoreFrom } from '../../server/platform/backup.js';
import { CliError, EXIT } from '../exit.js';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .argument('<file>', 'where to write the backup')
    .description('Back up the database while it is in use (SQLite online backup, or pg_dump)')
    .action(async (file: string) => {
      const config = loadConfig();
      const handle = await openDb(config);
      const bar = new SingleBar({ format: 'backup {bar} {value}/{total} pages', hideCursor: true }, Presets.shades_classic);
      let started = false;
      try {
        await backupTo(handle, file, (done, total) => {
          if (!process.stdout.isTTY) return;
          if (!started) {
            bar.start(total, done);
            started = true;
          }
          bar.update(done);
        });
      } finally {
        if (started) bar.stop();
        await handle.close();
      }
      console.log(`Backup written to ${file}`);
    });
  program
    .command('restore')
    .argument('<file>', 'a backup made by `bulwark backup`')
    .description('Replace the database with a backup (stop the server first)')
    .action(async (file: string) => {
      if (!existsSync(file)) throw new CliError(`backup file not found: ${file}`, EXIT.INPUT);
      await restoreFrom(loadConfig(), file);
      console.log(`Restored ${file}`);
    });
}
