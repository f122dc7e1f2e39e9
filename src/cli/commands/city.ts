import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { createDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Deps } from '../../server/deps.js';
import { CITY_SCALES, generateCity, type GenerateProgress } from '../../server/demo/city.js';
import { CliError, EXIT } from '../exit.js';

export interface CityGenerateOptions {
  population?: number;
  seed?: string;
  scale?: keyof typeof CITY_SCALES;
}

/**
 * Generates the synthetic city into the configured (empty) database and returns the lines to print.
 * `--scale` names a size (yichang 4M, shanghai 25M); `--population` overrides it; default 1M.
 */
export async function runCityGenerate(deps: Deps, o: CityGenerateOptions, onProgress?: (p: GenerateProgress) => void): Promise<string[]> {
  const residents = o.population ?? (o.scale ? CITY_SCALES[o.scale] : 1_000_000);
  const t0 = process.hrtime.bigint();
  let r: Awaited<ReturnType<typeof generateCity>>;
  try {
    r = await generateCity(deps, { residents, seed: o.seed, onProgress });
  } catch (err) {
    if (err instanceof Error && /already holds/.test(err.message)) throw new CliError(err.message, EXIT.FAILURE);
    throw err;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return [
    `generated 宜昌市 (seed ${o.seed ?? 'bulwark-yichang-v1'}): ${r.jurisdictions.toLocaleString('en-US')} jurisdictions, ${r.residents.toLocaleString('en-US')} persons in ${r.households.toLocaleString('en-US')} households`,
    `${seconds.toFixed(1)} s, ${Math.round(r.residents / Math.max(seconds, 1e-9)).toLocaleString('en-US')} persons/s on ${deps.handle.kind}`,
  ];
}

function wholeNumber(v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

export function registerCity(program: Command): void {
  const city = program.command('city').description('The synthetic city (宜昌市): generate it at any size');
  city
    .command('generate')
    .description('Generate the city into an empty database: every district, streets to entrances, households and persons (deterministic per seed)')
    .option('--population <n>', 'persons to generate (default 1,000,000, or the --scale size)', wholeNumber)
    .option('--seed <seed>', 'PRNG seed: the same seed and size give the same city', 'bulwark-yichang-v1')
    .option(
      '--scale <name>',
      `a named size: ${Object.entries(CITY_SCALES)
        .map(([k, v]) => `${k} (${v.toLocaleString('en-US')})`)
        .join(', ')}`,
      (v) => {
        if (!(v in CITY_SCALES)) throw new InvalidArgumentError(`one of ${Object.keys(CITY_SCALES).join(', ')}`);
        return v;
      },
    )
    .addHelpText('after', '\nExample:\n  BULWARK_DB=./data/city.db bulwark city generate --population 1000000 --seed s1')
    .action(async (o: CityGenerateOptions) => {
      const deps = await createDeps({ ...loadConfig(), logLevel: 'warn' });
      const bar = new SingleBar(
        { format: '{bar} {percentage}% {value}/{total} persons · {speed} persons/s · {what}', hideCursor: true, etaBuffer: 50 },
        Presets.shades_classic,
      );
      const t0 = Date.now();
      let started = false;
      let lastLine = 0;
      try {
        const lines = await runCityGenerate(deps, o, (p) => {
          const speed = Math.round(p.done / Math.max((Date.now() - t0) / 1000, 0.001)).toLocaleString('en-US');
          if (process.stderr.isTTY) {
            if (!started) bar.start(p.total, p.done, { what: p.what, speed });
            started = true;
            bar.update(p.done, { what: p.what, speed });
          } else if (p.done - lastLine >= 100_000 || p.done === p.total) {
            lastLine = p.done;
            console.error(`${p.done}/${p.total} persons · ${speed} persons/s · ${p.what}`);
          }
        });
        if (started) bar.stop();
        for (const l of lines) console.log(l);
      } finally {
        if (started) bar.stop();
        await deps.handle.close();
      }
    });
}
