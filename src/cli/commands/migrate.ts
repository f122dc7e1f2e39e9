import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { openDb } from '../../server/db/dialect.js';
import { migrateToLatest } from '../../server/db/migrate.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Create or upgrade the database schema (BULWARK_DB: SQLite file or postgres:// URL)')
    .action(async () => {
      const config = loadConfig();
      const handle = await openDb(config);
      try {
        const applied = await migrateToLatest(handle.db);
        console.log(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'Schema is up to date.');
      } finally {
        await handle.close();
      }
    });
}
