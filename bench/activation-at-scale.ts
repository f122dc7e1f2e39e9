/**
 * Campaign activation at a city's full node count, without its persons (issue 5's memory target).
 *
 *   node --import tsx bench/activation-at-scale.ts [residents = 25,670,000] [database file]
 *
 * Generating the persons of a 25.67M-resident city takes hours (`bulwark city generate`), but what
 * activation's time and memory grow with is the number of jurisdiction nodes: one coverage row per
 * node down to buildings. So this stages only the nodes of the generated city's plan (the same plan
 * and seed as `city generate`; populations left at 0, so targets are 0) and then activates a
 * city-wide campaign the way the route does, printing:
 * - the staging rate (nodes inserted through `geo.insertMany`, with their geometry);
 * - activation's time, its coverage rows, the process RSS before it and the peak during it
 *   (a worker thread samples every 100 ms);
 * - the longest event-loop stall during activation (`monitorEventLoopDelay`): how long the server
 *   would have kept a request waiting.
 * The database file is deleted afterwards unless it was given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createDeps } from '../src/server/app.js';
import { testConfig } from '../src/server/config.js';
import { inTx } from '../src/server/db/dialect.js';
import { planDemoCity } from '../src/server/demo/city.js';
import type { NewJurisdiction } from '../src/server/modules/geo/geo.service.js';
import { systemActor } from '../src/server/platform/actor.js';
import { measure, printTable, rssMb, rssPeaks, type BenchRow } from './lib.js';

const residents = Number((process.argv[2] ?? '25670000').replace(/[_,]/g, ''));
const given = process.argv[3];
const file = given ?? path.join(mkdtempSync(path.join(tmpdir(), 'bw-bench-')), 'nodes.db');
const deps = await createDeps(testConfig({ db: file }));
const { geo, testing } = deps.services;
const sys = systemActor('bench');
const g = 'activation sqlite';
const rows: BenchRow[] = [];

try {
  const plan = planDemoCity({ residents });
  let nodes = 0;
  console.error(`… staging the nodes of a ${residents.toLocaleString('en-US')}-resident city (no persons)`);
  rows.push(
    await measure(
      g,
      'stage the nodes (geo.insertMany, no persons)',
      0,
      async () => {
        let buf: NewJurisdiction[] = [plan.city];
        const flush = async () => {
          const page = buf;
          buf = [];
          await inTx(deps.db, (trx) => geo.insertMany(trx, page));
          nodes += page.length;
          if (Math.floor(nodes / 1_000_000) !== Math.floor((nodes - page.length) / 1_000_000)) console.error(`  … ${nodes.toLocaleString('en-US')} nodes`);
        };
        for (const piece of plan.pieces()) {
          buf.push(...piece.nodes);
          if (buf.length >= 50_000) await flush();
        }
        await flush();
      },
      { unit: 'nodes' },
    ),
  );
  rows[0].ops = nodes;

  const city = (await geo.list(sys, {}))[0];
  const campaign = await testing.campaigns.create(undefined, sys, { name: '全市全员核酸（激活基准）', scopeJurisdictionIds: [city.id], poolSize: 20 });
  console.error('… activating a city-wide campaign');
  // Collect the staging's garbage first, so that "before" is what a server would hold.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const before = rssMb();
  const rss = rssPeaks();
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  const activation = await measure(
    g,
    'campaign activation (staged; every node down to buildings)',
    0,
    () => testing.campaigns.activate(undefined, sys, campaign.id).then(() => undefined),
    { unit: 'rows' },
  );
  stalls.disable();
  const peak = await rss.stop();
  const coverageRows = Number(
    (
      await deps.db
        .selectFrom('testing_coverage')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('campaign_id', '=', campaign.id)
        .executeTakeFirstOrThrow()
    ).n,
  );
  activation.ops = coverageRows;
  activation.note = `RSS ${before.toLocaleString('en-US')} MB before, peak ${peak.toLocaleString('en-US')} MB during (target < 2 GB); event loop: longest stall ${(stalls.max / 1e6).toFixed(0)} ms, p99 ${(stalls.percentile(99) / 1e6).toFixed(0)} ms`;
  rows.push(activation);
  printTable(rows);
} finally {
  await deps.handle.close();
  if (!given) rmSync(path.dirname(file), { recursive: true, force: true });
}
