import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Deps } from '../../server/deps.js';
import type { ImportReport } from '../../server/modules/population/population.types.js';
import type { Actor } from '../../server/platform/actor.js';
import { AppError } from '../../server/platform/errors.js';
import { CliError, EXIT } from '../exit.js';
import { cliActor } from './user.js';

export interface ImportResidentsOptions {
  encoding?: 'utf8' | 'gb18030';
  dryRun?: boolean;
  partial?: boolean;
  onProgress?: (pass: 'validate' | 'write', rows: number) => void;
}

function describe(r: ImportReport): string[] {
  const lines = [
    `${r.fileName ?? 'file'}: ${r.format}${r.encoding ? ` (${r.encoding})` : ''}, ${r.rows} rows, ${r.failed} rejected${r.dryRun ? ' — dry run, nothing written' : ''}`,
    `${r.dryRun || !r.written ? 'would create' : 'created'} ${r.created}, corrected ${r.updated}, unchanged ${r.unchanged}, merged ${r.merged}, households ${r.households}`,
  ];
  if (r.errors.length) lines.push('rejected rows:', ...r.errors.map((e) => `  row ${e.row} ${e.field}: ${e.reason} [${e.code}]`));
  if (r.errorsTruncated) lines.push(`  … and more (${r.failed} rows in all)`);
  if (r.notices.length) lines.push('notices (accepted rows):', ...r.notices.map((e) => `  row ${e.row} ${e.field}: ${e.reason} [${e.code}]`));
  return lines;
}

/**
 * `bulwark import residents FILE`: both passes of the import (see population/import.ts), as the
 * command-line actor (whole city). Returns the report's lines; bad rows in all-or-nothing mode are
 * exit 4 (every row listed), an unreadable file exit 4 with its reason, a missing file exit 5.
 */
export async function runImportResidents(deps: Deps, file: string, o: ImportResidentsOptions = {}, actor: Actor = cliActor()): Promise<string[]> {
  if (!existsSync(file)) throw new CliError(`file not found: ${file}`, EXIT.INPUT);
  const mode = o.partial ? 'partial' : 'all';
  try {
    const report = await deps.services.population.imports.run(actor, file, {
      mode,
      dryRun: o.dryRun,
      encoding: o.encoding,
      fileName: path.basename(file),
      onProgress: o.onProgress,
    });
    const lines = describe(report);
    if (report.failed > 0 && mode === 'all')
      throw new CliError([...lines, 'nothing was imported: fix the rows, or pass --partial to import the valid ones'].join('\n'), EXIT.CHECK_FAILED);
    return lines;
  } catch (err) {
    if (err instanceof AppError && err.code === 'IMPORT_INVALID' && err.details && typeof err.details === 'object' && 'errors' in err.details) {
      throw new CliError([...describe(err.details as ImportReport), err.message].join('\n'), EXIT.CHECK_FAILED);
    }
    if (err instanceof AppError) {
      const details = err.details === undefined || err.details === null ? '' : ` ${JSON.stringify(err.details)}`;
      throw new CliError(`${err.code}: ${err.message}${details}`, err.status < 500 ? EXIT.CHECK_FAILED : EXIT.FAILURE);
    }
    throw err;
  }
}

export function registerImport(program: Command): void {
  const imp = program.command('import').description('Import data files');
  imp
    .command('residents')
    .argument(
      '<file>',
      'CSV (UTF-8 or GBK) or XLSX with a header row: 姓名/name, 身份证号/id_number, 小区/compound, 楼栋/building, and optionally 单元, 房号, 手机号, 性别, 出生日期, 特殊人群 …',
    )
    .description(
      'Import a resident list. By default nothing is written if any row is bad (exit 4, every bad row listed). Re-importing a file changes nothing; changed rows become corrections.',
    )
    .option('--encoding <encoding>', 'CSV encoding: utf8 or gb18030 (detected when omitted)', (v) => {
      if (v !== 'utf8' && v !== 'gb18030') throw new InvalidArgumentError('utf8 or gb18030');
      return v;
    })
    .option('--dry-run', 'validate and report without writing')
    .option('--partial', 'import the valid rows and list the rejected ones')
    .addHelpText('after', '\nExit codes: 0 ok, 4 bad rows or unreadable file (nothing written), 5 file missing.')
    .action(async (file: string, o: ImportResidentsOptions) => {
      const deps = await createDeps({ ...loadConfig(), logLevel: 'warn' });
      const bar = new SingleBar({ format: '{pass} {value} rows · {speed} rows/s', hideCursor: true }, Presets.shades_classic);
      let started = false;
      let pass = '';
      let t0 = Date.now();
      try {
        const lines = await runImportResidents(deps, file, {
          ...o,
          onProgress: (p, rows) => {
            if (!process.stderr.isTTY) return;
            if (p !== pass) {
              if (started) bar.stop();
              pass = p;
              t0 = Date.now();
              bar.start(Number.MAX_SAFE_INTEGER, 0, { pass: p === 'validate' ? '校验 validating' : '写入 writing', speed: 0 });
              started = true;
            }
            bar.update(rows, { speed: Math.round(rows / Math.max((Date.now() - t0) / 1000, 0.001)) });
          },
        });
        if (started) bar.stop();
        for (const l of lines) console.log(l);
      } finally {
        if (started) bar.stop();
        await deps.handle.close();
      }
    });
}
