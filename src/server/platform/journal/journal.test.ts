import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { systemActor } from '../actor.js';
import { inTx } from '../../db/dialect.js';

describe.each(DIALECTS)('journal [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
  });
  afterAll(() => env.close());

  it('chains entries written in the change transaction and verifies the whole chain', async () => {
    const { journal } = env.deps.services;
    const actor = systemActor('test');
    for (let i = 0; i < 5; i++) {
      await inTx(env.deps.db, (trx) =>
        journal.append(trx, actor, {
          action: 'test.thing.change',
          entityType: 'thing',
          entityId: `t${i}`,
          jurisdictionPath: '/420500/420502/',
          payload: { i },
          reason: 'because',
        }),
      );
    }
    await inTx(env.deps.db, (trx) =>
      journal.appendBatch(trx, actor, { action: 'test.rows.import', entityType: 'thing', rows: [{ a: 1 }, { a: 2 }], summary: { file: 'x.csv' } }),
    );
    const v = await journal.verify();
    expect(v).toMatchObject({ ok: true, entries: 6 });
    const list = await journal.list(env.deps.db, { limit: 10, entityType: 'thing' });
    expect(list.map((e) => e.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(list[0]).toMatchObject({ batchCount: 2, payload: { file: 'x.csv' } });
    expect(list[0].batchDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a rolled-back change leaves no journal entry and no gap', async () => {
    const { journal } = env.deps.services;
    const before = await journal.count();
    await expect(
      inTx(env.deps.db, async (trx) => {
        await journal.append(trx, systemActor(), { action: 'test.fail', entityType: 'thing' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await journal.count()).toBe(before);
    expect((await journal.verify()).ok).toBe(true);
  });

  it('names the first tampered entry when a row is edited directly in the database', async () => {
    await sql`update journal set reason = 'edited' where seq = 3`.execute(env.deps.db);
    const v = await env.deps.services.journal.verify();
    expect(v).toMatchObject({ ok: false, brokenSeq: 3 });
    if (!v.ok) expect(v.problem).toMatch(/altered/);
  });

  it('names a deleted entry', async () => {
    await sql`update journal set reason = 'because' where seq = 3`.execute(env.deps.db);
    expect((await env.deps.services.journal.verify()).ok).toBe(true);
    await sql`delete from journal where seq = 2`.execute(env.deps.db);
    const v = await env.deps.services.journal.verify();
    expect(v).toMatchObject({ ok: false, brokenSeq: 2 });
  });
});
