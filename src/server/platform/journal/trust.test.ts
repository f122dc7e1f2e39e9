import { createPrivateKey, sign as edSign, verify as edVerify, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, testEnv, type TestApp, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { systemActor } from '../actor.js';
import { canonicalJson, sha256 } from '../canonical.js';
import { inTx } from '../../db/dialect.js';
import { createClockOffsetService } from '../jobs/clock-offset.js';
import { jcs, JcsError } from './jcs.js';

const actor = systemActor('test');

/** What someone who can write the database (but has no key) does: edit an entry and rehash the rest. */
async function editAndRehash(env: TestEnv, seq: number, reason: string): Promise<void> {
  const db = env.deps.db;
  await sql`update journal set reason = ${reason} where seq = ${seq}`.execute(db);
  const rows = await db.selectFrom('journal').selectAll().orderBy('seq').execute();
  let prev = '0'.repeat(64);
  for (const r of rows) {
    const content: Record<string, unknown> = {
      seq: Number(r.seq),
      at: Number(r.at),
      actor_id: r.actor_id,
      actor_name: r.actor_name,
      action: r.action,
      entity_type: r.entity_type,
      entity_id: r.entity_id,
      jurisdiction_path: r.jurisdiction_path,
      payload: r.payload,
      reason: r.reason,
      batch_count: r.batch_count === null ? null : Number(r.batch_count),
      batch_digest: r.batch_digest,
      wall_at: r.wall_at === null ? undefined : Number(r.wall_at),
    };
    const hash = sha256(prev + '\n' + canonicalJson(content));
    await db.updateTable('journal').set({ prev_hash: prev, hash }).where('seq', '=', r.seq).execute();
    prev = hash;
  }
  await db.updateTable('journal_head').set({ hash: prev }).where('id', '=', 1).execute();
}

const append = (env: TestEnv, i: number, jurisdictionPath: string | null = '/420500/420502/') =>
  inTx(env.deps.db, (trx) =>
    env.deps.services.journal.append(trx, actor, {
      action: 'test.thing.change',
      entityType: 'thing',
      entityId: `t${i}`,
      jurisdictionPath,
      payload: { i },
      reason: 'because',
    }),
  );

describe('JCS (RFC 8785)', () => {
  it('sorts members by UTF-16 code units, drops whitespace and refuses what has no canonical form', () => {
    // RFC 8785 §3.2.3 sorts by UTF-16 code units: "\u20ac" (U+20AC) before "\ud83d\ude00" (surrogates D83D…).
    expect(jcs({ b: 1, a: [true, null, 'x'], '\ud83d\ude00': 2, '\u20ac': 3 })).toBe('{"a":[true,null,"x"],"b":1,"€":3,"😀":2}');
    expect(jcs({ n: 1e21, f: 0.1, z: -0 })).toBe('{"f":0.1,"n":1e+21,"z":0}');
    expect(() => jcs({ t: 'bad \ud800 text' })).toThrow(JcsError);
    expect(() => jcs({ n: Number.NaN })).toThrow(/finite/);
  });
});

describe.each(DIALECTS)('journal anchored outside the database [%s]', (dialect) => {
  let env: TestEnv;
  let dir: string;
  let headsFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-heads-'));
    headsFile = path.join(dir, 'journal-heads.jsonl');
    env = await testEnv(dialect, { journalHeadsFile: headsFile });
  });
  afterAll(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs the head with Ed25519 over its JCS form, in the file and the database, only when it moved', async () => {
    const { journal } = env.deps.services;
    expect(await journal.signHead()).toBeUndefined(); // nothing to sign yet
    for (let i = 1; i <= 3; i++) await append(env, i);
    const head = await journal.signHead();
    expect(head).toMatchObject({ seq: 3 });
    expect(await journal.signHead()).toBeUndefined();
    const line = readFileSync(headsFile, 'utf8').trim().split('\n');
    expect(line).toHaveLength(1);
    expect(JSON.parse(line[0])).toEqual(head);
    // An outsider checks it with only the published public key and an RFC 8785 serialiser.
    const published = await journal.heads();
    expect(published.heads).toEqual([head]);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(published.publicKey!, 'base64')]);
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const bytes = Buffer.from(`{"hash":"${head!.hash}","keyId":"${head!.keyId}","seq":3,"signedAt":${head!.signedAt}}`);
    expect(edVerify(null, bytes, pub, Buffer.from(head!.signature, 'base64'))).toBe(true);
    for (let i = 4; i <= 6; i++) await append(env, i);
    expect(await journal.verify()).toMatchObject({ ok: true, entries: 6, signedHeads: 1, anchoredSeq: 3, unanchored: 3 });
    await journal.signHead();
    expect(await journal.verify()).toMatchObject({ ok: true, signedHeads: 2, anchoredSeq: 6, unanchored: 0 });
  });

  it('an edited entry whose chain was rehashed fails verification against the signed heads', async () => {
    const { journal } = env.deps.services;
    await editAndRehash(env, 2, 'edited');
    const v = await journal.verify();
    expect(v).toMatchObject({ ok: false, brokenSeq: 3 });
    if (!v.ok) expect(v.problem).toMatch(/rewritten at or before entry 3/);
    // Deleting the database copies of the heads does not help: the file outside still has them.
    await sql`delete from journal_heads`.execute(env.deps.db);
    expect(await journal.verify()).toMatchObject({ ok: false, brokenSeq: 3 });
    // Restoring the original text makes the chain agree with its signatures again.
    await editAndRehash(env, 2, 'because');
    expect(await journal.verify()).toMatchObject({ ok: true, entries: 6, anchoredSeq: 6 });
  });

  it('refuses a head signed with another key, and entries cut off after a signed head', async () => {
    const { journal } = env.deps.services;
    const head = await env.deps.db.selectFrom('journal_head').selectAll().executeTakeFirstOrThrow();
    const otherKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 99)]),
      format: 'der',
      type: 'pkcs8',
    });
    const keyId = (await journal.heads()).keyId!;
    const forged = { seq: Number(head.seq), hash: head.hash, signedAt: 1, keyId };
    const signature = edSign(null, Buffer.from(jcs(forged)), otherKey).toString('base64');
    await env.deps.db.insertInto('journal_heads').values({ seq: 99, hash: head.hash, signed_at: 1, key_id: keyId, signature }).execute();
    const v = await journal.verify();
    expect(v).toMatchObject({ ok: false, brokenSeq: 99 });
    if (!v.ok) expect(v.problem).toMatch(/no valid signature/);
    await sql`delete from journal_heads where seq = 99`.execute(env.deps.db);
    // Removing the newest entries (and moving the head back) contradicts the head signed for entry 6.
    await sql`delete from journal where seq > 4`.execute(env.deps.db);
    const e4 = await env.deps.db.selectFrom('journal').select('hash').where('seq', '=', 4).executeTakeFirstOrThrow();
    await env.deps.db.updateTable('journal_head').set({ seq: 4, hash: e4.hash }).where('id', '=', 1).execute();
    const cut = await journal.verify();
    expect(cut).toMatchObject({ ok: false });
    if (!cut.ok) expect(cut.problem).toMatch(/entries were removed/);
    // A line in the heads file that is not a head is reported, not skipped.
    writeFileSync(headsFile, readFileSync(headsFile, 'utf8') + 'not a head\n');
    const bad = await journal.verify();
    expect(bad).toMatchObject({ ok: false });
    if (!bad.ok) expect(bad.problem).toMatch(/unreadable lines: 3/);
  });
});

