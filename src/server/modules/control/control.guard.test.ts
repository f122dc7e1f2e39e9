import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import { BULK_WINDOW_MS, type Basis, type ControlStatus } from './control.service.js';
import { acceptAnyBasis, makePersons } from './control.test-helpers.js';

/** A signed-in user as the policy hook would build it. */
function userActor(name: string, roles: Role[], scope: JurisdictionRef | '/'): Actor {
  return {
    kind: 'user',
    userId: newId(),
    name,
    unitId: null,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: scope === '/' ? '/' : scope.path,
    sessionId: null,
  };
}

/** What the thrown error says (code and problem per person), or 'applied'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'applied';
  } catch (e) {
    const err = e as { code?: string; details?: { refused?: { problem: string }[] } };
    return err.details?.refused?.[0] ? `${err.code}: ${err.details.refused[0].problem}` : String(err.code);
  }
}

describe.each(DIALECTS)('control sub-services: guard transitions, bulk window, counts [%s]', (dialect) => {
  let env: TestEnv;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let commander: Actor;
  let officer: Actor;
  let officer2: Actor;
  const system = systemActor('testing');
  let serial = 0;
  const tube = (): Basis => ({ type: 'tube', id: `TUBE-G${++serial}` });
  const control = () => env.deps.services.control;
  const auto = (personIds: string[], to: ControlStatus, basis: Basis = tube()) =>
    inTx(env.deps.db, (trx) => control().applyAutomatic(trx, system, { personIds, to, basis, reason: '测试 test', ifNotAllowed: 'throw' }));
  const statusOf = async (personId: string) => (await control().statusesOf([personId])).get(personId)!.status;

  beforeAll(async () => {
    env = await testEnv(dialect);
    acceptAnyBasis(env.deps.services.control);
    city = await buildMiniCity(env.deps.db);
    commander = userActor('commander', ['commander'], '/');
    officer = userActor('xiling_officer', ['district_officer'], city.xiling);
    officer2 = userActor('xiling_officer2', ['district_officer'], city.xiling);
  });
  afterAll(() => env.close());

  // Expected outcomes written from the transition rules as control.rules.ts states them in prose
  // (not read back from ALLOWED_TRANSITIONS): step-downs per the protocol, a stricter measure only on
  // a new basis, never a change to the same status.
  const cases: { from: ControlStatus[]; to: ControlStatus; sameBasis?: boolean; expected: string }[] = [
    { from: [], to: 'pending_recheck', expected: 'applied' },
    { from: ['pending_recheck'], to: 'none', expected: 'applied' }, // a negative recheck
    { from: ['quarantined_central'], to: 'home_monitored', expected: 'applied' }, // step-down
    { from: ['quarantined_home'], to: 'quarantined_central', expected: 'applied' }, // stricter, new basis
    { from: ['quarantined_home'], to: 'quarantined_central', sameBasis: true, expected: 'CONTROL_TRANSITION_INVALID: a stricter measure needs a new basis' },
    { from: ['quarantined_home'], to: 'quarantined_home', expected: 'CONTROL_TRANSITION_INVALID: already in this status' },
    { from: ['home_monitored'], to: 'none', expected: 'CONTROL_TRANSITION_INVALID: not allowed from home_monitored' }, // only release ends it
    { from: ['quarantined_central'], to: 'pending_recheck', expected: 'CONTROL_TRANSITION_INVALID: not allowed from quarantined_central' }, // less strict, not a listed step
    { from: ['pending_recheck', 'released'], to: 'quarantined_home', expected: 'applied' }, // released is like none
    { from: [], to: 'sealed', expected: 'CONTROL_AREA_MEASURE_BASIS' }, // an area measure cites a risk area
  ];
  it.each(cases)('guard: $from → $to (same basis: $sameBasis) → $expected', async ({ from, to, sameBasis, expected }) => {
    const [p] = await makePersons(env, city.street, 1);
    let last: Basis = tube();
    for (const step of from) {
      last = tube();
      await auto([p!], step, last);
    }
    const before = await statusOf(p!);
    const result = await outcome(auto([p!], to, sameBasis ? last : tube()));
    expect(result).toBe(expected);
    expect(await statusOf(p!)).toBe(result === 'applied' ? to : before);
  });

  it('guard: a refused automatic change in "skip" mode changes the others and lists the refused one with its status', async () => {
    const [a, b] = await makePersons(env, city.street, 2);
    await auto([a!], 'quarantined_central');
    const r = await inTx(env.deps.db, (trx) =>
      control().applyAutomatic(trx, system, { personIds: [a!, b!], to: 'pending_recheck', basis: tube(), reason: '混管阳性' }),
    );
    expect(r.applied).toBe(1);
    expect(r.changes).toEqual([{ personId: b, from: 'none', to: 'pending_recheck' }]);
    expect(r.skipped).toEqual([{ personId: a, status: 'quarantined_central', problem: 'not allowed from quarantined_central' }]);
    expect(await statusOf(a!)).toBe('quarantined_central');
  });

  it("bulk: the window counts one actor's manual changes up to and including BULK_WINDOW_MS ago; automatic changes never count; a system actor cannot be the second person", async () => {
    const start = env.clock.now();
    await control().setBulkThreshold(undefined, commander, 3);
    try {
      const persons = await makePersons(env, city.street, 6);
      const change = (actor: Actor, ids: string[]) =>
        control().requestChange(undefined, actor, { personIds: ids, to: 'quarantined_home', basis: tube(), reason: '居家隔离' });
      // Automatic changes by anyone do not use up the officer's allowance.
      await auto(persons.slice(5), 'pending_recheck');
      expect((await change(officer, persons.slice(0, 3))).kind).toBe('applied'); // 3 of 3
      // Exactly one window later the three still count (the window includes its start)...
      env.clock.set(start + BULK_WINDOW_MS);
      const waiting = await change(officer, persons.slice(3, 4));
      expect(waiting.kind).toBe('pending');
      expect(await statusOf(persons[3]!)).toBe('none');
      // ...a millisecond later they no longer do.
      env.clock.set(start + BULK_WINDOW_MS + 1);
      expect((await change(officer, persons.slice(4, 5))).kind).toBe('applied');
      // Another officer's allowance is their own.
      expect((await change(officer2, [persons[5]!])).kind).toBe('applied');

      if (waiting.kind !== 'pending') throw new Error('unreachable');
      const id = waiting.bulkRequest.id;
      expect(await outcome(control().approveBulk(undefined, { ...systemActor('cron'), capabilities: commander.capabilities }, id))).toBe(
        'CONTROL_SELF_APPROVAL',
      );
      expect(await outcome(control().approveBulk(undefined, officer, id))).toBe('CONTROL_SELF_APPROVAL');
      expect(await outcome(control().rejectBulk(undefined, officer2, id, '  '))).toBe('REASON_REQUIRED');
      expect((await control().approveBulk(undefined, officer2, id)).status).toBe('applied');
      expect(await statusOf(persons[3]!)).toBe('quarantined_home');
      // Once decided, nobody decides again.
      expect(await outcome(control().rejectBulk(undefined, commander, id, '撤回'))).toBe('CONTROL_BULK_NOT_PENDING');
    } finally {
      env.clock.set(start);
      await control().setBulkThreshold(undefined, commander, 20);
    }
  });

  it('counts: the live counters equal a recount kept by this test, at every level, through changes, a release and a move', async () => {
    // Fresh persons, with the test's own ledger of where each one lives and what they are under.
    const west = await makePersons(env, city.street, 5);
    const east = await makePersons(env, city.otherStreet, 3);
    const ledger = new Map<string, { street: JurisdictionRef; status: ControlStatus }>();
    for (const p of west) ledger.set(p, { street: city.street, status: 'none' });
    for (const p of east) ledger.set(p, { street: city.otherStreet, status: 'none' });
    const baseline = new Map<string, Awaited<ReturnType<ReturnType<typeof control>['summary']>>>();
    const levels = [city.city, city.xiling, city.wujiagang, city.street, city.otherStreet];
    for (const j of levels) baseline.set(j.path, await control().summary(commander, j.path));

    const set = async (ids: string[], to: ControlStatus) => {
      await auto(ids, to);
      for (const id of ids) ledger.get(id)!.status = to;
    };
    await set([...west, ...east], 'pending_recheck');
    await set(west.slice(0, 2), 'quarantined_central');
    await set([east[0]!], 'none');
    await set([west[0]!], 'released');
    await set([west[2]!], 'quarantined_home');
    // west[1] moves house to the other street: its measure is counted there now.
    await inTx(env.deps.db, (trx) => control().relocate(trx, west[1]!, city.otherStreet.path));
    ledger.get(west[1]!)!.street = city.otherStreet;

    for (const j of levels) {
      const before = baseline.get(j.path)!;
      const now = await control().summary(commander, j.path);
      const mine = [...ledger.values()].filter((x) => x.street.path.startsWith(j.path));
      const n = (s: ControlStatus) => mine.filter((x) => x.status === s).length;
      // Written out per status: 'none' is never counted, 'released' is.
      expect(now.counts.pending_recheck - before.counts.pending_recheck, j.path).toBe(n('pending_recheck'));
      expect(now.counts.quarantined_central - before.counts.quarantined_central, j.path).toBe(n('quarantined_central'));
      expect(now.counts.quarantined_home - before.counts.quarantined_home, j.path).toBe(n('quarantined_home'));
      expect(now.counts.released - before.counts.released, j.path).toBe(n('released'));
      expect(now.underMeasure - before.underMeasure, j.path).toBe(
        n('pending_recheck') + n('quarantined_central') + n('quarantined_home') + n('home_monitored'),
      );
    }
    // The ledger itself, at the district level, as plain numbers: 西陵区 keeps west[0] released,
    // west[2] at home, west[3..4] pending; 伍家岗区 has west[1] central and east[1..2] pending.
    const xi = await control().summary(commander, city.xiling.path);
    const wj = await control().summary(commander, city.wujiagang.path);
    expect(xi.counts.pending_recheck - baseline.get(city.xiling.path)!.counts.pending_recheck).toBe(2);
    expect(wj.counts.quarantined_central - baseline.get(city.wujiagang.path)!.counts.quarantined_central).toBe(1);
    expect(wj.counts.pending_recheck - baseline.get(city.wujiagang.path)!.counts.pending_recheck).toBe(2);
  });
});
