/**
 * A job-runner process for the two-process test (src/server/platform/jobs/jobs.multiprocess.test.ts).
 * Opens the database named by BULWARK_DB (+ BULWARK_PG_SCHEMA), registers `test.effect` — which
 * adds 1 to the counters row `effect:<n>` and to `proc:<pid>` — runs the job runner, prints `ready`,
 * and stops cleanly on SIGTERM.
 */
import { testConfig } from '../../src/server/config.js';
import { createDeps } from '../../src/server/app.js';
import type { DbOrTx } from '../../src/server/db/dialect.js';

async function bump(db: DbOrTx, name: string): Promise<void> {
  await db
    .insertInto('counters')
    .values({ name, value: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  await db
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', name)
    .execute();
}

const db = process.env.BULWARK_DB!;
const config = testConfig(/^postgres/.test(db) ? { dbKind: 'postgres', db, pgSchema: process.env.BULWARK_PG_SCHEMA } : { dbKind: 'sqlite', db });
const deps = await createDeps(config, { migrate: false });
deps.services.jobs.registerHandler<{ n: number }>('test.effect', async (trx, p) => {
  await bump(trx, `effect:${p.n}`);
  await bump(trx, `proc:${process.pid}`);
  await new Promise((r) => setTimeout(r, 2)); // hold the transaction briefly so the processes interleave
});
deps.services.jobs.start({ pollMs: 20 });
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await deps.services.jobs.stop();
    await deps.handle.close();
    process.exit(0);
  })();
});
