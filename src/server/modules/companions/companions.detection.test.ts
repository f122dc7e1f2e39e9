import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { DAY } from '../../platform/clock.js';
import { makePersons } from '../control/control.test-helpers.js';
import { BUCKET_MS, cellOf } from './companions.grid.js';

const actor = systemActor('test');
const LAT = 30.7;
const LNG = 111.29;

/** Pings one minute into each of `n` consecutive 10-minute buckets from the bucket-aligned `start`. */
function track(personId: string, start: number, n: number, lat = LAT, lng = LNG): string[] {
  return Array.from({ length: n }, (_, i) => `${personId},,${start + i * BUCKET_MS + 60_000},${lat},${lng}`);
}

describe.each(DIALECTS)('companion detection edge cases [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let p: Record<'case' | 'exact' | 'short' | 'split' | 'neighbour' | 'old', string>;
  const c = () => t.deps.services.companions;
  const batches = async () =>
    Number(
      (
        await t.deps.db
          .selectFrom('companion_batches')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const found = async (params: { windowDays?: number; minOverlapMinutes?: number; minTotalMinutes?: number }) => {
    const b = await c().detect(undefined, actor, { personId: p.case, ...params });
    return new Map(b.candidates!.map((x) => [x.personId, x]));
  };

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const ids = await makePersons(t, city.street, 6);
    p = { case: ids[0]!, exact: ids[1]!, short: ids[2]!, split: ids[3]!, neighbour: ids[4]!, old: ids[5]! };
    const aligned = (ms: number) => Math.floor(ms / BUCKET_MS) * BUCKET_MS;
    const base = aligned(t.clock.now() - DAY);
    const old = aligned(t.clock.now() - 5 * DAY);
    const lines = ['person_id,phone_hash,time,lat,lng'];
    lines.push(...track(p.case, base, 60)); // 10 h in one cell
    lines.push(...track(p.case, old, 30)); // 5 h, five days ago
    lines.push(...track(p.exact, base, 18)); // exactly 180 min together
    for (const k of [0, 2, 4]) lines.push(...track(p.short, base + k * BUCKET_MS, 1)); // three separate 10-min slots
    lines.push(...track(p.split, base + 20 * BUCKET_MS, 10), ...track(p.split, base + 31 * BUCKET_MS, 10)); // 100 + 100 min, a 10-min gap
    lines.push(...track(p.neighbour, base, 60, LAT + 0.0075, LNG)); // the whole 10 h, ~830 m north
    lines.push(...track(p.old, old, 30)); // 300 min, but five days ago
    await c().importPings(undefined, actor, lines.join('\n'));
  });
  afterAll(() => t.close());

  it('a total of exactly minTotalMinutes is a candidate; one minute more is not', async () => {
    const at = await found({ minTotalMinutes: 180, windowDays: 2 });
    expect(at.get(p.exact)).toMatchObject({ totalMinutes: 180, overlapCount: 1, cells: [cellOf(LAT, LNG)] });
    expect((await found({ minTotalMinutes: 181, windowDays: 2 })).has(p.exact)).toBe(false);
  });

  it('overlaps shorter than minOverlapMinutes do not count at all, however many; a gap of one slot splits an overlap in two', async () => {
    expect((await found({ minOverlapMinutes: 10, minTotalMinutes: 30, windowDays: 2 })).get(p.short)).toMatchObject({ totalMinutes: 30, overlapCount: 3 });
    expect((await found({ minOverlapMinutes: 20, minTotalMinutes: 20, windowDays: 2 })).has(p.short)).toBe(false);
    const split = (await found({ minTotalMinutes: 200, windowDays: 2 })).get(p.split)!;
    expect(split).toMatchObject({ totalMinutes: 200, overlapCount: 2 });
    expect(split.evidence.map((o) => o.minutes)).toEqual([100, 100]);
    expect(split.evidence[1]!.from - split.evidence[0]!.to).toBe(BUCKET_MS);
  });

  it('the next grid cell (~800 m away) is never a companion, and the case person is never their own', async () => {
    const all = await found({ minOverlapMinutes: 10, minTotalMinutes: 10, windowDays: 14 });
    expect(all.has(p.neighbour)).toBe(false);
    expect(all.has(p.case)).toBe(false);
    expect([...all.keys()].sort()).toEqual([p.exact, p.short, p.split, p.old].sort());
  });

  it('only time inside the window counts: five days ago is outside a 2-day window and inside a 6-day one', async () => {
    expect((await found({ windowDays: 2, minTotalMinutes: 300 })).has(p.old)).toBe(false);
    expect((await found({ windowDays: 6, minTotalMinutes: 300 })).get(p.old)).toMatchObject({ totalMinutes: 300 });
  });

  it("refuses parameters out of range and a person outside the caller's scope, writing no batch", async () => {
    const before = await batches();
    for (const params of [{ windowDays: 0 }, { windowDays: 61 }, { minOverlapMinutes: 0 }, { minOverlapMinutes: 30, minTotalMinutes: 20 }]) {
      await expect(c().detect(undefined, actor, { personId: p.case, ...params }), JSON.stringify(params)).rejects.toMatchObject({
        code: 'COMPANION_PARAMS_INVALID',
        status: 422,
      });
    }
    const wujiagang = { ...systemActor('wjg'), scopePath: city.wujiagang.path };
    await expect(c().detect(undefined, wujiagang, { personId: p.case })).rejects.toMatchObject({ code: 'COMPANION_PERSON_NOT_FOUND', status: 404 });
    expect(await batches()).toBe(before);
    // A person with no pings at all gets an empty batch, not an error.
    const [nobody] = await makePersons(t, city.street, 1);
    const empty = await c().detect(undefined, actor, { personId: nobody! });
    expect(empty).toMatchObject({ candidateCount: 0, pendingCount: 0, candidates: [] });
  });
});
