import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildJurisdiction, buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { calendarDay, DAY } from '../../platform/clock.js';
import { makePersons } from '../control/control.test-helpers.js';
import { multipartFile } from '../population/population.test-helpers.js';
import { BUCKET_MS, cellOf, overlapsOf } from './companions.grid.js';
import { exposureFromEvidence } from './companions.service.js';

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
    const o = overlapsOf(
      [
        { cell: 'x', bucket: 1 },
        { cell: 'x', bucket: 2 },
        { cell: 'x', bucket: 5 },
        { cell: 'y', bucket: 3 },
      ],
      20,
    );
    expect(o).toEqual([{ cell: 'x', from: BUCKET_MS, to: 3 * BUCKET_MS, minutes: 20 }]);
  });

  it('takes the exposure from the last overlap on or before the report date, with cell and window as the place', () => {
    const d = (iso: string) => Date.parse(iso);
    const ev = [
      { cell: 'g800:1:1', from: d('2026-11-20T02:00:00Z'), to: d('2026-11-20T04:00:00Z'), minutes: 120 },
      { cell: 'g800:1:2', from: d('2026-11-22T01:00:00Z'), to: d('2026-11-22T01:30:00Z'), minutes: 30 },
      { cell: 'g800:1:1', from: d('2026-11-25T02:00:00Z'), to: d('2026-11-25T03:00:00Z'), minutes: 60 },
    ];
    const e = exposureFromEvidence(ev, '2026-11-23', 'Asia/Shanghai');
    expect(e.exposureDate).toBe('2026-11-22');
    expect(e.exposurePlace).toContain('g800:1:2 2026-11-22 09:00–09:30 (30 min)');
    expect(e.exposurePlace).toContain('3 overlaps, 210 min in 2 cell(s)');
    // Every overlap after the report date: the first one is given (and the contact flow refuses it).
    expect(exposureFromEvidence(ev, '2026-11-01', 'Asia/Shanghai').exposureDate).toBe('2026-11-20');
  });
});

