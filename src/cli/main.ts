import { Command, CommanderError } from 'commander';
import { ConfigError } from '../server/config.js';
import { registerServe } from './commands/serve.js';
import { registerMigrate } from './commands/migrate.js';
import { registerDemo } from './commands/demo.js';
import { registerJournal } from './commands/journal.js';
import { registerBackup } from './commands/backup.js';
import { registerUser } from './commands/user.js';
import { registerClock } from './commands/clock.js';
import { registerCity } from './commands/city.js';
import { registerImport } from './commands/import.js';
import { registerExport } from './commands/export.js';
import { registerGeo } from './commands/geo.js';
import { registerText } from './commands/text.js';
import { registerDirectives } from './commands/directives.js';
import { EXIT, CliError } from './exit.js';

const program = new Command().name('bulwark').description('Bulwark (铜墙) outbreak command platform').version('0.1.0').showHelpAfterError().exitOverride();

registerServe(program);
registerMigrate(program);
registerDemo(program);
registerJournal(program);
registerBackup(program);
registerUser(program);
registerClock(program);
registerCity(program);
registerImport(program);
registerExport(program);
registerGeo(program);
registerText(program);
registerDirectives(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(EXIT.CONFIG);
  }
  if (err instanceof CliError) {
    console.error(`error: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(err instanceof Error ? `error: ${err.message}` : err);
  process.exit(EXIT.FAILURE);
}
