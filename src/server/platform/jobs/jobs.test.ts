import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import { MINUTE } from '../clock.js';
import { backoffMs } from './jobs.service.js';

/** The effect the test handlers write: +1 on a named row of the counters table. */
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

async function counter(db: DbOrTx, name: string): Promise<number> {
  const r = await db.selectFrom('counters').select('value').where('name', '=', name).executeTakeFirst();
  return Number(r?.value ?? 0);
}

describe.each(DIALECTS)('jobs [%s]', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv(dialect);
    const { jobs } = env.deps.services;
    jobs.registerHandler<{ name: string }>('test.count', async (trx, p) => {
      await bump(trx, p.name);
    });
    jobs.registerHandler<{ name: string; failTimes: number }>('test.flaky', async (trx, p, ctx) => {
      await bump(trx, p.name); // an effect that must roll back with the failure
      if (ctx.attempt <= p.failTimes) throw new Error(`failure ${ctx.attempt}`);
    });
  });
  afterAll(() => env.close());

  it('runs a due job once, in the transaction that marks it done; future jobs wait', async () => {
    const { jobs } = env.deps.services;
    const now = env.clock.now();
    const due = await jobs.schedule(env.deps.db, { kind: 'test.count', payload: { name: 'c.due' }, runAt: now });
    const later = await jobs.schedule(env.deps.db, { kind: 'test.count', payload: { name: 'c.later' }, runAt: now + 10 * MINUTE });
    await jobs.runDueNow();
    await jobs.runDueNow();
    expect(await counter(env.deps.db, 'c.due')).toBe(1);
    expect(await counter(env.deps.db, 'c.later')).toBe(0);
    expect(await jobs.get(due.id)).toMatchObject({ status: 'done', attempts: 1, leaseUntil: null });
    expect((await jobs.get(later.id))!.status).toBe('pending');
    env.clock.advance(10 * MINUTE);
    await jobs.runDueNow();
    expect(await counter(env.deps.db, 'c.later')).toBe(1);
  });

  it('schedules a job with a unique key only once, and only if the scheduling transaction commits', async () => {
    const { jobs } = env.deps.services;
    const a = await jobs.schedule(env.deps.db, { kind: 'test.count', payload: { name: 'c.unique' }, runAt: env.clock.now(), uniqueKey: 'u:1' });
    const b = await jobs.schedule(env.deps.db, { kind: 'test.count', payload: { name: 'c.unique' }, runAt: env.clock.now(), uniqueKey: 'u:1' });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    await expect(
      inTx(env.deps.db, async (trx) => {
        await jobs.schedule(trx, { kind: 'test.count', payload: { name: 'c.rolledback' }, runAt: env.clock.now(), uniqueKey: 'u:2' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await jobs.runDueNow();
    expect(await counter(env.deps.db, 'c.unique')).toBe(1);
    expect(await counter(env.deps.db, 'c.rolledback')).toBe(0);
  });

  it('retries a failing job with backoff (its effects rolled back each time), then succeeds', async () => {
    const { jobs } = env.deps.services;
    const j = await jobs.schedule(env.deps.db, { kind: 'test.flaky', payload: { name: 'c.flaky', failTimes: 2 }, runAt: env.clock.now(), maxAttempts: 5 });
    await jobs.runDueNow();
    let job = (await jobs.get(j.id))!;
    expect(job).toMatchObject({ status: 'pending', attempts: 1, lastError: 'failure 1' });
    expect(job.runAt).toBe(env.clock.now() + backoffMs(1));
    expect(await counter(env.deps.db, 'c.flaky')).toBe(0);
    env.clock.advance(backoffMs(1));
    await jobs.runDueNow();
    job = (await jobs.get(j.id))!;
    expect(job).toMatchObject({ status: 'pending', attempts: 2, lastError: 'failure 2' });
    env.clock.advance(backoffMs(2));
    await jobs.runDueNow();
    expect(await jobs.get(j.id)).toMatchObject({ status: 'done', attempts: 3 });
    expect(await counter(env.deps.db, 'c.flaky')).toBe(1);
  });

  it('gives up after maxAttempts and keeps the last error', async () => {
    const { jobs } = env.deps.services;
    const j = await jobs.schedule(env.deps.db, { kind: 'test.flaky', payload: { name: 'c.doomed', failTimes: 99 }, runAt: env.clock.now(), maxAttempts: 2 });
    await jobs.runDueNow();
    env.clock.advance(backoffMs(1));
    await jobs.runDueNow();
    const job = (await jobs.get(j.id))!;
    expect(job).toMatchObject({ status: 'failed', attempts: 2, lastError: 'failure 2' });
    expect(job.finishedAt).toBe(env.clock.now());
    env.clock.advance(backoffMs(5));
    await jobs.runDueNow();
    expect((await jobs.get(j.id))!.attempts).toBe(2);
    expect(await counter(env.deps.db, 'c.doomed')).toBe(0);
  });

  it('reclaims the job of a crashed process once its lease expires; the stale claim cannot finish it', async () => {
    const { jobs } = env.deps.services;
    const crashed = jobs.createRunner({ owner: 'crashed-process', leaseMs: 5 * MINUTE });
    const healthy = jobs.createRunner({ owner: 'healthy-process', leaseMs: 5 * MINUTE });
    const j = await jobs.schedule(env.deps.db, { kind: 'test.count', payload: { name: 'c.lease' }, runAt: env.clock.now() });
    const claim = await crashed.claimNext();
    expect(claim?.id).toBe(j.id);
    // While the lease holds, nobody else may take it.
    expect(await healthy.claimNext()).toBeUndefined();
    env.clock.advance(5 * MINUTE + 1);
    const reclaimed = await healthy.claimNext();
    expect(reclaimed).toMatchObject({ id: j.id, attempts: 2 });
    // The crashed process wakes up and tries to finish: its lease is gone, so nothing is applied.
    expect(await crashed.execute(claim!)).toBe('lost');
    expect(await counter(env.deps.db, 'c.lease')).toBe(0);
    expect(await healthy.execute(reclaimed!)).toBe('done');
    expect(await counter(env.deps.db, 'c.lease')).toBe(1);
    expect((await jobs.get(j.id))!.status).toBe('done');
  });

  it('runs a recurring kind once per period, however often the runner looks', async () => {
    const { jobs } = env.deps.services;
    jobs.registerRecurring('test.every-minute', MINUTE, async (trx) => {
      await bump(trx, 'c.recurring');
    });
    await jobs.runDueNow();
    await jobs.runDueNow();
    expect(await counter(env.deps.db, 'c.recurring')).toBe(1);
    env.clock.advance(MINUTE);
    await jobs.runDueNow();
    await jobs.runDueNow();
    expect(await counter(env.deps.db, 'c.recurring')).toBe(2);
    // A second process (another runner on the same database) does not run the period again.
    await jobs.createRunner({ owner: 'other-process' }).runUntilIdle();
    expect(await counter(env.deps.db, 'c.recurring')).toBe(2);
    expect(await jobs.count({ kind: 'test.every-minute' })).toBe(2);
  });

  it('prunes finished jobs and outbox rows older than a week', async () => {
    const { jobs, outbox } = env.deps.services;
    await inTx(env.deps.db, (trx) => outbox.publish(trx, { topic: 'test.old', capability: 'authenticated', payload: {} }));
    const before = await jobs.count({ status: 'done' });
    expect(before).toBeGreaterThan(0);
    env.clock.advance(8 * 24 * 60 * MINUTE);
    await jobs.runDueNow(); // platform.prune runs hourly
    expect(await jobs.count({ kind: 'test.count' })).toBe(0);
    expect((await outbox.readAfter(0)).filter((m) => m.topic === 'test.old')).toEqual([]);
  });
});
