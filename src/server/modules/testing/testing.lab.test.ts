import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { HOUR } from '../../platform/clock.js';
import * as repo from './testing.repository.js';
import { barcode, buildTestingCity, cid, codeOf, refreshSessions, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

/**
 * The lab and what results set off: receipt by box, results one by one and by CSV (all or nothing
 * with a row report), the errors and flags of results, the positive pool's one transaction
 * (recheck tubes, tasks, pending statuses, alerts), rechecks resolved both ways, escalation,
 * corrections that keep the original, and the counters against a full recount.
 */
describe.each(DIALECTS)('testing: lab, rechecks and coverage [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let siteId: string;

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
  const journalCount = () => t.deps.services.journal.count();
  const status = async (personId: string) => (await t.deps.services.control.statusesOf([personId])).get(personId)!;
  const coverage = async (jurisdictionId?: string) =>
    (
      await get(`/api/testing/campaigns/${campaignId}/coverage${jurisdictionId ? `?jurisdictionId=${jurisdictionId}` : ''}`, city.users.commander.headers)
    ).json();

  /** Opens a tube, scans the persons into it and closes it (one batch); returns its barcode and id. */
  async function sampledTube(persons: PersonFixture[], poolSize = 10): Promise<{ code: string; id: string }> {
    const code = barcode();
    const items = [
      { op: 'open', clientId: cid(), campaignId, siteId, barcode: code, poolSize },
      ...persons.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p.idNumber })),
      ...(persons.length < poolSize ? [{ op: 'close', clientId: cid(), campaignId, barcode: code }] : []),
    ];
    const r = await post('/api/testing/scans/batch', city.users.sampler.headers, { items });
    expect(r.json().rejected, r.body).toBe(0);
    return { code, id: r.json().items[0].tube.id };
  }
  const receive = async (codes: string[]) => {
    const r = await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: `BOX-${codes[0]}`, barcodes: codes });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const result = (code: string, result: string, extra: Record<string, unknown> = {}) =>
    post('/api/testing/lab/results', city.users.lab.headers, {
      barcode: code,
      result,
      lab: '市疾控中心',
      ctOrf1ab: result === 'negative' ? null : 27.5,
      ctN: result === 'negative' ? null : 29.1,
      ...extra,
    });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
    const officer = city.users.officer.headers;
    campaignId = (
      await post('/api/testing/campaigns', officer, { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id], poolSize: 10, recheckHours: 6 })
    ).json().id;
    await post(`/api/testing/campaigns/${campaignId}/activate`, officer);
    siteId = (
      await post('/api/testing/sites', officer, { name: '夷陵采样点', kind: 'tent', jurisdictionId: city.commA.id, location: [111.3, 30.7], lanes: 2 })
    ).json().id;
  });
  afterAll(() => t.close());

  it('refuses a result for an unknown tube, for one not yet received, and with Ct out of range — writing nothing', async () => {
    const tube = await sampledTube(city.persons.a21.slice(0, 2));
    const j = await journalCount();
    const unknown = await result('NEVEROPENED01', 'negative');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('TUBE_NOT_FOUND');
    const early = await result(tube.code, 'negative');
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('TUBE_NOT_RECEIVED');
    await receive([tube.code]);
    const j2 = await journalCount();
    expect(j2).toBe(j + 1);
    for (const ct of [-1, 45.5, 120]) {
      const bad = await result(tube.code, 'positive', { ctOrf1ab: ct });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.code).toBe('CT_OUT_OF_RANGE');
    }
    expect(await journalCount()).toBe(j2);
    expect((await get(`/api/testing/tubes/${tube.id}`, city.users.lab.headers)).json()).toMatchObject({ status: 'received', result: null });
    const ok = await result(tube.code, 'negative');
    expect(ok.json()).toMatchObject({ status: 'recorded', result: 'negative', rechecksStarted: 0 });
  });

  it('receives by box: an open tube is closed by receipt, a second receipt is reported, an unknown barcode refuses the box unless partial', async () => {
    const open = barcode();
    await post('/api/testing/scans/batch', city.users.sampler.headers, {
      items: [
        { op: 'open', clientId: cid(), campaignId, siteId, barcode: open },
        { op: 'scan', clientId: cid(), campaignId, barcode: open, idNumber: city.persons.a21[2].idNumber },
      ],
    });
    const j = await journalCount();
    const refused = await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: 'BOX-9', barcodes: [open, 'UNKNOWNBOX001'] });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'RECEIVE_INVALID', details: [{ row: 2, code: 'TUBE_NOT_FOUND' }] });
    expect(await journalCount()).toBe(j);
    const partial = await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: 'BOX-9', barcodes: [open, 'UNKNOWNBOX001'], mode: 'partial' });
    expect(partial.json()).toMatchObject({ received: 1, alreadyReceived: 0, rejected: 1 });
    const tube = (await get(`/api/testing/tubes?barcode=${open}`, city.users.lab.headers)).json().items[0];
    expect(tube).toMatchObject({ status: 'received', closedReason: 'received', boxCode: 'BOX-9' });
    expect(await receive([open])).toMatchObject({ received: 0, alreadyReceived: 1 });
  });

  it('imports a results CSV all or nothing with a row report (rows numbered as a spreadsheet shows them), or the good rows with mode=partial', async () => {
    const a = await sampledTube([city.persons.a11[0], city.persons.a11[1]]);
    const b = await sampledTube([city.persons.a11[2]]);
    const c = await sampledTube([city.persons.a11[3]]);
    await receive([a.code, b.code]);
    const csv = [
      '条码,结果,ORF1ab,N,检测时间,检测机构',
      `${a.code},阴性,,,2026-11-29 09:30,市疾控中心`,
      `${b.code},negative,-,-,,市疾控中心`,
      `${c.code},阴性,,,,市疾控中心`,
      '',
      'NOSUCHTUBE99,阴性,,,,市疾控中心',
      `${a.code},maybe,,,,市疾控中心`,
      `${b.code},阳性,50,31,,市疾控中心`,
    ].join('\n');
    const j = await journalCount();
    const all = await t.app.inject({
      method: 'POST',
      url: '/api/testing/lab/results/import',
      headers: { ...city.users.lab.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(all.statusCode).toBe(422);
    const report = all.json().error.details as { row: number; code: string }[];
    // The header is row 1, so the third result is row 4; the blank line is row 5 in a spreadsheet too.
    expect(report.map((r) => [r.row, r.code])).toEqual([
      [4, 'TUBE_NOT_RECEIVED'],
      [6, 'TUBE_NOT_FOUND'],
      [7, 'RESULT_INVALID'],
      [8, 'CT_OUT_OF_RANGE'],
    ]);
    expect(await journalCount()).toBe(j);
    expect((await get(`/api/testing/tubes/${a.id}`, city.users.lab.headers)).json().result).toBeNull();

    const partial = await post('/api/testing/lab/results/import?mode=partial', city.users.lab.headers, { csv });
    expect(partial.statusCode, partial.body).toBe(200);
    expect(partial.json()).toMatchObject({ rows: 6, recorded: 2, rejected: 4, conflicts: 0 });
    const tubeA = (await get(`/api/testing/tubes/${a.id}`, city.users.lab.headers)).json();
    expect(tubeA).toMatchObject({ result: 'negative', status: 'resulted', lab: '市疾控中心' });
    // 09:30 in Asia/Shanghai is 01:30 UTC.
    expect(tubeA.resultAt).toBe(Date.UTC(2026, 10, 29, 1, 30));
    // Re-importing the same file changes nothing.
    const again = await post('/api/testing/lab/results/import?mode=partial', city.users.lab.headers, { csv });
    expect(again.json()).toMatchObject({ recorded: 0, unchanged: 2 });
  });

  it('a second, different result for a tube is kept and flagged; the first stays in force', async () => {
    const tube = await sampledTube([city.persons.a11[4]]);
    await receive([tube.code]);
    expect((await result(tube.code, 'negative')).json().status).toBe('recorded');
    expect((await result(tube.code, 'negative')).json().status).toBe('unchanged');
    const conflict = await result(tube.code, 'positive');
    expect(conflict.json()).toMatchObject({ status: 'conflict', result: 'negative', rechecksStarted: 0 });
    const trace = (await get(`/api/testing/tubes/${tube.id}/trace`, city.users.commander.headers)).json();
    expect(trace.results.map((r: { result: string; effective: boolean }) => [r.result, r.effective])).toEqual([
      ['negative', true],
      ['positive', false],
    ]);
    const flags = (await get(`/api/testing/campaigns/${campaignId}/flags?kind=conflicting_results`, city.users.officer.headers)).json();
    expect(flags.items).toEqual([
      expect.objectContaining({ tubeId: tube.id, detail: expect.objectContaining({ effective: 'negative', reported: 'positive' }) }),
    ]);
    expect((await status(city.persons.a11[4].id)).status).toBe('none');
  });

  it('a positive pool, in one transaction: recheck tubes, a task per person to the community, pending recheck with the tube as basis, alerts; rolled back whole on failure', async () => {
    const persons = city.persons.a12.slice(0, 3);
    const tube = await sampledTube(persons);
    await receive([tube.code]);
    // A failure inside the flow (here: the status guard refuses the basis) leaves nothing behind.
    const control = t.deps.services.control;
    control.registerBasisValidator('tube', async () => false);
    const j = await journalCount();
    const failed = await result(tube.code, 'positive');
    control.registerBasisValidator('tube', async (db, id) => (await repo.findTube(db, id))?.kind === 'pool');
    expect(failed.statusCode).toBe(422);
    expect(failed.json().error.code).toBe('CONTROL_BASIS_NOT_FOUND');
    expect(await journalCount()).toBe(j);
    expect((await get(`/api/testing/tubes/${tube.id}`, city.users.lab.headers)).json()).toMatchObject({ status: 'received', result: null });
    expect(await repo.rechecksOfParent(t.deps.db, tube.id)).toEqual([]);

    const before = await coverage(city.bA12.id);
    const ok = await result(tube.code, 'positive');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'recorded', rechecksStarted: 3 });

    const trace = (await get(`/api/testing/tubes/${tube.id}/trace`, city.users.commander.headers)).json();
    expect(trace.rechecks).toHaveLength(3);
    expect(trace.site).toMatchObject({ id: siteId, name: '夷陵采样点' });
    expect(trace.sampler).toMatchObject({ name: 'xl_sampler' });
    expect(trace.persons.map((p: { personId: string }) => p.personId).sort()).toEqual(persons.map((p) => p.id).sort());
    expect(trace.persons[0]).toMatchObject({
      building: { id: city.bA12.id, name: '2栋' },
      compound: { id: city.compA1.id, name: '滨江苑' },
      community: { id: city.commA.id },
    });
    expect(JSON.stringify(trace)).not.toContain(persons[0].name);
    for (const r of trace.rechecks) {
      const rt = (await get(`/api/testing/tubes/${r.tubeId}`, city.users.commander.headers)).json();
      expect(rt).toMatchObject({ kind: 'recheck', poolSize: 1, parentTubeId: tube.id, status: 'awaiting_sample' });
      expect(r).toMatchObject({ status: 'awaiting_sample', controlApplied: true, unitId: city.units.commA.id, dueAt: t.clock.now() + 6 * HOUR });
      const task = await t.deps.services.tasks.get(city.users.commander.actor, r.taskId);
      expect(task).toMatchObject({
        assigneeUnit: { id: city.units.commA.id },
        sourceModule: 'testing',
        sourceEntityType: 'testing_recheck',
        sourceEntityId: r.id,
        priority: 'urgent',
      });
    }
    for (const p of persons) expect(await status(p.id)).toMatchObject({ status: 'pending_recheck', basis: { type: 'tube', id: tube.id } });
    const alerts = await t.deps.db.selectFrom('notifications').selectAll().where('source_entity_id', '=', tube.id).execute();
    expect(alerts.map((a) => a.severity)).toEqual(['critical', 'critical', 'critical']);
    expect(alerts.map((a) => a.jurisdiction_path ?? a.unit_id).sort()).toEqual([city.commA.path, city.xiling.path, city.units.hq.id].sort());
    const after = await coverage(city.bA12.id);
    expect(after.positiveTubes).toBe(before.positiveTubes + 1);
    expect(after.pendingRecheck).toBe(before.pendingRecheck + 3);
    expect(after.resulted).toBe(before.resulted + 3);
  });

  it('rechecks: a negative releases the person, a positive is handed over to the cases module, an overdue one escalates', async () => {
    const persons = city.persons.b11.slice(0, 3);
    const tube = await sampledTube(persons);
    await receive([tube.code]);
    await result(tube.code, 'suspicious');
    const rechecks = (await get(`/api/testing/rechecks?campaignId=${campaignId}&status=awaiting_sample`, city.users.commander.headers))
      .json()
      .items.filter((r: { parentTubeId: string }) => r.parentTubeId === tube.id);
    expect(rechecks).toHaveLength(3);
    const byPerson = new Map(rechecks.map((r: { personId: string }) => [r.personId, r]));
    const [neg, pos, late] = persons.map((p) => byPerson.get(p.id) as { id: string; tubeId: string });

    const negCode = barcode('RC');
    const wrong = await post(`/api/testing/rechecks/${neg.id}/sample`, city.users.sampler.headers, {
      clientId: cid(),
      barcode: negCode,
      idNumber: persons[1].idNumber,
    });
    expect(wrong.json().error.code).toBe('RECHECK_PERSON_MISMATCH');
    const sample = { clientId: cid(), barcode: negCode, idNumber: persons[0].idNumber };
    const s1 = await post(`/api/testing/rechecks/${neg.id}/sample`, city.users.sampler.headers, sample);
    expect(s1.json()).toMatchObject({ status: 'applied', recheck: { status: 'sampled' }, tube: { barcode: negCode, status: 'closed', count: 1 } });
    expect((await post(`/api/testing/rechecks/${neg.id}/sample`, city.users.sampler.headers, sample)).json().status).toBe('duplicate');
    const posCode = barcode('RC');
    await post(`/api/testing/rechecks/${pos.id}/sample`, city.users.sampler.headers, { clientId: cid(), barcode: posCode });
    await receive([negCode, posCode]);

    const pendingBefore = (await coverage(city.bB11.id)).pendingRecheck;
    await result(negCode, 'negative');
    expect(await status(persons[0].id)).toMatchObject({ status: 'none', basis: { type: 'recheck', id: neg.tubeId } });
    const seqBefore = await t.deps.services.outbox.head();
    await result(posCode, 'positive');
    expect((await status(persons[1].id)).status).toBe('pending_recheck');
    const events = (await t.deps.services.outbox.readAfter(seqBefore)).filter((e) => e.topic === 'testing.recheck.positive');
    expect(events).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ recheckId: pos.id, personId: persons[1].id, parentTubeId: tube.id, result: 'positive' }) }),
    ]);
    const handovers = (await get('/api/testing/rechecks?handover=pending', city.users.commander.headers)).json().items;
    expect(handovers.map((h: { id: string }) => h.id)).toEqual([pos.id]);
    // The row names its residence node (read here from the table), so the cases page fetches no name per row.
    const [node] = await t.deps.db.selectFrom('jurisdictions').select('name').where('path', '=', handovers[0].jurisdictionPath).execute();
    expect(handovers[0].jurisdictionName).toBe(node.name);
    const acked = await t.deps.services.testing.rechecks.acknowledgeHandover(undefined, city.users.commander.actor, pos.id, 'CASE-2026-001');
    expect(acked).toMatchObject({ handoverRef: 'CASE-2026-001' });
    expect(await coverage(city.bB11.id)).toMatchObject({ pendingRecheck: pendingBefore - 2, recheckPositive: 1 });

    // The third is never sampled: past its deadline the job raises one critical alert.
    t.clock.advance(7 * HOUR);
    await refreshSessions(t, city);
    await t.deps.services.jobs.runDueNow();
    const r3 = (await get(`/api/testing/rechecks/${late.id}`, city.users.commander.headers)).json();
    expect(r3).toMatchObject({ status: 'awaiting_sample', overdue: true, escalatedAt: t.clock.now() });
    const escalations = await t.deps.db
      .selectFrom('notifications')
      .selectAll()
      .where('source_entity_id', '=', tube.id)
      .where('title', 'like', '单管复核超时%')
      .execute();
    expect(escalations.length).toBeGreaterThanOrEqual(2);
    expect(escalations.every((a) => a.severity === 'critical')).toBe(true);
  });

  it('a correction keeps the original result, is journaled with its reason, and the counters follow', async () => {
    const persons = [city.persons.a11[5], city.persons.a11[6]];
    const tube = await sampledTube(persons);
    await receive([tube.code]);
    await result(tube.code, 'negative');
    const before = await coverage(city.bA11.id);
    const noReason = await post(`/api/testing/tubes/${tube.id}/result/correction`, city.users.lab.headers, { result: 'invalid', reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    const r = await post(`/api/testing/tubes/${tube.id}/result/correction`, city.users.lab.headers, { result: 'invalid', reason: '样本溶血，结果无效' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().correction.changes).toEqual([{ field: 'result', from: 'negative', to: 'invalid' }]);
    expect(r.json().history.map((h: { result: string; source: string; effective: boolean }) => [h.result, h.source, h.effective])).toEqual([
      ['negative', 'manual', false],
      ['invalid', 'correction', true],
    ]);
    const corrections = await t.deps.services.corrections.history('testing_tube', tube.id);
    expect(corrections).toEqual([expect.objectContaining({ reason: '样本溶血，结果无效', changes: [{ field: 'result', from: 'negative', to: 'invalid' }] })]);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { entityType: 'testing_tube', entityId: tube.id, limit: 1 } as never);
    expect(entry).toMatchObject({ action: 'testing.result.correct', reason: '样本溶血，结果无效' });
    const after = await coverage(city.bA11.id);
    expect(after).toMatchObject({ negative: before.negative - 2, resulted: before.resulted - 2, invalid: before.invalid + 2, sampled: before.sampled });

    // Invalid means sample again: the new scan is not "sampled twice" and counts once.
    const again = await sampledTube([persons[0]]);
    const flags = (await get(`/api/testing/campaigns/${campaignId}/flags?kind=person_sampled_twice`, city.users.officer.headers)).json().items;
    expect(flags.some((f: { personId: string }) => f.personId === persons[0].id)).toBe(false);
    expect(await coverage(city.bA11.id)).toMatchObject({ sampled: before.sampled, invalid: before.invalid + 1 });
    await receive([again.code]);
    await result(again.code, 'negative');
  });

  it('a person record merged into another moves its samples; sampled twice, it counts once and is flagged', async () => {
    const [dup, kept] = [city.persons.a21[3], city.persons.a21[4]];
    const tube = await sampledTube([dup, kept]);
    await receive([tube.code]);
    await result(tube.code, 'negative');
    const before = await coverage(city.bA21.id);
    await t.deps.services.population.merge(undefined, city.users.officer.actor, dup.id, kept.id, '同一人重复登记');
    expect(await coverage(city.bA21.id)).toMatchObject({ sampled: before.sampled - 1, negative: before.negative - 1, resulted: before.resulted - 1 });
    const trace = (await get(`/api/testing/tubes/${tube.id}/trace`, city.users.commander.headers)).json();
    expect(trace.persons.map((p: { personId: string; counted: boolean }) => [p.personId, p.counted])).toEqual([
      [kept.id, false],
      [kept.id, true],
    ]);
    const flags = (await get(`/api/testing/campaigns/${campaignId}/flags?kind=person_sampled_twice`, city.users.officer.headers)).json().items;
    expect(flags.find((f: { personId: string }) => f.personId === kept.id)?.detail).toMatchObject({ mergedFrom: dup.id });
    // A resident code printed for the merged record now samples the kept person.
    const code = barcode();
    const r = await post('/api/testing/scans/batch', city.users.sampler.headers, {
      items: [
        { op: 'open', clientId: cid(), campaignId, siteId, barcode: code },
        { op: 'scan', clientId: cid(), campaignId, barcode: code, residentCode: await codeOf(t, dup.id) },
      ],
    });
    expect(r.json().items[1]).toMatchObject({ status: 'applied', flags: ['person_sampled_twice'] });
    const scan = await t.deps.db.selectFrom('testing_scans').select('person_id').where('id', '=', r.json().items[1].scanId).executeTakeFirstOrThrow();
    expect(scan.person_id).toBe(kept.id);
  });

  it("a result moves the live map: one testing.coverage event carries the compound's new counts", async () => {
    const persons = city.persons.a21.slice(3, 5);
    const tube = await sampledTube(persons);
    await receive([tube.code]);
    t.clock.advance(1500);
    await t.deps.services.jobs.runDueNow();
    const seq = await t.deps.services.outbox.head();
    expect((await result(tube.code, 'negative')).statusCode).toBe(200);
    t.clock.advance(1500);
    await t.deps.services.jobs.runDueNow();
    const events = (await t.deps.services.outbox.readAfter(seq)).filter(
      (e) => e.topic === 'testing.coverage' && (e.payload as { campaignId: string }).campaignId === campaignId,
    );
    expect(events).toHaveLength(1);
    const compound = (events[0].payload as { compounds: { id: string; resulted: number }[] }).compounds.find((x) => x.id === city.compA2.id);
    const now = await coverage(city.compA2.id);
    expect(compound).toMatchObject({ id: city.compA2.id, resulted: now.resulted });
  });

  it('keeps every counter equal to a full recount of scans, tubes and rechecks', async () => {
    await t.deps.services.testing.sampling.flush();
    const counters = await t.deps.services.testing.coverage.counters(campaignId);
    const recount = await t.deps.services.testing.coverage.recount(campaignId);
    const keys = ['sampled', 'resulted', 'negative', 'invalid', 'positive_tubes', 'pending_recheck', 'recheck_positive'] as const;
    let checked = 0;
    for (const [path, c] of counters) {
      const r = recount.get(path);
      for (const k of keys) expect([path, k, c[k]]).toEqual([path, k, r?.[k] ?? 0]);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    // Each person counts once: at most one counted scan per person in the campaign.
    const twice = await t.deps.db
      .selectFrom('testing_scans')
      .select(['person_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('campaign_id', '=', campaignId)
      .where('counted', '=', 1)
      .groupBy('person_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(twice).toEqual([]);
    expect(counters.get(city.city.path)!.sampled).toBeGreaterThan(10);
    expect(counters.get(city.city.path)!.pending_recheck).toBeGreaterThan(0);
  });

  it('lists tubes newest first with their count, which stops at a cap and says so', async () => {
    for (let i = 0; i < 3; i++) await sampledTube([city.persons.a12[i]]);
    const all = (await get(`/api/testing/tubes?campaignId=${campaignId}&limit=2`, city.users.lab.headers)).json();
    expect(all.items).toHaveLength(2);
    expect(all.total).toBeGreaterThanOrEqual(3);
    expect(all.totalCapped).toBe(false);
    const sys = (await import('../../platform/actor.js')).systemActor('test');
    const capped = await t.deps.services.testing.tubes.list(sys, { campaignId, limit: 2 }, t.deps.db, 2);
    expect(capped).toMatchObject({ total: 2, totalCapped: true });
    expect(capped.items.map((x) => x.id)).toEqual(all.items.map((x: { id: string }) => x.id));
    const exact = await t.deps.services.testing.tubes.list(sys, { campaignId, limit: 2 }, t.deps.db, all.total);
    expect(exact).toMatchObject({ total: all.total, totalCapped: false });
  });
});
