import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { systemActor } from '../actor.js';
import { inTx } from '../../db/dialect.js';

describe.each(DIALECTS)('journal verify and unrepresentable text [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
  });
  afterAll(() => env.close());

  const append = (reason: string, i: number) =>
    inTx(env.deps.db, (trx) =>
      env.deps.services.journal.append(trx, systemActor('test'), {
        action: 'test.thing.change',
        entityType: 'thing',
        entityId: `t${i}`,
        payload: { note: reason },
        reason,
      }),
    );

  it('an entry whose reason held a lone surrogate (written before the edge refused them) verifies as unrepresentable, not altered', async () => {
    await append('ordinary', 1);
    await append('half a pair \ud800 here', 2);
    await append('after', 3);
    // Neither database can hold the lone surrogate: the stored reason reads U+FFFD.
    const stored = await sql<{ reason: string }>`select reason from journal where seq = 2`.execute(env.deps.db);
    expect(stored.rows[0].reason).toMatch(/^half a pair (\ufffd|\ufffd{3}) here$/);
    const v = await env.deps.services.journal.verify();
    expect(v).toMatchObject({ ok: true, entries: 3, head: expect.any(String), unrepresentable: [2] });
  });

  it('a U+FFFD put in by an edit is still reported as altered', async () => {
    await sql`update journal set reason = ${'ordinary\ufffd'} where seq = 1`.execute(env.deps.db);
    const v = await env.deps.services.journal.verify();
    expect(v).toMatchObject({ ok: false, brokenSeq: 1 });
    if (!v.ok) expect(v.problem).toMatch(/altered/);
  });
});