describe.each(DIALECTS)('journal times, the demo clock and the auditor [%s]', (dialect) => {
  let t: TestApp;
  let prod: TestApp;
  let hdr: Record<string, string>;
  let auditor: Record<string, string>, districtCommander: Record<string, string>;
  beforeAll(async () => {
    t = await testApp(dialect);
    prod = await testApp(dialect, { mode: 'production' });
    const db = t.deps.db;
    const city = await buildMiniCity(db);
    const hq = await buildUnit(db, { name: '市指挥部', jurisdiction: city.city });
    const xu = await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    hdr = await sessionHeaders(db, await buildUser(db, { unit: hq, roles: ['admin'] }), t.clock.now());
    auditor = await sessionHeaders(db, await buildUser(db, { unit: xu, roles: ['auditor'] }), t.clock.now());
    districtCommander = await sessionHeaders(db, await buildUser(db, { unit: xu, roles: ['commander'] }), t.clock.now());
    const pdb = prod.deps.db;
    const pcity = await buildMiniCity(pdb);
    const phq = await buildUnit(pdb, { name: '市指挥部', jurisdiction: pcity.city });
    (prod as TestApp & { hdr?: Record<string, string> }).hdr = await sessionHeaders(
      pdb,
      await buildUser(pdb, { unit: phq, roles: ['admin'] }),
      prod.clock.now(),
    );
  });
  afterAll(async () => {
    await t.close();
    await prod.close();
  });

  it('moves the clock only in a demo or drill; production refuses and ignores a stored offset', async () => {
    const phdr = (prod as TestApp & { hdr: Record<string, string> }).hdr;
    const r = await prod.app.inject({ method: 'POST', url: '/api/system/clock', headers: phdr, payload: { advanceMs: 86_400_000, reason: '回溯' } });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('CLOCK_NOT_MOVABLE');
    // A row written straight into the settings does not move a production clock either.
    await prod.deps.db.insertInto('settings').values({ key: 'clock.offset_ms', value: '-864000000', updated_at: 0 }).execute();
    const before = prod.deps.clock.now();
    expect(await createClockOffsetService(prod.deps).refresh()).toBe(0);
    expect(prod.deps.clock.now()).toBe(before);
    expect((await prod.app.inject({ method: 'GET', url: '/api/system/clock', headers: phdr })).json().offsetMs).toBe(0);
  });

  it('records the wall-clock time beside a moved domain time, so a backdated entry shows it', async () => {
    // A drill whose domain clock runs a day behind real time.
    const drill = await testEnv(dialect, { mode: 'drill' });
    try {
      const wall = { now: () => Date.UTC(2026, 11, 7, 2, 0, 0) };
      const { createJournalService } = await import('./journal.service.js');
      const journal = createJournalService({ db: drill.deps.db, clock: { now: () => wall.now() - 86_400_000 }, wallClock: wall });
      const e = await inTx(drill.deps.db, (trx) => journal.append(trx, actor, { action: 'test.backdated', entityType: 'thing' }));
      expect(e.at).toBe(Date.UTC(2026, 11, 6, 2, 0, 0));
      expect(e.wallAt).toBe(Date.UTC(2026, 11, 7, 2, 0, 0));
      // Editing the wall time away breaks the entry's hash.
      await sql`update journal set wall_at = at where seq = ${e.seq}`.execute(drill.deps.db);
      expect(await journal.verify()).toMatchObject({ ok: false, brokenSeq: e.seq });
    } finally {
      await drill.close();
    }
    // Through the API: the clock change itself is journaled with both times.
    const r = await t.app.inject({ method: 'POST', url: '/api/system/clock', headers: hdr, payload: { advanceMs: 3_600_000, reason: '演练' } });
    expect(r.statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/journal?action=system.clock.set', headers: auditor });
    expect(list.json().items[0]).toMatchObject({ action: 'system.clock.set', jurisdictionPath: null });
    expect(typeof list.json().items[0].wallAt).toBe('number');
  });

  it('lets an auditor at any level read entries without a jurisdiction path; other roles only their subtree', async () => {
    await append(t, 100, null);
    await append(t, 101, '/420500/420503/');
    await append(t, 102, '/420500/420502/');
    const seen = async (h: Record<string, string>) =>
      ((await t.app.inject({ method: 'GET', url: '/api/journal?entityType=thing', headers: h })).json().items as { entityId: string }[])
        .map((e) => e.entityId)
        .sort();
    expect(await seen(auditor)).toEqual(['t100', 't102']);
    expect(await seen(districtCommander)).toEqual(['t102']);
    // A city-level admin reads the city's subtree; entries with no path are the auditor's.
    expect(await seen(hdr)).toEqual(['t101', 't102']);
  });

  it('publishes the signed heads to a journal reader and verify reports them', async () => {
    await t.deps.services.journal.signHead();
    const heads = await t.app.inject({ method: 'GET', url: '/api/journal/heads', headers: auditor });
    expect(heads.statusCode).toBe(200);
    expect(heads.json()).toMatchObject({ algorithm: 'Ed25519', heads: [{ seq: expect.any(Number) }] });
    expect(heads.json().publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const v = await t.app.inject({ method: 'POST', url: '/api/journal/verify', headers: auditor });
    expect(v.json()).toMatchObject({ ok: true, signedHeads: 1, unanchored: 0 });
    const analyst = await t.app.inject({ method: 'GET', url: '/api/journal/heads', headers: {} });
    expect(analyst.statusCode).toBe(401);
  });
});

describe('the SQLite files are private [sqlite]', () => {
  it('creates the database file and its WAL readable by the owner only (0600), and narrows an existing file', async () => {
    const { loadConfig } = await import('../../config.js');
    const { createDeps } = await import('../../app.js');
    const { statSync, chmodSync } = await import('node:fs');
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-perm-'));
    try {
      const file = path.join(dir, 'data', 'bulwark.db');
      const config = loadConfig({ BULWARK_DB: file, LOG_LEVEL: 'silent' });
      const deps = await createDeps(config);
      await inTx(deps.db, (trx) => deps.services.journal.append(trx, actor, { action: 'test.perm', entityType: 'thing' }));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dir, 'data', 'journal-signing.key')).mode & 0o777).toBe(0o600);
      await deps.handle.close();
      chmodSync(file, 0o644);
      loadConfig({ BULWARK_DB: file, LOG_LEVEL: 'silent' });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
