import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { inTx } from '../../db/dialect.js';
import { systemActor } from '../../platform/actor.js';
import { makeResidentId } from '../population/index.js';
import { DEFAULT_LOOKUP_LIMITS } from './lookup.service.js';
import * as repo from './testing.repository.js';
import { barcode, buildTestingCity, cid, type PersonFixture, type TestingCity } from './testing.test-helpers.js';

/**
 * The residents' public result lookup: what it shows at each step (never a positive), the rate
 * limits per client and per ID, the cache and its invalidation (in this process and, through the
 * version, from another), and shedding load with 503 + Retry-After.
 */
describe.each(DIALECTS)('testing: public result lookup [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  let campaignId: string;
  let siteId: string;
  let ipSerial = 0;

  const post = (url: string, headers: Record<string, string>, payload?: unknown) => t.app.inject({ method: 'POST', url, headers, payload: payload as never });
  const lookup = (p: { idNumber: string; name: string }, ip = `10.0.0.${++ipSerial % 250}`) =>
    t.app.inject({ method: 'POST', url: '/api/public/results/lookup', payload: { idNumber: p.idNumber, name: p.name }, remoteAddress: ip });
  const statuses = async (p: PersonFixture) => {
    const r = await lookup(p);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().samples.map((s: { status: string }) => s.status);
  };
  async function sample(persons: PersonFixture[]): Promise<string> {
    const code = barcode();
    const items = [
      { op: 'open', clientId: cid(), campaignId, siteId, barcode: code },
      ...persons.map((p) => ({ op: 'scan', clientId: cid(), campaignId, barcode: code, idNumber: p.idNumber })),
      { op: 'close', clientId: cid(), campaignId, barcode: code },
    ];
    expect((await post('/api/testing/scans/batch', city.users.sampler.headers, { items })).json().rejected).toBe(0);
    return code;
  }
  const receive = (code: string) => post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: 'B1', barcodes: [code] });
  const result = (code: string, r: string) =>
    post('/api/testing/lab/results', city.users.lab.headers, {
      barcode: code,
      result: r,
      lab: '市疾控中心',
      ctOrf1ab: r === 'positive' ? 25 : null,
      ctN: r === 'positive' ? 26 : null,
    });

  beforeAll(async () => {
    // The deployment's own hotline (BULWARK_PUBLIC_HOTLINE), not the default 12345.
    t = await testApp(dialect, { publicHotline: '0717-6612320' });
    city = await buildTestingCity(t);
    const officer = city.users.officer.headers;
    campaignId = (await post('/api/testing/campaigns', officer, { name: '西陵区全员核酸', scopeJurisdictionIds: [city.xiling.id] })).json().id;
    await post(`/api/testing/campaigns/${campaignId}/activate`, officer);
    siteId = (
      await post('/api/testing/sites', officer, { name: '采样点', kind: 'tent', jurisdictionId: city.commA.id, location: [111.3, 30.7], lanes: 2 })
    ).json().id;
  });
  beforeEach(() => t.deps.services.testing.lookup.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 1000, perId: 1000 }));
  afterAll(() => t.close());

  it("never stores a resident's answer at rest, even when the client sends an Idempotency-Key", async () => {
    const p = city.persons.a11[1];
    const headers = { 'idempotency-key': 'lookup-1' };
    const a = await t.app.inject({
      method: 'POST',
      url: '/api/public/results/lookup',
      payload: { idNumber: p.idNumber, name: p.name },
      headers,
      remoteAddress: '10.9.9.9',
    });
    expect(a.statusCode).toBe(200);
    const b = await t.app.inject({
      method: 'POST',
      url: '/api/public/results/lookup',
      payload: { idNumber: p.idNumber, name: p.name },
      headers,
      remoteAddress: '10.9.9.9',
    });
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    const stored = await t.deps.db.selectFrom('idempotency_keys').select('key').where('key', '=', 'lookup-1').execute();
    expect(stored).toEqual([]);
  });

  it('finds a resident registered by passport or permit as well as by resident ID', async () => {
    const building = city.bA11.id;
    const add = (idType: 'passport' | 'hk_macao_tw', idNumber: string, name: string) =>
      t.deps.services.population.createMany(undefined, systemActor('test'), [
        { name, idType, idNumber, birthDate: '1990-01-01', sex: 'female', resident: true, address: { jurisdictionId: building, room: '901' } },
      ]);
    await add('passport', 'E12345678', 'Anna Müller');
    // Eighteen characters, shaped like a resident ID, but a Taiwan residence permit: still found.
    const permit = makeResidentId('830000', '1990-01-01', 321, 'female');
    await add('hk_macao_tw', permit, '李外宾');
    expect((await lookup({ idNumber: 'E12345678', name: 'Anna Müller' })).json()).toEqual({ found: true, samples: [] });
    expect((await lookup({ idNumber: permit, name: '李外宾' })).json()).toEqual({ found: true, samples: [] });
    expect((await lookup({ idNumber: permit, name: '别人' })).json()).toEqual({ found: false, samples: [] });
  });

  it('shows sampled → in lab → negative, each step at once (the cache is invalidated by each change)', async () => {
    const p = city.persons.a11[0];
    expect(await lookup(p).then((r) => r.json())).toEqual({ found: true, samples: [] });
    const code = await sample([p]);
    expect(await statuses(p)).toEqual(['sampled']);
    await receive(code);
    expect(await statuses(p)).toEqual(['in_lab']);
    await result(code, 'negative');
    const r = (await lookup(p)).json();
    expect(r.samples).toEqual([{ campaign: '西陵区全员核酸', sampledAt: expect.any(Number), status: 'negative', message: { zh: '阴性', en: 'Negative' } }]);
  });

  it('never shows a positive nor a pending recheck: a stranger with the ID and name learns no more than "in the lab"', async () => {
    const [p, q] = [city.persons.a11[1], city.persons.a11[2]];
    const code = await sample([p, q]);
    await receive(code);
    const before = (await lookup(p)).json();
    await result(code, 'positive');
    const r = await lookup(p);
    // The answer after the positive result is exactly the answer while the pool was in the lab.
    expect(r.json()).toEqual(before);
    expect(r.json().samples).toEqual([expect.objectContaining({ status: 'in_lab' })]);
    expect(r.body.toLowerCase()).not.toMatch(/positive|recheck/);
    expect(r.body).not.toMatch(/阳性|复核|居家/);
    expect(await statuses(q)).toEqual(['in_lab']);
  });

  it('after a positive single-tube recheck tells the person that staff will contact them and gives the configured hotline, never the result nor "wait at home for a recheck"', async () => {
    const [p, q] = [city.persons.a12[3], city.persons.a12[4]];
    const code = await sample([p, q]);
    await receive(code);
    await result(code, 'positive');
    const rechecks = (
      await t.app.inject({ method: 'GET', url: `/api/testing/rechecks?campaignId=${campaignId}&status=awaiting_sample`, headers: city.users.officer.headers })
    )
      .json()
      .items.filter((r: { personId: string }) => r.personId === p.id || r.personId === q.id);
    expect(rechecks).toHaveLength(2);
    const codeOf = new Map<string, string>();
    for (const rc of rechecks as { id: string; personId: string }[]) {
      const person = rc.personId === p.id ? p : q;
      const rcCode = barcode('RC');
      const s = await post(`/api/testing/rechecks/${rc.id}/sample`, city.users.sampler.headers, {
        clientId: cid(),
        barcode: rcCode,
        idNumber: person.idNumber,
      });
      expect(s.statusCode, s.body).toBe(200);
      codeOf.set(person.id, rcCode);
    }
    const codes = [codeOf.get(p.id)!, codeOf.get(q.id)!];
    await post('/api/testing/lab/receive', city.users.lab.headers, { boxCode: 'B2', barcodes: codes });
    // While the recheck is in the lab the answer is still "in the lab".
    expect(await statuses(p)).toEqual(['in_lab']);
    await result(codes[0], 'positive');
    await result(codes[1], 'negative');
    const r = await lookup(p);
    expect(r.json().samples).toEqual([
      {
        campaign: '西陵区全员核酸',
        sampledAt: expect.any(Number),
        status: 'contact_pending',
        message: {
          zh: '工作人员将与您联系，请保持电话畅通；如有疑问，请拨打热线 0717-6612320',
          en: 'Staff will contact you; please keep your phone on. Questions: call the hotline 0717-6612320',
        },
        hotline: '0717-6612320',
      },
    ]);
    expect(r.body.toLowerCase()).not.toMatch(/positive|recheck|stay home/);
    expect(r.body).not.toMatch(/阳性|复核|居家/);
    // The other member of the pool, negative on recheck, reads negative.
    expect(await statuses(q)).toEqual(['negative']);
  });

  it('answers an unknown ID and a wrong name alike, without saying which', async () => {
    const p = city.persons.a11[3];
    const wrongName = (await lookup({ idNumber: p.idNumber, name: '张三' })).json();
    const unknown = (await lookup({ idNumber: '420502199001011237', name: p.name })).json();
    expect(wrongName).toEqual({ found: false, samples: [] });
    expect(unknown).toEqual(wrongName);
  });

  it('rate-limits per client address and per ID number with 429 and Retry-After', async () => {
    const lk = t.deps.services.testing.lookup;
    lk.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 3, perId: 1000 });
    const p = city.persons.a11[4];
    const fromOne = [];
    for (let i = 0; i < 4; i++) fromOne.push(await lookup(p, '192.0.2.7'));
    expect(fromOne.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(fromOne[3].json().error.code).toBe('LOOKUP_RATE_LIMITED');
    expect(Number(fromOne[3].headers['retry-after'])).toBeGreaterThan(0);
    expect((await lookup(p, '192.0.2.8')).statusCode).toBe(200);

    lk.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 1000, perId: 2 });
    const q = city.persons.a11[5];
    const spread = [];
    for (let i = 0; i < 3; i++) spread.push(await lookup(q, `198.51.100.${i}`));
    expect(spread.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(spread[2].json().error.details).toEqual({ per: 'idNumber' });
    // Another person's number is unaffected.
    expect((await lookup(p, '198.51.100.9')).statusCode).toBe(200);
  });

  it("another process's result reaches a cached answer through the version check, within the fresh window", async () => {
    const p = city.persons.a11[6];
    const code = await sample([p]);
    await receive(code);
    expect(await statuses(p)).toEqual(['in_lab']);
    // As another worker would: the result and the version bump commit, but this process's cache is not told.
    const tube = (await repo.findTubesByBarcodes(t.deps.db, [code]))[0];
    await inTx(t.deps.db, async (trx) => {
      await repo.updateTube(trx, tube.id, { status: 'resulted', result: 'negative', result_at: t.clock.now() });
      await repo.bumpLookupVersions(trx, [p.id]);
    });
    expect(await statuses(p)).toEqual(['in_lab']);
    t.clock.advance(DEFAULT_LOOKUP_LIMITS.freshMs + 1);
    expect(await statuses(p)).toEqual(['negative']);
  });

  it('sheds load past its concurrency cap or while the event loop lags, with 503 + Retry-After, and keeps answering afterwards', async () => {
    const lk = t.deps.services.testing.lookup;
    lk.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 100_000, perId: 100_000, maxConcurrent: 0 });
    const shed = await lookup(city.persons.a12[0]);
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.json().error.code).toBe('LOOKUP_BUSY');

    lk.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 100_000, perId: 100_000, maxConcurrent: 4 });
    const persons = [...city.persons.a12, ...city.persons.a21, ...city.persons.b11];
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => lookup(persons[i % persons.length], `203.0.113.${i % 200}`)));
    const codes = new Set(answers.map((a) => a.statusCode));
    expect([...codes].every((c) => c === 200 || c === 503)).toBe(true);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThan(0);
    expect((await lookup(city.persons.a12[0])).statusCode).toBe(200);

    // Where requests wait in the sockets instead of in flight (SQLite answers synchronously), a
    // lagging event loop is the overload signal: shed while it lags, answer again once it does not.
    // SQLite answers each lookup before the next is even read: the in-flight count stays at one
    // while the rest wait in the sockets. A lagging event loop under a stream of lookups is the
    // overload signal there (a lag without lookups, e.g. a slow import, sheds nothing).
    let lagging = 500;
    lk.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 100_000, perId: 100_000, maxConcurrent: 2, lagProbe: () => lagging });
    expect((await lookup(city.persons.a12[1])).statusCode).toBe(200);
    expect((await lookup(city.persons.a12[2])).statusCode).toBe(200);
    const lagged = await lookup(city.persons.a12[1]);
    expect(lagged.statusCode).toBe(503);
    expect(lagged.headers['retry-after']).toBe('1');
    lagging = 5;
    expect((await lookup(city.persons.a12[1])).statusCode).toBe(200);
    lk.configure({ ...DEFAULT_LOOKUP_LIMITS, perIp: 100_000, perId: 100_000 });
  });

  it('refuses a malformed body with 400 and keeps personal data out of the answer', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/public/results/lookup', payload: { idNumber: '1', name: '', extra: 1 } });
    expect(r.statusCode).toBe(400);
    const p = city.persons.a11[0];
    const ok = await lookup(p);
    expect(ok.body).not.toContain(p.idNumber);
    expect(ok.body).not.toContain(p.name);
  });
});
