import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, type Role } from '../../../common/roles.js';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import type { Actor } from '../../platform/actor.js';
import { checkResidentCode, deriveResidentCodeKeys, signResidentCode } from './resident-code.js';
import { addResidents, buildAddress, residentInput } from './population.test-helpers.js';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);
const PERSON = '0193b8a2-7c1e-7000-8000-0123456789ab';

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

  it('signs BW1.<personId>.<issuedAt base36>.<signature> and verifies it', () => {
    const keys = deriveResidentCodeKeys(keyA);
    const at = Date.UTC(2026, 10, 29, 8, 0, 0);
    const payload = signResidentCode(keys, PERSON, at);
    const parts = payload.split('.');
    expect(parts[0]).toBe('BW1');
    expect(parts[1]).toBe(PERSON);
    expect(parseInt(parts[2], 36)).toBe(at);
    expect(Buffer.from(parts[3], 'base64url')).toHaveLength(64);
    expect(checkResidentCode(keys.publicKey, payload)).toEqual({ ok: true, personId: PERSON, issuedAt: at });
    // A trailing newline from a scanner is tolerated.
    expect(checkResidentCode(keys.publicKey, `${payload}\n`).ok).toBe(true);
  });

  it('refuses tampered, foreign and malformed codes', () => {
    const keys = deriveResidentCodeKeys(keyA);
    const payload = signResidentCode(keys, PERSON, 1_700_000_000_000);
    const [, , at, sig] = payload.split('.');
    const other = '0193b8a2-7c1e-7000-8000-0123456789ac';
    expect(checkResidentCode(keys.publicKey, tamperSignature(payload))).toEqual({ ok: false, problem: 'signature' });
    expect(checkResidentCode(keys.publicKey, `BW1.${other}.${at}.${sig}`)).toEqual({ ok: false, problem: 'signature' });
    expect(checkResidentCode(keys.publicKey, `BW1.${PERSON}.${(1_700_000_000_001).toString(36)}.${sig}`)).toEqual({ ok: false, problem: 'signature' });
    expect(checkResidentCode(deriveResidentCodeKeys(keyB).publicKey, payload)).toEqual({ ok: false, problem: 'signature' });
    for (const bad of ['', 'hello', payload.replace('BW1', 'BW2'), `${payload}.x`, payload.slice(0, -1), `BW1.${PERSON}.0${at}.${sig}`, `BW1.${PERSON}.${at.toUpperCase()}.${sig}`]) {
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
  const actorAt = (j: JurisdictionRef, roles: Role[]): Actor => ({ kind: 'user', userId: `u-${j.code}`, name: 't', unitId: null, roles, capabilities: capabilitiesOf(roles), scopePath: j.path, sessionId: null });

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const xi = await buildAddress(t, city.street);
    const wu = await buildAddress(t, city.otherStreet);
    [inXi] = await addResidents(t, [residentInput(xi.entrance.id)]);
    [inWu] = await addResidents(t, [residentInput(wu.entrance.id, { region: '420503' })]);
    const now = t.clock.now();
    const user = async (j: JurisdictionRef, roles: Role[]) => sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit: await buildUnit(t.deps.db, { name: `单位${roles[0]}`, jurisdiction: j }), roles }), now);
    headers = { officer: await user(city.xiling, ['district_officer']), sampler: await user(city.street, ['sampler']) };
  });
  afterAll(() => t.close());

  it('issues a code that the service verifies back to the person and its issue time', async () => {
    const population = t.deps.services.population;
    const { payload } = await population.issueResidentCode(actorAt(city.xiling, ['sampler']), inXi);
    expect(payload.startsWith(`BW1.${inXi}.`)).toBe(true);
    expect(population.verifyResidentCode(payload)).toEqual({ personId: inXi, issuedAt: t.clock.now() });
  });

  it('refuses a tampered or malformed code with 422 RESIDENT_CODE_INVALID', async () => {
    const population = t.deps.services.population;
    const { payload } = await population.issueResidentCode(actorAt(city.city, ['commander']), inXi);
    const swapped = payload.replace(inXi, inWu);
    for (const [bad, problem] of [[tamperSignature(payload), 'signature'], [swapped, 'signature'], ['420502199001011234', 'malformed']] as const) {
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
    expect(population.verifyResidentCode(res.json().payload).personId).toBe(inXi);
    expect((await t.app.inject({ method: 'GET', url: `/api/persons/${inWu}/resident-code`, headers: headers.officer })).statusCode).toBe(404);
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
    expect(verify(null, Buffer.from(payload.slice(0, cut).replace(inXi, inWu)), fromRaw, sig)).toBe(false);
  });
});
