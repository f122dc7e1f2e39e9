import { InvalidArgumentError, type Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Deps } from '../../server/deps.js';
import type { ExportFormat } from '../../server/modules/population/population.types.js';
import type { Actor } from '../../server/platform/actor.js';
import { AppError } from '../../server/platform/errors.js';
import { CliError, EXIT } from '../exit.js';
import { cliActor } from './user.js';

/**
 * `bulwark export residents FILE`: the persons of the city or of one jurisdiction (by division code)
 * to CSV or XLSX, masked, streamed to the file; journaled like an export from the web app.
 */
export async function runExportResidents(
  deps: Deps,
  file: string,
  o: { format: ExportFormat; jurisdiction?: string },
  actor: Actor = cliActor(),
): Promise<string[]> {
  let jurisdictionId: string | undefined;
  if (o.jurisdiction) {
    const node = (await deps.services.geo.getByCode(o.jurisdiction)) ?? (await deps.services.geo.getById(o.jurisdiction));
    if (!node) throw new CliError(`no jurisdiction with code or id ${o.jurisdiction}`, EXIT.FAILURE);
    jurisdictionId = node.id;
  }
  try {
    const out = await deps.services.population.exports.open(actor, { format: o.format, jurisdictionId });
    await pipeline(out.stream, createWriteStream(file));
    return [`exported ${out.count.toLocaleString('en-US')} persons (masked) to ${file}`];
  } catch (err) {
    if (err instanceof AppError) throw new CliError(`${err.code}: ${err.message}`, EXIT.FAILURE);
    throw err;
  }
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('Export data files');
  exp
    .command('residents')
    .argument('<file>', 'the file to write')
    .description('Export the persons (masked ID and phone numbers) of the city or of one jurisdiction')
    .option(
      '--format <format>',
      'csv or xlsx',
      (v) => {
        if (v !== 'csv' && v !== 'xlsx') throw new InvalidArgumentError('csv or xlsx');
        return v;
      },
      'csv',
    )
    .option('--jurisdiction <code>', 'division code (e.g. 420502) or id of the subtree to export')
    .addHelpText('after', '\nExample:\n  bulwark export residents --format csv --jurisdiction 420502 xiling.csv')
    .action(async (file: string, o: { format: ExportFormat; jurisdiction?: string }) => {
      const deps = await createDeps({ ...loadConfig(), logLevel: 'warn' });
      try {
        for (const l of await runExportResidents(deps, file, o)) console.log(l);
      } finally {
        await deps.handle.close();
      }
    });
}
