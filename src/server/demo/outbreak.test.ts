import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { systemActor } from '../platform/actor.js';
import { loadDemo } from './demo.js';

describe.each(DIALECTS)('the demo outbreak [%s]', (dialect) => {
  let env: TestEnv;
  const sys = systemActor('test');
  beforeAll(async () => {
    env = await testEnv(dialect);
    const r = await loadDemo(env.deps, undefined, { residents: 3000, outbreak: true });
    expect(r.cases).toBe(2);
  }, 120_000);
  afterAll(() => env.close());

  it('plays a positive pool through rechecks into a confirmed case, a linked second case, contacts and a quarantine hotel', async () => {
    const { cases, tracing, clusters } = env.deps.services.cases;
    const list = await cases.list(sys, {});
    expect(list.items).toHaveLength(2);
    const first = list.items.find((c) => c.kind === 'confirmed')!;
    const second = list.items.find((c) => c.kind === 'asymptomatic')!;
    // The confirmed case came from the positive single-tube recheck; the second names it as source.
    expect(first.links.recheckTubeId).toBeTruthy();
    expect(second.sourceCaseId).toBe(first.id);
    expect(second.clusterId).toBe(first.clusterId);
    const contacts = await tracing.contactsOfCase(sys, first.id);
    expect(contacts.filter((c) => c.category === 'close')).toHaveLength(5);
    const graph = await clusters.graph(sys, first.clusterId!);
    expect(graph.nodes.length).toBeGreaterThanOrEqual(7);
    // Three contacts are in the quarantine hotel, and their status says so through the guard.
    const stays = await env.deps.services.quarantine.listStays(sys, { status: 'active' });
    expect(stays.total).toBe(3);
    const statuses = await env.deps.services.control.statusesOf(stays.items.map((s) => s.personId));
    expect([...statuses.values()].every((s) => s.status === 'quarantined_central')).toBe(true);
  });

  it('proposes risk areas from the cases and publishes the first, whose residents take its measures', async () => {
    const { items } = await env.deps.services.zoning.list(sys, {});
    const published = items.filter((a) => a.status === 'published');
    expect(published).toHaveLength(1);
    expect(published[0].basis.caseIds.length).toBeGreaterThan(0);
    const pub = await env.deps.services.zoning.publicList();
    expect(JSON.stringify(pub)).toContain(published[0].name);
  });

  it('leaves the kept-current control counts equal to a full recount', async () => {
    const { control } = env.deps.services;
    const kept = await control.summary(sys, '/420500/');
    const recount = await control.recount('/420500/');
    expect(kept.counts).toEqual(recount.counts);
    expect(kept.underMeasure).toBeGreaterThan(0);
  });
});
