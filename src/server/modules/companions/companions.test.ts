import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { DAY } from '../../platform/clock.js';
import { makePersons } from '../control/control.test-helpers.js';
import { BUCKET_MS, cellOf, overlapsOf } from './companions.grid.js';

const actor = systemActor('test');
const HASH = 'ab'.repeat(32);

/** A ping every 10 minutes from `start` for `n` buckets at one point. */
function track(subject: string, start: number, n: number, lat: number, lng: number): string[] {
  return Array.from({ length: n }, (_, i) => `${subject},${start + i * BUCKET_MS + 60_000},${lat},${lng}`);
}

describe('companion grid', () => {
  it('puts points ~800 m apart in different cells and close ones together; joins consecutive buckets into overlaps', () => {
    expect(cellOf(30.7, 111.29)).toBe(cellOf(30.7001, 111.2901));
    expect(cellOf(30.7, 111.29)).not.toBe(cellOf(30.7 + 0.0075, 111.29));
    expect(cellOf(30.7, 111.29)).not.toBe(cellOf(30.7, 111.29 + 0.0085));
    const o = overlapsOf([{ cell: 'x', bucket: 1 }, { cell: 'x', bucket: 2 }, { cell: 'x', bucket: 5 }, { cell: 'y', bucket: 3 }], 20);
    expect(o).toEqual([{ cell: 'x', from: BUCKET_MS, to: 3 * BUCKET_MS, minutes: 20 }]);
  });
});

describe.each(DIALECTS)('spatiotemporal companions [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  const c = () => t.deps.services.companions;
  const pingCount = async () => Number((await t.deps.db.selectFrom('companion_pings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeEach(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
  });
  afterEach(() => t.close());

  it('rejects a ping CSV with bad coordinates, times, subjects or unknown persons with a row report and writes nothing; partial imports the good rows', async () => {
    const [p] = await makePersons(t, city.street, 1);
    const now = t.clock.now();
    const csv = [
      'person_id,phone_hash,time,lat,lng,cell_id',
      `${p},,${now - DAY},30.7,111.29,`,
      `${p},,${now - DAY},95,111.29,`,
      `${p},,yesterday,30.7,111.29,`,
      `,,${now - DAY},30.7,111.29,`,
      `00000000-0000-7000-8000-00000000abcd,,${now - DAY},30.7,111.29,`,
      `,${HASH},2026-11-28T10:00:00+08:00,,,CELL-4201`,
      `${p},,${now - DAY},30.7,,`,
    ].join('\n');
    const err = await c().importPings(undefined, actor, csv).catch((e) => e);
    expect(err).toMatchObject({ code: 'COMPANION_CSV_INVALID', status: 422 });
    expect(err.details.rows.map((r: { line: number }) => r.line)).toEqual([3, 4, 5, 6, 8]);
    expect(err.details.rows[0].errors.join()).toMatch(/lat/);
    expect(await pingCount()).toBe(0);

    const r = await c().importPings(undefined, actor, csv, { partial: true });
    expect(r).toMatchObject({ imported: 2, rejected: 5 });
    expect(await pingCount()).toBe(2);
    await expect(c().importPings(undefined, actor, 'who,when\n1,2')).rejects.toMatchObject({ code: 'COMPANION_CSV_HEADER' });
  });

  it("finds the people who shared a cell with a case's person long enough, with evidence, and changes nobody's status", async () => {
    const [casePerson, a, b, d] = await makePersons(t, city.street, 4);
    const start = t.clock.now() - 5 * DAY;
    const lines = ['person_id,phone_hash,time,lat,lng'];
    // Three stretches of 10 h 20 min (62 buckets) = 31 h together in one cell.
    for (const day of [0, 1, 2]) {
      const s = start + day * DAY;
      lines.push(...track(`${casePerson},`, s, 62, 30.7, 111.29));
      lines.push(...track(`${a},`, s, 62, 30.7001, 111.2902)); // same cell → 1,860 min
      lines.push(...track(`,${HASH}`, s, 62, 30.7, 111.29)); // phone hash only → candidate without a person
      lines.push(...track(`${b},`, s, 40, 30.7, 111.29)); // 3 × 400 min = 20 h: below 30 h
      lines.push(...track(`${d},`, s, 62, 30.75, 111.29)); // another cell
    }
    lines.push(...track(`${a},`, start - 20 * DAY, 200, 30.7, 111.29)); // outside the 14-day window (case absent anyway)
    await c().importPings(undefined, actor, lines.join('\n'));

    const batch = await c().detect(undefined, actor, { personId: casePerson!, caseId: 'case-1' });
    expect(batch.params).toMatchObject({ windowDays: 14, minOverlapMinutes: 10, minTotalMinutes: 1800 });
    const byKey = new Map(batch.candidates!.map((x) => [x.subjectKey, x]));
    expect([...byKey.keys()].sort()).toEqual([`h:${HASH}`, `p:${a}`].sort());
    expect(byKey.get(`p:${a}`)).toMatchObject({ personId: a, totalMinutes: 1860, overlapCount: 3, cells: [cellOf(30.7, 111.29)], decision: null });
    expect(byKey.get(`p:${a}`)!.evidence[0]).toMatchObject({ minutes: 620 });
    expect(byKey.get(`h:${HASH}`)!.personId).toBeNull();

    // Every threshold is a parameter: at 10 h, b becomes a candidate too.
    const wider = await c().detect(undefined, actor, { personId: casePerson!, minTotalMinutes: 600 });
    expect(wider.candidates!.map((x) => x.personId)).toContain(b);
    expect(wider.candidates!.map((x) => x.personId)).not.toContain(d);

    const cand = byKey.get(`p:${a}`)!;
    const reviewed = await c().review(undefined, actor, batch.id, cand.id, { decision: 'accepted', note: '同楼办公' });
    expect(reviewed.decision).toBe('accepted');
    await expect(c().review(undefined, actor, batch.id, cand.id, { decision: 'rejected' })).rejects.toMatchObject({ code: 'COMPANION_ALREADY_REVIEWED' });
    expect((await c().getBatch(actor, batch.id)).pendingCount).toBe(1);
    for (const p of [a, b, d]) expect((await t.deps.services.control.explain(actor, p!)).status).toBe('none');
    const journal = await t.deps.db.selectFrom('journal').select('action').where('entity_id', '=', batch.id).execute();
    expect(journal.map((j) => j.action).sort()).toEqual(['companions.batch.create', 'companions.candidate.review']);
  });

  it('routes: a tracer runs and reviews within scope; a batch outside their district looks missing; a bad CSV is 422', async () => {
    const tracer = await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区流调专班', jurisdiction: city.xiling }), roles: ['tracer'] });
    const headers = await sessionHeaders(t.deps.db, tracer, t.clock.now());
    const [inP] = await makePersons(t, city.street, 1);
    const [outP] = await makePersons(t, city.otherStreet, 1);
    const bad = await t.app.inject({ method: 'POST', url: '/api/companions/pings/import', headers, payload: { csv: `person_id,time,lat,lng\n${inP},${t.clock.now()},300,1` } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.rows[0].line).toBe(2);
    const made = await t.app.inject({ method: 'POST', url: '/api/companions/batches', headers, payload: { personId: inP, minTotalMinutes: 10 } });
    expect(made.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: `/api/companions/batches/${made.json().id}`, headers })).statusCode).toBe(200);
    const outBatch = await c().detect(undefined, actor, { personId: outP! });
    expect((await t.app.inject({ method: 'GET', url: `/api/companions/batches/${outBatch.id}`, headers })).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: '/api/companions/batches', headers });
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([made.json().id]);
  });
});
