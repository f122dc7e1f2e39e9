import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Deps } from '../../server/deps.js';
import type { BoundaryFeature, DivisionImportReport, DivisionRow } from '../../server/modules/geo/geo.types.js';
import { parseCsv } from '../../server/modules/population/spreadsheet.js';
import type { Actor } from '../../server/platform/actor.js';
import { CliError, EXIT } from '../exit.js';
import { cliActor } from './user.js';

export interface GeoImportOptions {
  city: string;
  divisions: string;
  boundaries?: string;
  dryRun?: boolean;
}

/** Header words of the three columns (Chinese or English; the first row is the header). */
const HEADERS: Record<'code' | 'name' | 'parentCode', string[]> = {
  code: ['code', '代码', '区划代码', '统计用区划代码'],
  name: ['name', '名称', '区划名称'],
  parentCode: ['parent_code', 'parent', 'parentcode', '上级代码', '上级区划代码'],
};

/** The divisions CSV (UTF-8): a header row, then `code, name, parent code` (see division-import.ts). */
async function readDivisions(file: string): Promise<DivisionRow[]> {
  const rows: DivisionRow[] = [];
  let cols: { code: number; name: number; parentCode: number } | null = null;
  async function* text() {
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) yield chunk as string;
  }
  for await (const r of parseCsv(text())) {
    if (!cols) {
      const find = (k: keyof typeof HEADERS) => r.cells.findIndex((c) => HEADERS[k].includes(c.trim().toLowerCase()));
      cols = { code: find('code'), name: find('name'), parentCode: find('parentCode') };
      const missing = Object.entries(cols)
        .filter(([, i]) => i < 0)
        .map(([k]) => HEADERS[k as keyof typeof HEADERS][0]);
      if (missing.length)
        throw new CliError(`${file}: the header row needs the columns code, name, parent_code (missing: ${missing.join(', ')})`, EXIT.CHECK_FAILED);
      continue;
    }
    rows.push({ row: r.row, code: r.cells[cols.code] ?? '', name: r.cells[cols.name] ?? '', parentCode: r.cells[cols.parentCode] ?? '' });
  }
  return rows;
}

/** GeoJSON features with their code (`properties.code`, `properties.adcode` or the feature id). */
function readBoundaries(file: string): BoundaryFeature[] {
  let fc: { features?: { id?: unknown; properties?: Record<string, unknown> | null; geometry?: BoundaryFeature['geometry'] }[] };
  try {
    fc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: not a GeoJSON file (${(err as Error).message})`, EXIT.CHECK_FAILED);
  }
  if (!Array.isArray(fc.features)) throw new CliError(`${file}: not a GeoJSON FeatureCollection`, EXIT.CHECK_FAILED);
  return fc.features.map((f, i) => {
    const raw = f.properties?.code ?? f.properties?.adcode ?? f.id;
    return { index: i + 1, code: raw === undefined || raw === null || raw === '' ? null : String(raw), geometry: f.geometry ?? null };
  });
}

function describe(r: DivisionImportReport): string[] {
  const lines = [
    `${r.city}: ${r.rows} rows read, ${r.dryRun ? 'would create' : 'created'} ${r.created}, updated ${r.updated}, unchanged ${r.unchanged}, refused ${r.refused.filter((x) => x.row !== null).length}${r.dryRun ? ' — dry run, nothing written' : ''}`,
    `boundaries: ${r.boundaries.read} features read, applied ${r.boundaries.applied}, unchanged ${r.boundaries.unchanged}, refused ${r.refused.filter((x) => x.feature !== null).length}`,
  ];
  if (r.refused.length)
    lines.push(
      'refused:',
      ...r.refused.map((x) => `  ${x.row !== null ? `row ${x.row}` : `feature ${x.feature}`}${x.code ? ` (${x.code})` : ''}: ${x.reason} [${x.problem}]`),
    );
  return lines;
}

/**
 * `bulwark geo import`: loads a city's division codes (CSV) and boundaries (GeoJSON) into the
 * jurisdiction tree as the command-line actor. Returns the report's lines; refused rows make it
 * exit 4 after the rest was written (or, with --dry-run, checked). A missing file is exit 5.
 */
export async function runGeoImport(deps: Deps, o: GeoImportOptions, actor: Actor = cliActor()): Promise<string[]> {
  for (const f of [o.divisions, o.boundaries]) if (f && !existsSync(f)) throw new CliError(`file not found: ${f}`, EXIT.INPUT);
  if (!/^\d{6}$/.test(o.city)) throw new CliError(`--city must be a 6-digit division code (got ${o.city})`, EXIT.USAGE);
  const rows = await readDivisions(o.divisions);
  const features = o.boundaries ? readBoundaries(o.boundaries) : [];
  const report = await deps.services.geo.importDivisions(undefined, actor, { cityCode: o.city, rows, features, dryRun: o.dryRun });
  const lines = describe(report);
  if (report.refused.length) throw new CliError(lines.join('\n'), EXIT.CHECK_FAILED);
  return lines;
}

export function registerGeo(program: Command): void {
  const geo = program.command('geo').description('The jurisdiction tree: load real divisions and boundaries');
  geo
    .command('import')
    .description("Load a city's statistical division codes (CSV) and boundaries (GeoJSON) into the jurisdiction tree (idempotent)")
    .requiredOption('--city <code>', '6-digit code of the city (e.g. 420500 宜昌市)')
    .requiredOption('--divisions <file.csv>', 'UTF-8 CSV with a header row and the columns code, name, parent_code (代码, 名称, 上级代码)')
    .option('--boundaries <file.geojson>', 'GeoJSON FeatureCollection; each feature names its division in properties.code (or adcode, or the feature id)')
    .option('--dry-run', 'check and report, write nothing')
    .addHelpText(
      'after',
      [
        '',
        'Rows: the city (its code, no parent; only when the tree is empty), county-level divisions (6 digits,',
        'parent = the city), streets/towns/townships (12 digits ending 000, or the 9-digit statistical code;',
        'parent = the county) and communities/villages (12 digits; parent = the street). Codes are digits only and',
        'extend their parent. Re-running changes only what differs. Refused rows are listed with the row number',
        'as a spreadsheet shows it (header = 1) and the reason; they make the command exit 4.',
        '',
        'Example:',
        '  bulwark geo import --city 420500 --divisions yichang.csv --boundaries yichang.geojson',
      ].join('\n'),
    )
    .action(async (o: GeoImportOptions) => {
      const deps = await createDeps({ ...loadConfig(), logLevel: 'warn' });
      try {
        for (const l of await runGeoImport(deps, o)) console.log(l);
      } finally {
        await deps.handle.close();
      }
    });
}
