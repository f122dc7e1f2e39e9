import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type UnitRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { claimClientIds } from '../applied-ops.js';

describe.each(DIALECTS)('Idempotency-Key on write routes [%s]', (dialect) => {
  let t: TestApp;
  let headers: Record<string, string>;
  let unit: UnitRef;
  let path: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    const city = await buildMiniCity(t.deps.db);
    unit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    path = city.xiling.path;
    headers = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), t.clock.now());
  });
  afterAll(() => t.close());

  const createTask = (key: string | undefined, title: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/tasks',
      headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) },
      payload: { title, assigneeUnitId: unit.id, jurisdictionPath: path, priority: 'normal', sourceModule: 'manual' },
    });
  const countTasks = async (title: string) => (await t.deps.db.selectFrom('tasks').select('id').where('title', '=', title).execute()).length;

  it('a retried request returns the first response and never applies twice', async () => {
    const first = await createTask('key-1', '入户排查');
    expect(first.statusCode).toBe(201);
    const journalBefore = await t.deps.services.journal.count();
    const retry = await createTask('key-1', '入户排查');
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    expect(await countTasks('入户排查')).toBe(1);
    expect(await t.deps.services.journal.count()).toBe(journalBefore);
  });

  it('concurrent duplicates with one key apply once', async () => {
    const rs = await Promise.all(Array.from({ length: 5 }, () => createTask('key-2', '并发任务')));
    expect(rs.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
    expect(new Set(rs.filter((r) => r.statusCode === 201).map((r) => r.json().id)).size).toBe(1);
    expect(await countTasks('并发任务')).toBe(1);
  });

  it('the same key with a different body is refused with 422 and writes nothing', async () => {
    const r = await createTask('key-1', '另一个任务');
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countTasks('另一个任务')).toBe(0);
  });

  it('without a key, two requests are two changes', async () => {
    await createTask(undefined, '无键任务');
    await createTask(undefined, '无键任务');
    expect(await countTasks('无键任务')).toBe(2);
  });

  it('a malformed key is a 400', async () => {
    const r = await createTask('x'.repeat(300), '坏键');
    expect(r.statusCode).toBe(400);
    expect(await countTasks('坏键')).toBe(0);
  });

  it('client-generated ids in a batch are applied once across resends', async () => {
    const at = t.clock.now();
    const first = await inTx(t.deps.db, (trx) => claimClientIds(trx, 'test.scan', ['a', 'b', 'c'], at));
    expect([...first].sort()).toEqual(['a', 'b', 'c']);
    const resend = await inTx(t.deps.db, (trx) => claimClientIds(trx, 'test.scan', ['b', 'c', 'd', 'd'], at));
    expect([...resend]).toEqual(['d']);
    // A rolled-back batch claims nothing, so its resend applies.
    await expect(
      inTx(t.deps.db, async (trx) => {
        await claimClientIds(trx, 'test.scan', ['e'], at);
        throw new Error('network drop');
      }),
    ).rejects.toThrow();
    expect([...(await inTx(t.deps.db, (trx) => claimClientIds(trx, 'test.scan', ['e'], at)))]).toEqual(['e']);
  });
});
