import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { generateCity } from '../demo/city.js';
import { deferIndexes, restoreDeferredIndexes } from './deferred-indexes.js';
import { dialectOf, type DbOrTx } from './dialect.js';
import { migrateToLatest } from './migrate.js';

/** Index names on a table (unique ones and primary keys included). */
async function indexesOf(db: DbOrTx, table: string): Promise<string[]> {
  if (dialectOf(db) === 'postgres') {
    const r = await sql<{ n: string }>`select indexname as n from pg_indexes where schemaname = current_schema() and tablename = ${table} order by 1`.execute(
      db,
    );
    return r.rows.map((x) => x.n);
  }
  const r = await sql<{ n: string }>`select name as n from sqlite_master where type = 'index' and tbl_name = ${table} order by 1`.execute(db);
  return r.rows.map((x) => x.n);
}

/** How the database answers a lookup by name: does its plan use the name index? */
async function nameLookupUsesIndex(db: DbOrTx): Promise<boolean> {
  if (dialectOf(db) === 'postgres') {
    await sql`set enable_seqscan = off`.execute(db);
    const r = await sql<{ 'QUERY PLAN': string }>`explain select id from persons where name = ${'张三'}`.execute(db);
    await sql`reset enable_seqscan`.execute(db);
    return r.rows.some((x) => x['QUERY PLAN'].includes('persons_name_idx'));
  }
  const r = await sql<{ detail: string }>`explain query plan select id from persons where name = ${'张三'}`.execute(db);
  return r.rows.some((x) => x.detail.includes('persons_name_idx'));
}

describe.each(DIALECTS)('indexes set aside for a bulk load [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
  });
  afterAll(() => env.close());

  it('drops only the non-unique secondary indexes, and the next start builds them again if the load died', async () => {
    const db = env.deps.db;
    const before = await indexesOf(db, 'persons');
    expect(before).toContain('persons_name_idx');
    const dropped = await deferIndexes(db, ['persons', 'households'], env.clock.now());
    expect(dropped).toContain('persons_name_idx');
    expect(dropped).toContain('households_path_idx');
    const during = await indexesOf(db, 'persons');
    expect(during).not.toContain('persons_name_idx');
    // The unique document index and the primary key stay, so duplicates still fail on arrival.
    expect(during.length).toBe(before.length - dropped.filter((n) => n.startsWith('persons_')).length);
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(await nameLookupUsesIndex(db)).toBe(false);

    // The load "dies" here. Migrating, as every start does, builds the recorded indexes again.
    await migrateToLatest(db);
    expect(await indexesOf(db, 'persons')).toEqual(before);
    expect(await nameLookupUsesIndex(db)).toBe(true);
    expect(await restoreDeferredIndexes(db)).toEqual([]);
  });

  it('a generated city ends with every index in place', async () => {
    const before = { persons: await indexesOf(env.deps.db, 'persons'), households: await indexesOf(env.deps.db, 'households') };
    const r = await generateCity(env.deps, { residents: 300 });
    expect(r.residents).toBe(300);
    expect(await indexesOf(env.deps.db, 'persons')).toEqual(before.persons);
    expect(await indexesOf(env.deps.db, 'households')).toEqual(before.households);
    expect(await env.deps.db.selectFrom('settings').select('key').where('key', '=', 'db.deferred_indexes').execute()).toEqual([]);
  });
});
