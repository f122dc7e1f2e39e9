import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { checkResidentCode, deriveResidentCodeKeys, newResidentCodeToken, signResidentCode } from './resident-code.js';
import { RESIDENT_CODE_RENEW_MS, RESIDENT_CODE_TTL_MS } from './population.service.js';
import { addResidents, buildAddress, residentInput } from './population.test-helpers.js';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);
const TOKEN = 'AbCdEfGhIjKlMnOpQrStUv';

/** Flips one character of the signature part (keeping it valid base64url). */
function tamperSignature(payload: string): string {
  const i = payload.length - 10;
  return payload.slice(0, i) + (payload[i] === 'A' ? 'B' : 'A') + payload.slice(i + 1);
}

describe('resident code signing', () => {
  it('derives the same key pair from the same session key, and another from another', () => {
    expect(deriveResidentCodeKeys(keyA).publicKeyRaw).toBe(deriveResidentCodeKeys(keyA).publicKeyRaw);
    expect(deriveResidentCodeKeys(keyA).publicKeyRaw).not.toBe(deriveResidentCodeKeys(keyB).publicKeyRaw);
    expect(Buffer.from(deriveResidentCodeKeys(keyA).publicKeyRaw, 'base64url')).toHaveLength(32);
  });

  it('signs BW2.<token>.<expiresAt base36>.<signature> and verifies it until it expires', () => {
    const keys = deriveResidentCodeKeys(keyA);
    const at = Date.UTC(2026, 10, 29, 8, 0, 0);
    const payload = signResidentCode(keys, TOKEN, at);
    const parts = payload.split('.');
    expect(parts[0]).toBe('BW2');
    expect(parts[1]).toBe(TOKEN);
    expect(parseInt(parts[2], 36)).toBe(at);
    expect(Buffer.from(parts[3], 'base64url')).toHaveLength(64);
    expect(checkResidentCode(keys.publicKey, payload)).toEqual({ ok: true, token: TOKEN, expiresAt: at });
    expect(checkResidentCode(keys.publicKey, payload, at - 1)).toEqual({ ok: true, token: TOKEN, expiresAt: at });
    expect(checkResidentCode(keys.publicKey, payload, at)).toEqual({ ok: false, problem: 'expired' });
    // A trailing newline from a scanner is tolerated.
    expect(checkResidentCode(keys.publicKey, `${payload}\n`).ok).toBe(true);
    // Tokens are opaque and fresh: 16 random bytes.
    const tokens = new Set(Array.from({ length: 100 }, newResidentCodeToken));
    expect(tokens.size).toBe(100);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('refuses tampered, foreign and malformed codes', () => {
    const keys = deriveResidentCodeKeys(keyA);
    const payload = signResidentCode(keys, TOKEN, 1_700_000_000_000);
    const [, , at, sig] = payload.split('.');
    const other = 'AbCdEfGhIjKlMnOpQrStUw';
    expect(checkResidentCode(keys.publicKey, tamperSignature(payload))).toEqual({ ok: false, problem: 'signature' });
    expect(checkResidentCode(keys.publicKey, `BW2.${other}.${at}.${sig}`)).toEqual({ ok: false, problem: 'signature' });
    expect(checkResidentCode(keys.publicKey, `BW2.${TOKEN}.${(1_700_000_000_001).toString(36)}.${sig}`)).toEqual({ ok: false, problem: 'signature' });
    expect(checkResidentCode(deriveResidentCodeKeys(keyB).publicKey, payload)).toEqual({ ok: false, problem: 'signature' });
    for (const bad of [
      '',
      'hello',
      payload.replace('BW2', 'BW1'),
      `${payload}.x`,
      payload.slice(0, -1),
      `BW2.${TOKEN}.0${at}.${sig}`,
      `BW2.${TOKEN}.${at.toUpperCase()}.${sig}`,
      `BW2.${TOKEN}x.${at}.${sig}`,
    ]) {
      expect(checkResidentCode(keys.publicKey, bad)).toEqual({ ok: false, problem: 'malformed' });
    }
  });
});

describe.each(DIALECTS)('resident codes [%s]', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let inXi: string;
  let inWu: string;
  let headers: { officer: Record<string, string>; sampler: Record<string, string> };
  const actorAt = (j: JurisdictionRef, roles: Role[]): Actor => ({
    kind: 'user',
    userId: `u-${j.code}`,
    name: 't',
    unitId: null,
    roles,
    capabilities: capabilitiesOf(roles),
    scopePath: j.path,
    sessionId: null,
  });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const xi = await buildAddress(t, city.street);
    const wu = await buildAddress(t, city.otherStreet);
    [inXi] = await addResidents(t, [residentInput(xi.entrance.id)]);
    [inWu] = await addResidents(t, [residentInput(wu.entrance.id, { region: '420503' })]);
    const now = t.clock.now();
    const user = async (j: JurisdictionRef, roles: Role[]) =>
      sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: `单位${roles[0]}`, jurisdiction: j }), roles }), now);
    headers = { officer: await user(city.xiling, ['district_officer']), sampler: await user(city.street, ['sampler']) };
  });
  afterAll(() => t.close());

  it('issues a code with an opaque token that resolves to the person, the same code until it nears expiry', async () => {
    const population = t.deps.services.population;
    const start = t.clock.now();
    const first = await population.issueResidentCode(actorAt(city.xiling, ['sampler']), inXi);
    expect(first.payload).toMatch(/^BW2\.[A-Za-z0-9_-]{22}\./);
    expect(first.payload).not.toContain(inXi);
    expect(first).toMatchObject({ personId: inXi, issuedAt: t.clock.now(), expiresAt: t.clock.now() + RESIDENT_CODE_TTL_MS });
    expect(await population.resolveResidentCode(first.payload)).toEqual({ personId: inXi, expiresAt: first.expiresAt });
    // Asking again gives the same code (a printed one stays valid)…
    t.clock.advance(86_400_000);
    expect((await population.issueResidentCode(actorAt(city.city, ['commander']), inXi)).payload).toBe(first.payload);
    // …until it nears its expiry: then a fresh one, and the old one still works until it expires.
    t.clock.set(first.expiresAt - RESIDENT_CODE_RENEW_MS + 1);
    const renewed = await population.issueResidentCode(actorAt(city.city, ['commander']), inXi);
    expect(renewed.payload).not.toBe(first.payload);
    expect((await population.resolveResidentCode(first.payload)).personId).toBe(inXi);
    t.clock.set(first.expiresAt);
    await expect(population.resolveResidentCode(first.payload)).rejects.toMatchObject({ code: 'RESIDENT_CODE_INVALID', details: { problem: 'expired' } });
    expect((await population.resolveResidentCode(renewed.payload)).personId).toBe(inXi);
    t.clock.set(start); // the sessions of the route tests below
  });

  it('reissuing revokes every earlier code, needs person.manage and a reason, and is journaled', async () => {
    const population = t.deps.services.population;
    const before = await population.issueResidentCode(actorAt(city.city, ['commander']), inXi);
    const bad = await t.app.inject({ method: 'POST', url: `/api/persons/${inXi}/resident-code/reissue`, headers: headers.officer, payload: { reason: '...' } });
    expect(bad.statusCode).toBe(422);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/persons/${inXi}/resident-code/reissue`,
          headers: headers.sampler,
          payload: { reason: '居民码遗失补发' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/persons/${inWu}/resident-code/reissue`,
          headers: headers.officer,
          payload: { reason: '居民码遗失补发' },
        })
      ).statusCode,
    ).toBe(404);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/persons/${inXi}/resident-code/reissue`,
      headers: headers.officer,
      payload: { reason: '居民码遗失补发' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json();
    expect(after.payload).not.toBe(before.payload);
    await expect(population.resolveResidentCode(before.payload)).rejects.toMatchObject({ code: 'RESIDENT_CODE_INVALID', details: { problem: 'revoked' } });
    expect((await population.resolveResidentCode(after.payload)).personId).toBe(inXi);
    // The signature of the revoked code is still genuine: offline it passes, online it does not.
    expect(population.verifyResidentCode(before.payload).token).toBe(before.payload.split('.')[1]);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'population.resident_code.reissue', limit: 5 });
    expect(entry).toMatchObject({ entityId: inXi, reason: '居民码遗失补发' });
    expect(JSON.stringify(entry)).not.toContain(after.payload.split('.')[1]);
  });

  it('refuses a tampered or malformed code with 422 RESIDENT_CODE_INVALID', async () => {
    const population = t.deps.services.population;
    const { payload } = await population.issueResidentCode(actorAt(city.city, ['commander']), inXi);
    const other = (await population.issueResidentCode(actorAt(city.city, ['commander']), inWu)).payload;
    const swapped = `BW2.${other.split('.')[1]}.${payload.split('.').slice(2).join('.')}`;
    for (const [bad, problem] of [
      [tamperSignature(payload), 'signature'],
      [swapped, 'signature'],
      ['420502199001011234', 'malformed'],
    ] as const) {
      let err: unknown;
      try {
        population.verifyResidentCode(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'RESIDENT_CODE_INVALID', status: 422, details: { problem } });
    }
  });

  it('issues codes only within scope and with person.read', async () => {
    const population = t.deps.services.population;
    await expect(population.issueResidentCode(actorAt(city.xiling, ['district_officer']), inWu)).rejects.toMatchObject({ code: 'PERSON_NOT_FOUND' });
    await expect(population.issueResidentCode(actorAt(city.xiling, ['supply_officer']), inXi)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const res = await t.app.inject({ method: 'GET', url: `/api/persons/${inXi}/resident-code`, headers: headers.sampler });
    expect(res.statusCode, res.body).toBe(200);
    expect((await population.resolveResidentCode(res.json().payload)).personId).toBe(inXi);
    expect((await t.app.inject({ method: 'GET', url: `/api/persons/${inWu}/resident-code`, headers: headers.officer })).statusCode).toBe(404);
  });

  it("a merged record's code is the kept record's; resolving many tokens names each one's problem", async () => {
    const population = t.deps.services.population;
    const commander = actorAt(city.city, ['commander']);
    const xi = await buildAddress(t, city.street, '002');
    const [merged, kept] = await addResidents(t, [residentInput(xi.entrance.id), residentInput(xi.entrance.id)]);
    const start = t.clock.now();
    const mergedCode = await population.issueResidentCode(commander, merged);
    const keptCode = await population.issueResidentCode(commander, kept);
    await population.merge(undefined, systemActor('test'), merged, kept, '重复登记');
    // Asked for the merged record, the code is the kept record's (the same active code).
    expect(await population.issueResidentCode(commander, merged)).toEqual(keptCode);
    // Reissuing through the merged record replaces the kept record's code.
    const reissued = await population.reissueResidentCode(undefined, systemActor('test'), merged, '居民码遗失补发');
    expect(reissued.personId).toBe(kept);
    const [entry] = await t.deps.services.journal.list(t.deps.db, { action: 'population.resident_code.reissue', limit: 1 });
    expect(entry).toMatchObject({ entityId: kept });
    const token = (payload: string) => payload.split('.')[1];
    const unknown = 'A'.repeat(22);
    const problems = (m: Map<string, string | Error>) =>
      [...m.values()].map((v) => (typeof v === 'string' ? v : (v as Error & { details: { problem: string } }).details.problem));
    // The merged record's own earlier code still names it: the caller follows the merge itself.
    expect(problems(await population.resolveResidentCodes([token(mergedCode.payload), token(keptCode.payload), token(reissued.payload), unknown]))).toEqual([
      merged,
      'revoked',
      kept,
      'unknown',
    ]);
    t.clock.set(mergedCode.expiresAt);
    expect(problems(await population.resolveResidentCodes([token(mergedCode.payload), token(reissued.payload)]))).toEqual(['expired', 'expired']);
    t.clock.set(start); // the sessions of the route tests below
  });

  it('serves the public key, with which anyone verifies a code offline', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/public/resident-code-key' });
    expect(res.statusCode, res.body).toBe(200);
    const key = res.json();
    expect(key.algorithm).toBe('Ed25519');
    const { payload } = await t.deps.services.population.issueResidentCode(actorAt(city.city, ['commander']), inXi);
    const cut = payload.lastIndexOf('.');
    const body = Buffer.from(payload.slice(0, cut));
    const sig = Buffer.from(payload.slice(cut + 1), 'base64url');
    const fromPem = createPublicKey(key.publicKeyPem);
    const fromRaw = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey }, format: 'jwk' });
    expect(verify(null, body, fromPem, sig)).toBe(true);
    expect(verify(null, body, fromRaw, sig)).toBe(true);
    expect(verify(null, Buffer.from(`BW2.${'x'.repeat(22)}${payload.slice(25, cut)}`), fromRaw, sig)).toBe(false);
  });
});
