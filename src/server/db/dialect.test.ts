import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';

describe.each(DIALECTS)('queries through the dialect [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
    await sql`create table dialect_probe (id integer primary key, v text not null)`.execute(env.deps.db);
    for (let i = 1; i <= 50; i++) await sql`insert into dialect_probe (id, v) values (${i}, ${`v${i}`})`.execute(env.deps.db);
  });
  afterAll(() => env.close());

  const q = () =>
    env.deps.db
      .selectFrom('dialect_probe' as never)
      .select(['id', 'v'] as never)
      .where('id' as never, '<=', 50 as never)
      .orderBy('id' as never);

  it('answers the same query again and again with current data (statements are reused, not stale)', async () => {
    expect((await q().execute()).length).toBe(50);
    await sql`update dialect_probe set v = 'changed' where id = 1`.execute(env.deps.db);
    const rows = (await q().execute()) as { id: number; v: string }[];
    expect(rows[0]).toEqual({ id: 1, v: 'changed' });
  });
});

// SQLite only: prepared statements are kept per SQL text there (PostgreSQL streams need no reuse).
describe('statement reuse on SQLite [sqlite]', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv('sqlite');
    await sql`create table dialect_probe (id integer primary key, v text not null)`.execute(env.deps.db);
    for (let i = 1; i <= 50; i++) await sql`insert into dialect_probe (id, v) values (${i}, ${`v${i}`})`.execute(env.deps.db);
  });
  afterAll(() => env.close());
  const q = () =>
    env.deps.db
      .selectFrom('dialect_probe' as never)
      .select(['id', 'v'] as never)
      .where('id' as never, '<=', 50 as never)
      .orderBy('id' as never);

  it('runs a query again after a stream of it was left early (the reused statement is free again)', async () => {
    let seen = 0;
    for await (const row of q().stream(5)) {
      expect(row).toBeTruthy();
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    expect((await q().execute()).length).toBe(50);
    let all = 0;
    for await (const _row of q().stream(7)) all += 1;
    expect(all).toBe(50);
  });
});
