/**
 * CPU per request of the hot public and sampling routes, measured without sockets (Fastify's
 * `inject`) so the figures hold on a loaded machine: process CPU (`process.cpuUsage()`, every thread;
 * `mainThreadUs`: the event loop's thread alone),
 * the bytes allocated on the V8 heap (`v8.GCProfiler`: heap growth plus what each GC freed), GC
 * counts and event-loop utilisation per row. Issue 14's "where the time goes".
 *
 *   npx node --import tsx bench/harness/lookup-cpu.ts [iterations=3000] [rows=all|lookup|scan]
 *   BULWARK_HARNESS_PG=postgres://… runs it on PostgreSQL instead of in-memory SQLite.
 *   --cpu-prof works as usual; BULWARK_HARNESS_PROFILE=<row> profiles only that row (inspector,
 *   written to the temp folder); BULWARK_HARNESS_VARIANTS=1 adds the lookup-state statement's plan
 *   and raw better-sqlite3 timings of its parts.
 *
 * A cold lookup is forced by dropping the person's cached answer before each request (the same
 * work as a resident not looked up before: both statements, the HMACs, the response).
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import Fastify from 'fastify';
import { testConfig } from '../../src/server/config.js';
import { buildApp, createDeps } from '../../src/server/app.js';
import { ManualClock } from '../../src/server/platform/clock.js';
import { systemActor } from '../../src/server/platform/actor.js';
import { newId } from '../../src/server/platform/ids.js';
import { DEFAULT_LOOKUP_LIMITS } from '../../src/server/modules/testing/lookup.service.js';
import { addPersons, buildTestingCity, codeOf } from '../../src/server/modules/testing/testing.test-helpers.js';
import { CompiledQuery } from 'kysely';
import type { TestApp } from '../../test/helpers/db.js';

const N = Number(process.argv[2] ?? 3000);
const only = process.argv[3] ?? 'all';
const PG = process.env.BULWARK_HARNESS_PG;

interface Row {
  row: string;
  cpuUs: number;
  mainThreadUs: number;
  allocKb: number;
  gcs: number;
  elu: number;
}

async function measure(row: string, n: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<Row> {
  // Warm-up: a tenth of the iterations, so first-use compilation is not in the figure.
  for (let i = 0; i < Math.max(100, n / 10); i += concurrency) await Promise.all(Array.from({ length: concurrency }, (_, k) => one(n + i + k)));
  const profileThis = process.env.BULWARK_HARNESS_PROFILE === row;
  const session = profileThis ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const gc = new v8.GCProfiler();
  gc.start();
  const heap0 = v8.getHeapStatistics().used_heap_size;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  for (let i = 0; i < n; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, (_, k) => one(i + k)));
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  const elu = performance.eventLoopUtilization(elu0);
  const heap1 = v8.getHeapStatistics().used_heap_size;
  const stats = gc.stop();
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(tmpdir(), `harness-${row.replace(/[^\w.-]+/g, '_')}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  console.error(`  … ${row} done`);
  let freed = 0;
  for (const s of stats.statistics) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  return {
    row,
    cpuUs: Math.round(((cpu.user + cpu.system) / n) * 10) / 10,
    mainThreadUs: Math.round(((main.user + main.system) / n) * 10) / 10,
    allocKb: Math.round(((heap1 - heap0 + freed) / n / 1024) * 10) / 10,
    gcs: stats.statistics.length,
    elu: Math.round(elu.utilization * 100) / 100,
  };
}

async function main() {
  const clock = new ManualClock();
  const schema = PG ? `h_${newId().replace(/-/g, '').slice(0, 12)}` : undefined;
  const config = testConfig(PG ? { dbKind: 'postgres', db: PG, pgSchema: schema } : {});
  const deps = await createDeps(config, { clock });
  const app = await buildApp(deps);
  await app.ready();
  const t = { deps, clock, config, app, close: async () => app.close() } as unknown as TestApp;
  const city = await buildTestingCity(t);
  const persons = [...city.persons.a11, ...(await addPersons(t, city.bA11, 400)), ...(await addPersons(t, city.bA12, 400))];
  const post = (url: string, headers: Record<string, string>, payload?: unknown) => app.inject({ method: 'POST', url, headers, payload: payload as never });
  const officer = city.users.officer.headers;
  const campaignId = (await post('/api/testing/campaigns', officer, { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id] })).json().id;
  await post(`/api/testing/campaigns/${campaignId}/activate`, officer);
  const siteId = (
    await post('/api/testing/sites', officer, { name: '采样点', kind: 'tent', jurisdictionId: city.commA.id, location: [111.3, 30.7], lanes: 2 })
  ).json().id;
  // Every second person sampled once (a lookup answers one sample), the others never.
  const items: unknown[] = [];
  for (let i = 0; i < persons.length; i += 20) {
    const code = `HX${String(i).padStart(8, '0')}`;
    items.push({ op: 'open', clientId: newId(), campaignId, siteId, barcode: code, poolSize: 10 });
    for (const p of persons.slice(i, i + 20).filter((_, k) => k % 2 === 0))
      items.push({ op: 'scan', clientId: newId(), campaignId, barcode: code, idNumber: p.idNumber });
  }
  const b = await post('/api/testing/scans/batch', city.users.sampler.headers, { items });
  if (b.statusCode !== 200 || b.json().rejected) throw new Error(`seeding failed: ${b.body.slice(0, 400)}`);

  const lookup = deps.services.testing.lookup;
  lookup.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 1e12, perId: 1e12, maxLagMs: 1e9 });
  const bodies = persons.map((p) => JSON.stringify({ idNumber: p.idNumber, name: p.name }));
  const byBody = persons.map((p) => p.id);
  const rows: Row[] = [];
  const want = (r: string) => only === 'all' || only === r;

  // The ceiling's analogue: a bare Fastify POST route through inject, with a body of a lookup's size.
  const bare = Fastify();
  bare.post('/echo', async () => ({ ok: true }));
  await bare.ready();
  rows.push(
    await measure('bare Fastify POST (inject)', N, 1, () =>
      bare.inject({ method: 'POST', url: '/echo', payload: bodies[0], headers: { 'content-type': 'application/json' } }),
    ),
  );
  rows.push(await measure('GET /api/health (inject)', N, 1, () => app.inject({ method: 'GET', url: '/api/health' })));
  if (want('lookup')) {
    const ask = (i: number) => {
      const k = i % bodies.length;
      return app
        .inject({
          method: 'POST',
          url: '/api/public/results/lookup',
          payload: bodies[k],
          headers: { 'content-type': 'application/json' },
          remoteAddress: '10.1.2.3',
        })
        .then((r) => {
          if (r.statusCode !== 200) throw new Error(`lookup ${r.statusCode}: ${r.body}`);
        });
    };
    rows.push(
      await measure('lookup, cold (inject)', N, 1, (i) => {
        lookup.invalidate([byBody[i % bodies.length]]);
        return ask(i);
      }),
    );
    rows.push(await measure('lookup, cached (inject)', N, 1, (i) => ask(i % 200)));
    rows.push(
      await measure('lookup service direct, cold', N, 1, (i) => {
        const p = persons[i % persons.length];
        lookup.invalidate([p.id]);
        return lookup.lookup('10.1.2.3', { idNumber: p.idNumber, name: p.name });
      }),
    );
    rows.push(
      await measure('lookup service direct, cached', N, 1, (i) => {
        const p = persons[i % 200];
        return lookup.lookup('10.1.2.3', { idNumber: p.idNumber, name: p.name });
      }),
    );
    // Loaded by name so the harness also runs on older revisions (before/after comparisons).
    const lk = (await import('../../src/server/modules/testing/repository/lookup.js')) as unknown as {
      lookupState(db: unknown, personId: string, limit?: number): Promise<unknown>;
      lookupStateBound(db: unknown, personId: string): { sql: string; parameters: readonly unknown[] };
    };
    rows.push(await measure('lookup state read (testing repository)', N, 1, (i) => lk.lookupState(deps.db, persons[i % persons.length].id, 10)));
    if (!PG && process.env.BULWARK_HARNESS_VARIANTS) {
      const lookupStateBound = lk.lookupStateBound;
      const q = lookupStateBound(deps.db, persons[0].id);
      const plan = await deps.db.executeQuery(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
      console.error(JSON.stringify(plan.rows));
      const stmt = deps.handle.sqlite!.prepare(q.sql);
      {
        const db3 = deps.handle.sqlite!;
        const pid = (i: number) => persons[i % persons.length].id;
        const variants: Record<string, string> = {
          'select 1': 'select ? as x',
          'scans of person': 'select s.id from testing_scans s where s.person_id = ?',
          'scans+tube+campaign':
            'select s.id, t.status, c.name from testing_scans s left join testing_tubes t on t.id = s.tube_id left join testing_campaigns c on c.id = s.campaign_id where s.person_id = ? order by s.recorded_at desc limit 10',
          'full, no subqueries':
            'select v.version, s.id, s.campaign_id, c.name, s.recheck, s.scanned_at, t.status, t.result from (select cast(? as text) as pid) q left join testing_lookup_versions v on v.person_id = q.pid left join testing_scans s on s.person_id = q.pid left join testing_tubes t on t.id = s.tube_id left join testing_campaigns c on c.id = s.campaign_id order by s.recorded_at desc, s.id desc limit 10',
          'full, no subqueries, no order':
            'select v.version, s.id, s.campaign_id, c.name, s.recheck, s.scanned_at, t.status, t.result from (select cast(? as text) as pid) q left join testing_lookup_versions v on v.person_id = q.pid left join testing_scans s on s.person_id = q.pid left join testing_tubes t on t.id = s.tube_id left join testing_campaigns c on c.id = s.campaign_id limit 10',
          version: 'select version from testing_lookup_versions where person_id = ?',
          'rechecks count': "select count(*) from testing_rechecks r where r.person_id = ? and r.status in ('awaiting_sample','sampled','positive')",
        };
        const IN = `in ('awaiting_sample', 'sampled', 'positive')`;
        const OR = (a: string) => `(${a}."status" = 'awaiting_sample' or ${a}."status" = 'sampled' or ${a}."status" = 'positive')`;
        variants['full, ORs'] = q.sql.replace(`"r"."status" ${IN}`, OR('"r"')).replace(`"r2"."status" ${IN}`, OR('"r2"')).replace('limit ?', 'limit 10');
        variants['full, no IN'] = q.sql.replace(`and "r"."status" ${IN}`, '').replace(`and "r2"."status" ${IN}`, '').replace('limit ?', 'limit 10');
        variants['full as is'] = q.sql.replace('limit ?', 'limit 10');
        for (const [name, text] of Object.entries(variants)) {
          const st = db3.prepare(text);
          rows.push(await measure(`raw: ${name}`, N, 1, async (i) => st.all(pid(i))));
        }
        console.error(q.sql);
      }
      rows.push(
        await measure('lookup state read, raw better-sqlite3', N, 1, async (i) => {
          const b = lookupStateBound(deps.db, persons[i % persons.length].id);
          return stmt.all(...(b.parameters as unknown[]));
        }),
      );
    }
    rows.push(
      await measure('person read by ID (population port)', N, 1, (i) =>
        deps.services.population.briefsByIdNumber(systemActor('h'), [{ idNumber: persons[i % persons.length].idNumber, idType: 'resident_id' }]),
      ),
    );
  }
  if (want('scan')) {
    // Single scans: tubes of 20 opened up front, 32 requests in flight (the group commit's batches).
    const scanPersons = [...(await addPersons(t, city.bA21, 1500)), ...(await addPersons(t, city.bB11, 1500))];
    console.error('  … scan persons added');
    const codes: string[] = [];
    for (const p of scanPersons) codes.push(await codeOf(t, p.id));
    console.error('  … codes issued');
    const tubes: string[] = [];
    const open = [];
    for (let i = 0; i < Math.ceil(codes.length / 20); i++)
      open.push({ op: 'open', clientId: newId(), campaignId, siteId, barcode: `SX${String(i).padStart(8, '0')}`, poolSize: 20 });
    const ob = await post('/api/testing/scans/batch', city.users.sampler.headers, { items: open });
    for (const it of ob.json().items) tubes.push(it.tube.id);
    const headers = { ...city.users.sampler.headers, 'content-type': 'application/json' };
    let next = 0;
    const scan = () => {
      const i = next++;
      if (i >= codes.length) throw new Error('ran out of persons: lower the iterations');
      return app
        .inject({
          method: 'POST',
          url: '/api/testing/scans',
          headers,
          payload: JSON.stringify({ clientId: newId(), tubeId: tubes[Math.floor(i / 20)], residentCode: codes[i] }),
        })
        .then((r) => {
          if (r.statusCode !== 200) throw new Error(`scan ${r.statusCode}: ${r.body}`);
        });
    };
    const n = Math.min(N, Math.floor((codes.length - 300) / 1.1));
    rows.push(await measure('single scan, 32 in flight (inject)', n, 32, scan));
  }
  console.log(JSON.stringify({ dialect: PG ? 'postgres' : 'sqlite', iterations: N, node: process.version }));
  console.table(rows);
  await bare.close();
  await app.close();
  await deps.handle.close();
  if (schema) {
    process.env.BULWARK_TEST_PG ??= PG; // test/helpers/db.ts drops the schema on that server
    const { dropSchema } = await import('../../test/helpers/db.js');
    await dropSchema(schema);
  }
}

await main();
