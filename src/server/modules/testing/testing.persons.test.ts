import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { inTx } from '../../db/dialect.js';
import { AppError } from '../../platform/errors.js';
import { createCodeVerifier } from './code-verifier.js';
import { resolvePersons } from './testing.shared.js';
import { buildTestingCity, codeOf, type TestingCity } from './testing.test-helpers.js';

/**
 * Who a scan names, looked up in bulk: resident codes checked on worker threads (or on the calling
 * thread for a few) with exactly the answers of the population service's own check, ID numbers by
 * HMAC, merged records followed to the kept one, and each refusal with its reason.
 */
describe.each(DIALECTS)('testing: persons of scans, in bulk [%s]', (dialect) => {
  let t: TestApp;
  let city: TestingCity;
  const verifiers: ReturnType<typeof createCodeVerifier>[] = [];
  const verifier = (o: Parameters<typeof createCodeVerifier>[1]) => {
    const v = createCodeVerifier(t.deps.services.population, o);
    verifiers.push(v);
    return v;
  };
  /** Population's own answer for a payload: the person id, or the problem it names. */
  const populationSays = async (payload: string) => {
    try {
      return (await t.deps.services.population.resolveResidentCode(payload)).personId;
    } catch (err) {
      return `${(err as AppError).code}:${((err as AppError).details as { problem?: string } | undefined)?.problem}`;
    }
  };
  const says = (r: string | AppError) => (r instanceof AppError ? `${r.code}:${(r.details as { problem?: string } | undefined)?.problem}` : r);

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildTestingCity(t);
  });
  afterAll(async () => {
    for (const v of verifiers) await v.close();
    await t.close();
  });

  it('answers every payload exactly as the population service does, on a worker and on this thread', async () => {
    const good = await codeOf(t, city.persons.a11[0].id);
    const other = await codeOf(t, city.persons.a11[1].id);
    const [, token, ts, sig] = good.split('.');
    const otherToken = other.split('.')[1];
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const payloads = [
      good,
      `  ${good}\n`, // scanners append a newline: trimmed
      `BW2.${otherToken}.${ts}.${sig}`, // another person's token under this signature
      `BW2.${token}.${ts}.${other.split('.')[3]}`, // another code's signature
      `BW2.${token}.${ts}.${flip(sig[0])}${sig.slice(1)}`, // a forged signature
      `BW2.${token}.0${ts}.${sig}`, // a non-canonical time
      `BW2.${token}.${ts}.${sig.slice(0, 85)}B`, // non-canonical base64url (stray low bits)
      `bw2.${token}.${ts}.${sig}`,
      `BW2.${token}.${ts}.${sig}x`,
      `BW1.${city.persons.a11[0].id}.${ts}.${sig}`, // the old format, which named the person
      'not a code',
      '',
    ];
    const expected = await Promise.all(payloads.map(populationSays));
    expect(expected[0]).toBe(city.persons.a11[0].id);
    expect(expected.filter((x) => x.endsWith(':signature')).length).toBe(3);
    expect(expected.filter((x) => x.endsWith(':malformed')).length).toBe(7);
    const onWorker = verifier({ workers: 1, minForWorkers: 1 });
    const here = verifier({ workers: 0 });
    expect((await onWorker.verifyMany(payloads)).map(says)).toEqual(expected);
    expect((await here.verifyMany(payloads)).map(says)).toEqual(expected);
    // Re-signing is only the fast path: without the signing key, or with another deployment's,
    // every answer is the same (a mismatch falls back to verify, which alone refuses a code).
    const pop = t.deps.services.population;
    const publicOnly = {
      residentCodeKey: () => pop.residentCodeKey(),
      verifyResidentCode: (x: string) => pop.verifyResidentCode(x),
      resolveResidentCodes: (x: readonly string[]) => pop.resolveResidentCodes(x),
    } as const;
    const otherKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const authority of [publicOnly, { ...publicOnly, residentCodeSigningKeyPem: () => otherKey }]) {
      for (const o of [{ workers: 1, minForWorkers: 1 }, { workers: 0 }]) {
        const v = createCodeVerifier(authority, o);
        verifiers.push(v);
        expect((await v.verifyMany(payloads)).map(says)).toEqual(expected);
      }
    }
    // The genuine ones are remembered; a forged one never is.
    expect(onWorker.cached).toBe(2);
    expect((await onWorker.verifyMany([good, payloads[4]])).map(says)).toEqual([expected[0], expected[4]]);

    // Reissuing revokes: the remembered code fails at once, on every path; the new one works.
    const reissued = await pop.reissueResidentCode(undefined, city.users.officer.actor, city.persons.a11[0].id, '居民码截图外泄，重新发放');
    expect(await populationSays(good)).toBe('RESIDENT_CODE_INVALID:revoked');
    expect((await onWorker.verifyMany([good, reissued.payload])).map(says)).toEqual(['RESIDENT_CODE_INVALID:revoked', city.persons.a11[0].id]);
    // Codes expire: past expiresAt the same code is refused (offline by its expiry, online by the register).
    const later = await codeOf(t, city.persons.a11[1].id);
    t.clock.advance(reissued.expiresAt - t.clock.now() + 1000);
    expect(await populationSays(later)).toBe('RESIDENT_CODE_INVALID:expired');
    expect((await onWorker.verifyMany([later])).map(says)).toEqual(['RESIDENT_CODE_INVALID:expired']);
    expect((await here.verifyMany([later])).map(says)).toEqual(['RESIDENT_CODE_INVALID:expired']);
  });

  it("resolves codes and ID numbers together: names, residence paths, a merged record's code and number lead to the kept person", async () => {
    const [a, b, dup, kept] = [city.persons.b11[0], city.persons.c11[1], city.persons.b11[2], city.persons.b11[3]];
    const dupCode = await codeOf(t, dup.id);
    await t.deps.services.population.merge(undefined, city.users.officer.actor, dup.id, kept.id, '同一人重复登记');
    const v = verifier({ workers: 1, minForWorkers: 1 });
    const forged = `${(await codeOf(t, a.id)).slice(0, -10)}AAAAAAAAAA`;
    const ids = [
      { residentCode: await codeOf(t, a.id) },
      { idNumber: b.idNumber },
      { idNumber: b.idNumber.toLowerCase(), idType: 'resident_id' as const },
      { residentCode: dupCode },
      { idNumber: dup.idNumber },
      { idNumber: '110101199003070000' },
      { residentCode: forged },
      { residentCode: (await codeOf(t, a.id)).replace(/^BW2\.[A-Za-z0-9_-]{22}/, `BW2.${'n'.repeat(22)}`) },
    ];
    const r = await resolvePersons(t.deps, v, ids);
    const keyed = (i: number) =>
      r.get(ids[i].residentCode ? `c:${ids[i].residentCode!.trim()}` : `i:${ids[i].idType ?? ''}:${ids[i].idNumber!.trim().toUpperCase()}`);
    expect(keyed(0)).toMatchObject({ personId: a.id, path: a.path, name: a.name, method: 'code' });
    expect((keyed(0) as { nameMasked: string }).nameMasked).not.toBe(a.name);
    expect(keyed(1)).toMatchObject({ personId: b.id, path: b.path, method: 'id_number' });
    expect(keyed(2)).toMatchObject({ personId: b.id });
    expect(keyed(3)).toMatchObject({ personId: kept.id, path: kept.path, method: 'code' });
    expect(keyed(4)).toMatchObject({ personId: kept.id, method: 'id_number' });
    expect(keyed(5)).toMatchObject({ code: 'PERSON_NOT_FOUND', details: { by: 'idNumber' } });
    expect(keyed(6)).toMatchObject({ code: 'RESIDENT_CODE_INVALID' });
    // A well-formed code whose signature does not cover the token it carries is forged, not "unknown".
    expect(keyed(7)).toMatchObject({ code: 'RESIDENT_CODE_INVALID', details: { problem: 'signature' } });
  });

  it("reads the codes' tokens through the caller's transaction (a scan inside a write)", async () => {
    const p = city.persons.b11[4];
    const code = await codeOf(t, p.id);
    const v = verifier({ workers: 0 });
    const r = await inTx(t.deps.db, (tx) => resolvePersons(t.deps, v, [{ residentCode: code }], tx));
    expect(r.get(`c:${code}`)).toMatchObject({ personId: p.id, method: 'code' });
  }, 10_000);
});
