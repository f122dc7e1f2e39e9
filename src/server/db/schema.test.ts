import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { listColumns, listTables } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { allColumns } from './schema.js';

describe.each(DIALECTS)('schema [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
  });
  afterAll(() => env.close());

  it('migrating an empty database yields exactly the tables and columns of the row types', async () => {
    const tables = (await listTables(env.deps.db)).filter((t) => !t.startsWith('kysely_'));
    expect(tables.sort()).toEqual(Object.keys(allColumns).sort());
    for (const [table, cols] of Object.entries(allColumns)) {
      const actual = (await listColumns(env.deps.db, table)).map((c) => c.name).sort();
      expect(actual, `columns of ${table}`).toEqual(Object.keys(cols).sort());
    }
  });

  it('migrating again is a no-op', async () => {
    expect(await migrateToLatest(env.deps.db)).toEqual([]);
  });
});