describe.each(DIALECTS)('spatiotemporal companions [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  const c = () => t.deps.services.companions;
  const pingCount = async () =>
    Number(
      (
        await t.deps.db
          .selectFrom('companion_pings')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const journalActions = async (entityId: string) =>
    (await t.deps.db.selectFrom('journal').select('action').where('entity_id', '=', entityId).execute()).map((j) => j.action).sort();

  beforeEach(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
  });
  afterEach(() => t.close());

  /** A case of a new person in 西陵街道, and pings: companion `a` (31 h), a phone hash (31 h), `b` (20 h), `d` (another cell). */
  async function scenario() {
    const [casePerson, a, b, d] = await makePersons(t, city.street, 4);
    const kase = await t.deps.services.cases.cases.create(undefined, actor, { personId: casePerson!, kind: 'confirmed', reason: '确诊' });
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
    return { casePerson: casePerson!, a: a!, b: b!, d: d!, kase };
  }

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
      `${p},,${now + 2 * DAY},30.7,111.29,`,
      `${p},,1999-01-01T00:00:00Z,30.7,111.29,`,
    ].join('\r\n');
    const err = await c()
      .importPings(undefined, actor, csv)
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'COMPANION_CSV_INVALID', status: 422 });
    expect(err.details.rejected).toBe(7);
    expect(err.details.rows.map((r: { line: number }) => r.line)).toEqual([3, 4, 5, 6, 8, 9, 10]);
    expect(err.details.rows[0].errors.join()).toMatch(/lat/);
    expect(err.details.rows[2].errors.join()).toMatch(/person_id or phone_hash/);
    expect(err.details.rows[3].errors.join()).toMatch(/does not exist/);
    expect(err.details.rows[5].errors.join()).toMatch(/future/);
    expect(await pingCount()).toBe(0);

    const r = await c().importPings(undefined, actor, csv, { partial: true });
    expect(r).toMatchObject({ imported: 2, rejected: 7 });
    expect(await pingCount()).toBe(2);
    await expect(c().importPings(undefined, actor, 'who,when\n1,2')).rejects.toMatchObject({ code: 'COMPANION_CSV_HEADER' });
    await expect(c().importPings(undefined, actor, '')).rejects.toMatchObject({ code: 'COMPANION_CSV_HEADER' });
  });

  it('imports an uploaded ping file (multipart, streamed in chunks): all or nothing by default, partial when asked', async () => {
    const tracer = await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区流调专班', jurisdiction: city.xiling }), roles: ['tracer'] });
    const headers = await sessionHeaders(t.deps.db, tracer, t.clock.now());
    const [p] = await makePersons(t, city.street, 1);
    // 12,000 rows: more than two 5,000-row chunks, one bad row at the very end.
    const good = track(`${p},`, t.clock.now() - 90 * DAY, 12_000, 30.7, 111.29);
    const file = Buffer.from(['person_id,phone_hash,time,lat,lng', ...good, `${p},,${t.clock.now()},30.7,181`].join('\n'));
    const upload = (query: string) => {
      const m = multipartFile(file, 'pings.csv');
      return t.app.inject({ method: 'POST', url: `/api/companions/pings/import${query}`, headers: { ...headers, ...m.headers }, payload: m.payload });
    };
    const all = await upload('');
    expect(all.statusCode).toBe(422);
    expect(all.json().error).toMatchObject({
      code: 'COMPANION_CSV_INVALID',
      details: { rejected: 1, rows: [{ line: 12_002, errors: ['lng must be a number between -180 and 180'] }] },
    });
    expect(await pingCount()).toBe(0);
    const partial = await upload('?mode=partial');
    expect(partial.statusCode).toBe(200);
    expect(partial.json()).toMatchObject({ imported: 12_000, rejected: 1, rows: [{ line: 12_002 }] });
    expect(await pingCount()).toBe(12_000);
    expect(await journalActions(partial.json().importId)).toEqual(['companions.pings.import']);
    // No file at all: a clear 400.
    expect((await t.app.inject({ method: 'POST', url: '/api/companions/pings/import', headers, payload: { csv: 'x' } })).statusCode).toBeGreaterThanOrEqual(
      400,
    );
  });

  it("finds the people who shared a cell with a case's person long enough, with evidence, and changes nobody's status", async () => {
    const { casePerson, a, b, d, kase } = await scenario();
    const batch = await c().detect(undefined, actor, { personId: casePerson, caseId: kase.id });
    expect(batch.params).toMatchObject({ windowDays: 14, minOverlapMinutes: 10, minTotalMinutes: 1800 });
    const byKey = new Map(batch.candidates!.map((x) => [x.subjectKey, x]));
    expect([...byKey.keys()].sort()).toEqual([`h:${HASH}`, `p:${a}`].sort());
    expect(byKey.get(`p:${a}`)).toMatchObject({
      personId: a,
      totalMinutes: 1860,
      overlapCount: 3,
      cells: [cellOf(30.7, 111.29)],
      decision: null,
      contactId: null,
    });
    expect(byKey.get(`p:${a}`)!.evidence[0]).toMatchObject({ minutes: 620 });
    expect(byKey.get(`h:${HASH}`)!.personId).toBeNull();

    // Every threshold is a parameter: at 10 h, b becomes a candidate too.
    const wider = await c().detect(undefined, actor, { personId: casePerson, minTotalMinutes: 600 });
    expect(wider.candidates!.map((x) => x.personId)).toContain(b);
    expect(wider.candidates!.map((x) => x.personId)).not.toContain(d);
    for (const p of [a, b, d]) expect((await t.deps.services.control.explain(actor, p)).status).toBe('none');
    // A case that is not this person's is refused.
    const [other] = await makePersons(t, city.street, 1);
    const otherCase = await t.deps.services.cases.cases.create(undefined, actor, { personId: other!, kind: 'confirmed', reason: '确诊' });
    await expect(c().detect(undefined, actor, { personId: casePerson, caseId: otherCase.id })).rejects.toMatchObject({ code: 'COMPANION_CASE_MISMATCH' });
  });

  it('an accepted candidate becomes a close contact of the case through the normal contact flow, once; a rejection needs a reason', async () => {
    const { casePerson, a, b, kase } = await scenario();
    const batch = await c().detect(undefined, actor, { personId: casePerson, caseId: kase.id });
    const cand = batch.candidates!.find((x) => x.personId === a)!;

    const accepted = await c().accept(undefined, actor, batch.id, cand.id, { note: '同楼办公' });
    expect(accepted).toMatchObject({ decision: 'accepted', note: '同楼办公' });
    expect(accepted.contactId).toBeTruthy();
    const contacts = await t.deps.services.cases.tracing.contactsOfCase(actor, kase.id);
    expect(contacts).toHaveLength(1);
    const last = cand.evidence[cand.evidence.length - 1]!;
    expect(contacts[0]).toMatchObject({
      id: accepted.contactId,
      personId: a,
      category: 'close',
      relation: '时空伴随',
      exposureDate: calendarDay(last.from, t.config.tz),
    });
    expect(contacts[0]!.exposurePlace).toContain(last.cell);
    // The status change is the contact flow's (basis: the contact), not the candidate's.
    // Awaiting placement (待转运) until a stay starts (issue 16).
    expect((await t.deps.services.control.explain(actor, a)).status).toBe('awaiting_placement');

    // Accepting again (a retry, a second reviewer) returns the same contact and writes nothing more.
    const journalBefore = await t.deps.services.journal.count();
    expect((await c().accept(undefined, actor, batch.id, cand.id)).contactId).toBe(accepted.contactId);
    expect(await t.deps.services.journal.count()).toBe(journalBefore);
    expect(await t.deps.services.cases.tracing.contactsOfCase(actor, kase.id)).toHaveLength(1);
    await expect(c().reject(undefined, actor, batch.id, cand.id, '误报')).rejects.toMatchObject({ code: 'COMPANION_ALREADY_REVIEWED' });

    // The same person found again in another batch is linked to the contact they already are.
    const wider = await c().detect(undefined, actor, { personId: casePerson, caseId: kase.id, minTotalMinutes: 600 });
    const again = await c().accept(undefined, actor, wider.id, wider.candidates!.find((x) => x.personId === a)!.id);
    expect(again.contactId).toBe(accepted.contactId);

    // Rejection: a reason is required; then journaled, and b's status is untouched.
    const candB = wider.candidates!.find((x) => x.personId === b)!;
    await expect(c().reject(undefined, actor, wider.id, candB.id, '  ')).rejects.toMatchObject({ code: 'COMPANION_REASON_REQUIRED' });
    expect(await c().reject(undefined, actor, wider.id, candB.id, '同一基站覆盖的相邻写字楼')).toMatchObject({
      decision: 'rejected',
      note: '同一基站覆盖的相邻写字楼',
      contactId: null,
    });
    await expect(c().accept(undefined, actor, wider.id, candB.id)).rejects.toMatchObject({ code: 'COMPANION_ALREADY_REVIEWED' });
    expect((await t.deps.services.control.explain(actor, b)).status).toBe('none');
    expect(await journalActions(batch.id)).toEqual(['companions.batch.create', 'companions.candidate.accept']);
    expect(await journalActions(wider.id)).toEqual(['companions.batch.create', 'companions.candidate.accept', 'companions.candidate.reject']);
    expect((await c().getBatch(actor, wider.id)).pendingCount).toBe(wider.candidateCount - 2);
  });

  it('a phone-hash-only candidate is accepted only once identified; a new non-resident is registered by the contact flow', async () => {
    const { casePerson, kase } = await scenario();
    const batch = await c().detect(undefined, actor, { personId: casePerson, caseId: kase.id });
    const hashCand = batch.candidates!.find((x) => x.subjectKey === `h:${HASH}`)!;
    await expect(c().accept(undefined, actor, batch.id, hashCand.id)).rejects.toMatchObject({ code: 'COMPANION_SUBJECT_UNIDENTIFIED', status: 422 });
    expect((await c().getBatch(actor, batch.id)).candidates!.find((x) => x.id === hashCand.id)!.decision).toBeNull();

    const compound = await buildJurisdiction(t.deps.db, { code: '420502001000901', name: '江景苑', level: 'compound', parent: city.street });
    const building = await buildJurisdiction(t.deps.db, { code: '42050200100090101', name: '1栋', level: 'building', parent: compound });
    const r = await c().accept(undefined, actor, batch.id, hashCand.id, {
      category: 'secondary',
      newPerson: {
        name: '王五',
        idType: 'passport',
        idNumber: 'E11223344',
        birthDate: '1985-05-06',
        sex: 'male',
        jurisdictionId: building.id,
        regionOfOrigin: '湖南省',
      },
    });
    const contact = (await t.deps.services.cases.tracing.contactsOfCase(actor, kase.id)).find((x) => x.id === r.contactId)!;
    expect(contact).toMatchObject({ category: 'secondary', relation: '时空伴随', nameMasked: '王*' });
    expect((await t.deps.services.population.get(actor, contact.personId!)).resident).toBe(false);

    // A candidate that is a known person cannot be swapped for someone else.
    const [stranger] = await makePersons(t, city.street, 1);
    const aCand = batch.candidates!.find((x) => x.personId)!;
    await expect(c().accept(undefined, actor, batch.id, aCand.id, { personId: stranger })).rejects.toMatchObject({ code: 'COMPANION_SUBJECT_CONFLICT' });
    // A batch without a case needs one named, and it must be the batch person's.
    const noCase = await c().detect(undefined, actor, { personId: casePerson });
    const cand = noCase.candidates!.find((x) => x.personId)!;
    await expect(c().accept(undefined, actor, noCase.id, cand.id)).rejects.toMatchObject({ code: 'COMPANION_CASE_REQUIRED' });
    expect((await c().accept(undefined, actor, noCase.id, cand.id, { caseId: kase.id })).contactId).toBeTruthy();
  });

  it('routes: a tracer runs and reviews within scope; a batch outside their district looks missing', async () => {
    const tracer = await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区流调专班', jurisdiction: city.xiling }), roles: ['tracer'] });
    const headers = await sessionHeaders(t.deps.db, tracer, t.clock.now());
    const { casePerson, kase } = await scenario();
    const [outP] = await makePersons(t, city.otherStreet, 1);
    const made = await t.app.inject({ method: 'POST', url: '/api/companions/batches', headers, payload: { personId: casePerson, caseId: kase.id } });
    expect(made.statusCode).toBe(201);
    const batch = made.json();
    expect((await t.app.inject({ method: 'GET', url: `/api/companions/batches/${batch.id}`, headers })).statusCode).toBe(200);
    const [first, second] = batch.candidates;
    const acc = await t.app.inject({
      method: 'POST',
      url: `/api/companions/batches/${batch.id}/candidates/${first.personId ? first.id : second.id}/accept`,
      headers,
      payload: {},
    });
    expect(acc.statusCode).toBe(200);
    expect(acc.json()).toMatchObject({ decision: 'accepted', contactId: expect.any(String) });
    const hashId = first.personId ? second.id : first.id;
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/companions/batches/${batch.id}/candidates/${hashId}/reject`, headers, payload: {} })).statusCode,
    ).toBe(400);
    const rej = await t.app.inject({
      method: 'POST',
      url: `/api/companions/batches/${batch.id}/candidates/${hashId}/reject`,
      headers,
      payload: { reason: '号码为公共设备' },
    });
    expect(rej.json()).toMatchObject({ decision: 'rejected', note: '号码为公共设备' });

    const outBatch = await c().detect(undefined, actor, { personId: outP! });
    expect((await t.app.inject({ method: 'GET', url: `/api/companions/batches/${outBatch.id}`, headers })).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: '/api/companions/batches', headers });
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([batch.id]);
  });

  it("scope: a candidate of another district's batch looks missing; an identified companion living in another district is handed over, not quarantined", async () => {
    const tracer = await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: '西陵区流调专班', jurisdiction: city.xiling }), roles: ['tracer'] });
    const headers = await sessionHeaders(t.deps.db, tracer, t.clock.now());
    const { casePerson, kase } = await scenario();
    const batch = (await t.app.inject({ method: 'POST', url: '/api/companions/batches', headers, payload: { personId: casePerson, caseId: kase.id } })).json();
    // A 伍家岗区 case with a companion of its own: its batch and candidate belong to 伍家岗区.
    const [wCase, wMate, w] = await makePersons(t, city.otherStreet, 3);
    const start = t.clock.now() - 3 * DAY;
    await c().importPings(
      undefined,
      actor,
      ['person_id,phone_hash,time,lat,lng', ...track(`${wCase},`, start, 200, 30.65, 111.35), ...track(`${wMate},`, start, 200, 30.65, 111.35)].join('\n'),
    );
    const wBatch = await c().detect(undefined, actor, { personId: wCase! });
    const wCand = wBatch.candidates!.find((x) => x.personId === wMate)!;
    expect(wCand).toBeTruthy();
    const before = await t.deps.services.journal.count();
    const url = (b: string, cand: string, verb: string) => `/api/companions/batches/${b}/candidates/${cand}/${verb}`;
    const foreign = await t.app.inject({ method: 'POST', url: url(batch.id, wCand.id, 'accept'), headers, payload: {} });
    const missing = await t.app.inject({ method: 'POST', url: url(batch.id, '01900000-0000-7000-8000-000000000000', 'accept'), headers, payload: {} });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe(missing.json().error.code);
    expect((await t.app.inject({ method: 'POST', url: url(batch.id, wCand.id, 'reject'), headers, payload: { reason: '号码为公共设备' } })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ method: 'POST', url: url(wBatch.id, wCand.id, 'accept'), headers, payload: {} })).statusCode).toBe(404);
    expect(await t.deps.services.journal.count()).toBe(before);
    expect((await c().getBatch(actor, wBatch.id)).candidates!.find((x) => x.id === wCand.id)!.decision).toBeNull();
    // The phone-hash candidate turns out to be a 伍家岗区 resident: a hand-over, no measures by 西陵区.
    const hashCand = batch.candidates.find((x: { personId: string | null }) => !x.personId);
    const acc = await t.app.inject({ method: 'POST', url: url(batch.id, hashCand.id, 'accept'), headers, payload: { personId: w } });
    expect(acc.statusCode).toBe(200);
    const contact = (await t.deps.services.cases.tracing.contactsOfCase(actor, kase.id)).find((x) => x.id === acc.json().contactId)!;
    expect(contact).toMatchObject({ personId: w, routing: 'handover', controlStatus: null });
    expect((await t.deps.services.control.statusesOf([w!])).get(w!)!.status).toBe('none');
  });
});
