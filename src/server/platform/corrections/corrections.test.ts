import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { inTx } from '../../db/dialect.js';
import { systemActor } from '../actor.js';

describe.each(DIALECTS)('corrections [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
  });
  afterAll(() => env.close());

  it('keeps the original value, the reason and a journal entry for each correction', async () => {
    const { corrections, journal } = env.deps.services;
    const actor = systemActor('lab');
    await inTx(env.deps.db, (trx) =>
      corrections.record(trx, actor, {
        entityType: 'tube',
        entityId: 'T1',
        jurisdictionPath: '/420500/',
        before: { result: 'positive', ct: 31 },
        after: { result: 'negative', ct: 31 },
        reason: '录入错误：复核为阴性',
      }),
    );
    const h = await corrections.history('tube', 'T1');
    expect(h).toHaveLength(1);
    expect(h[0].changes).toEqual([{ field: 'result', from: 'positive', to: 'negative' }]);
    const [entry] = await journal.list(env.deps.db, { entityType: 'tube', entityId: 'T1', limit: 5 });
    expect(entry).toMatchObject({ seq: h[0].journalSeq, action: 'tube.correct', reason: '录入错误：复核为阴性' });
  });

  it('refuses a correction without a reason or without a change', async () => {
    const { corrections } = env.deps.services;
    await expect(
      inTx(env.deps.db, (trx) =>
        corrections.record(trx, systemActor(), { entityType: 'tube', entityId: 'T2', jurisdictionPath: null, before: { a: 1 }, after: { a: 2 }, reason: '  ' }),
      ),
    ).rejects.toMatchObject({ code: 'CORRECTION_REASON_REQUIRED', status: 422 });
    await expect(
      inTx(env.deps.db, (trx) =>
        corrections.record(trx, systemActor(), { entityType: 'tube', entityId: 'T2', jurisdictionPath: null, before: { a: 1 }, after: { a: 1 }, reason: 'x' }),
      ),
    ).rejects.toMatchObject({ code: 'CORRECTION_NO_CHANGE' });
  });
});
