import type { Clock } from '../clock.js';
import type { Actor } from '../actor.js';
import { canonicalJson, sha256 } from '../canonical.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { JournalTable } from '../platform.table.js';
import * as repo from './journal.repository.js';
import type { JournalEntry, PublishedHeads, VerifyResult } from '../../../common/journal.js';
import { appendHeadFile, createHeadSigner, readHeadFile, type SignedHead } from './heads.js';
import { firstItem, lastItem } from '../items.js';
import type { JournalService } from './journal.types.js';
import type { JournalInput, JournalBatchInput } from './journal.types.js';

/** The recurring job that signs the journal head (every minute, one process at a time). */
export const JOURNAL_SIGN_JOB = 'journal.sign-head';
export const JOURNAL_SIGN_EVERY_MS = 60_000;

/** The content a hash covers: everything but the hashes themselves. */
function hashOf(prevHash: string, r: Omit<JournalTable, 'hash' | 'prev_hash'>): string {
  return sha256(
    prevHash +
      '\n' +
      canonicalJson({
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
        // Entries written before wall_at existed hash without it, so old chains still verify.
        wall_at: r.wall_at === null || r.wall_at === undefined ? undefined : Number(r.wall_at),
      }),
  );
}

export interface JournalDeps {
  db: DbOrTx;
  /** Domain time (`at`): a demo or drill may move it. */
  clock: Clock;
  /** Real time (`wall_at`), never moved. */
  wallClock?: Clock;
  config?: { journalKey: Buffer; journalHeadsFile: string | null };
}

export function createJournalService(deps: JournalDeps): JournalService {
  const wallClock = deps.wallClock ?? { now: () => Date.now() };
  const signer = deps.config && deps.config.journalKey.length > 0 ? createHeadSigner(deps.config.journalKey) : undefined;
  const headsFile = deps.config?.journalHeadsFile ?? null;

  async function write(trx: Tx, actor: Actor, e: JournalInput, batch?: { count: number; digest: string }): Promise<JournalEntry> {
    const { seq, prevHash } = await repo.claimNextSeq(trx);
    const base = {
      seq,
      at: deps.clock.now(),
      actor_id: actor.userId,
      actor_name: actor.name,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId ?? null,
      jurisdiction_path: e.jurisdictionPath ?? null,
      payload: canonicalJson(e.payload ?? {}),
      reason: e.reason ?? null,
      batch_count: batch?.count ?? null,
      batch_digest: batch?.digest ?? null,
      wall_at: wallClock.now(),
    };
    const row: JournalTable = { ...base, prev_hash: prevHash, hash: hashOf(prevHash, base) };
    await repo.insertEntry(trx, row);
    return toEntry(row);
  }

  /**
   * Every published head, from the file and the database, each signature checked. A head in the
   * file that the database lost, or two heads disagreeing about one sequence, are problems too.
   */
  async function publishedHeads(db: DbOrTx): Promise<{ bySeq: Map<number, string>; problem?: { seq: number; text: string } }> {
    const bySeq = new Map<number, string>();
    const all: { h: SignedHead; where: string }[] = [];
    if (headsFile) {
      const file = readHeadFile(headsFile);
      if (file.badLines.length > 0)
        return { bySeq, problem: { seq: 0, text: `the heads file ${headsFile} has unreadable lines: ${file.badLines.slice(0, 5).join(', ')}` } };
      for (const h of file.heads) all.push({ h, where: 'the heads file' });
    }
    for (let after = 0; ;) {
      const page = await repo.listSignedHeads(db, after, 5000);
      for (const r of page)
        all.push({ h: { seq: Number(r.seq), hash: r.hash, signedAt: Number(r.signed_at), keyId: r.key_id, signature: r.signature }, where: 'the database' });
      if (page.length < 5000) break;
      after = Number(lastItem(page, 'a signed head').seq);
    }
    if (all.length > 0 && !signer)
      return { bySeq, problem: { seq: firstItem(all, 'a signed head').h.seq, text: 'signed heads exist but no journal key is configured to check them' } };
    for (const { h, where } of all) {
      if (!signer!.check(h))
        return { bySeq, problem: { seq: h.seq, text: `the head signed for entry ${h.seq} in ${where} has no valid signature of key ${signer!.keyId}` } };
      const seen = bySeq.get(h.seq);
      if (seen !== undefined && seen !== h.hash) return { bySeq, problem: { seq: h.seq, text: `two validly signed heads disagree about entry ${h.seq}` } };
      bySeq.set(h.seq, h.hash);
    }
    return { bySeq };
  }

  const service = {
    /** Appends one entry inside the caller's transaction (the same one as the change). */
    append(trx: Tx, actor: Actor, e: JournalInput): Promise<JournalEntry> {
      return write(trx, actor, e);
    },

    /** Appends one entry for a whole batch of rows, keeping their count and a SHA-256 digest. */
    appendBatch(trx: Tx, actor: Actor, e: JournalBatchInput): Promise<JournalEntry> {
      const digest = batchDigest(e.rows);
      return write(trx, actor, { ...e, payload: e.summary ?? {} }, { count: e.rows.length, digest });
    },

    /** Lists entries newest first, filtered; `pathPrefix` limits to a jurisdiction subtree. */
    async list(db: DbOrTx, filter: repo.JournalFilter): Promise<JournalEntry[]> {
      return (await repo.listEntries(db, filter)).map(toEntry);
    },

    /**
     * Checks the whole chain and names the first entry whose hash or link does not hold; then that
     * every published head (the heads file outside the database, and the copies in `journal_heads`)
     * carries a valid signature of our key and matches the chain at its sequence. An edited chain
     * whose hashes were all recomputed passes the first walk but not the second: the heads signed
     * before the edit name hashes the rewritten chain no longer has.
     */
    async verify(db: DbOrTx = deps.db, onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
      const published = await publishedHeads(db);
      if (published.problem) return { ok: false, entries: 0, brokenSeq: published.problem.seq, problem: published.problem.text };
      const anchors = published.bySeq;
      const total = await repo.countEntries(db);
      let prev = '0'.repeat(64);
      let expectSeq = 1;
      let n = 0;
      const unrepresentable: number[] = [];
      let anchoredSeq = 0;
      let rewrittenAt: number | undefined;
      for await (const page of repo.iterateAll(db)) {
        for (const r of page) {
          const seq = Number(r.seq);
          if (seq !== expectSeq) return { ok: false, entries: n, brokenSeq: expectSeq, problem: `entry ${expectSeq} is missing (next present is ${seq})` };
          if (r.prev_hash !== prev) return { ok: false, entries: n, brokenSeq: seq, problem: `entry ${seq} does not link to the hash of entry ${seq - 1}` };
          if (hashOf(prev, r) !== r.hash) {
            const why = unrepresentableText(prev, r);
            if (why === 'none') return { ok: false, entries: n, brokenSeq: seq, problem: `entry ${seq} was altered: its content does not match its hash` };
            if (why === 'undecidable')
              return {
                ok: false,
                entries: n,
                brokenSeq: seq,
                problem: `entry ${seq} holds several characters that could not be stored as written (U+FFFD); it cannot be checked, which is not proof it was altered`,
              };
            unrepresentable.push(seq);
          }
          const anchor = anchors.get(seq);
          if (anchor !== undefined) {
            if (anchor !== r.hash) {
              rewrittenAt ??= seq;
            } else if (rewrittenAt === undefined) anchoredSeq = seq;
          }
          prev = r.hash;
          expectSeq++;
          n++;
        }
        onProgress?.(n, total);
      }
      if (rewrittenAt !== undefined) {
        return {
          ok: false,
          entries: n,
          brokenSeq: rewrittenAt,
          problem: `the chain was rewritten at or before entry ${rewrittenAt}: its hash differs from the head signed for it (anchored intact through entry ${anchoredSeq})`,
        };
      }
      const beyond = [...anchors.keys()].filter((s) => s > n);
      if (beyond.length > 0)
        return {
          ok: false,
          entries: n,
          brokenSeq: n + 1,
          problem: `a head was signed for entry ${Math.max(...beyond)} but the chain ends at entry ${n}: entries were removed`,
        };
      if (n !== total) return { ok: false, entries: n, brokenSeq: n + 1, problem: `the head says ${total} entries but ${n} are present` };
      return {
        ok: true,
        entries: n,
        head: prev,
        signedHeads: anchors.size,
        anchoredSeq,
        unanchored: n - anchoredSeq,
        keyId: signer?.keyId ?? null,
        ...(unrepresentable.length ? { unrepresentable } : {}),
      };
    },

    /**
     * Signs the chain's current head (when it moved since the last signature): appends it to the
     * heads file, then records it in `journal_heads`. Returns the new head, or undefined when
     * there was nothing new to sign.
     */
    async signHead(db: DbOrTx = deps.db): Promise<SignedHead | undefined> {
      if (!signer) return undefined;
      const head = await repo.readHead(db);
      if (head.seq === 0) return undefined;
      const last = await repo.lastSignedHead(db);
      if (last && Number(last.seq) >= head.seq) return undefined;
      const signed = signer.sign({ seq: head.seq, hash: head.hash, signedAt: wallClock.now() });
      // The file first: the head is already committed, so the line is true even if the insert fails.
      if (headsFile) appendHeadFile(headsFile, signed);
      await repo.insertSignedHead(db, { seq: signed.seq, hash: signed.hash, signed_at: signed.signedAt, key_id: signed.keyId, signature: signed.signature });
      return signed;
    },

    /** Signed heads after `after`, oldest first, with the public key an auditor checks them with. */
    async heads(after = 0, limit = 500, db: DbOrTx = deps.db): Promise<PublishedHeads> {
      const rows = await repo.listSignedHeads(db, after, limit);
      return {
        algorithm: 'Ed25519',
        canonicalization: 'RFC 8785 (JCS) of { hash, keyId, seq, signedAt }',
        keyId: signer?.keyId ?? null,
        publicKey: signer?.publicKey ?? null,
        heads: rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, signedAt: Number(r.signed_at), keyId: r.key_id, signature: r.signature })),
      };
    },

    count: (db: DbOrTx = deps.db) => repo.countEntries(db),

    /** Registers the signing job: the head is signed every minute by whichever process runs it. */
    registerSigning(jobs: { registerRecurring(kind: string, everyMs: number, handler: (trx: Tx) => Promise<void>): void }): void {
      jobs.registerRecurring(JOURNAL_SIGN_JOB, JOURNAL_SIGN_EVERY_MS, async (trx) => {
        await service.signHead(trx);
      });
    },

    /** Entries about records in a jurisdiction subtree; the whole journal for a city-wide scope. */
    countInScope: (scopePath: string, db: DbOrTx = deps.db) => (scopePath === '/' ? repo.countEntries(db) : repo.countUnder(db, scopePath)),
  };
  return service;
}

/** Text columns stored as written (the payload is JSON, whose escapes keep any string intact). */
const TEXT_FIELDS = ['actor_name', 'action', 'entity_type', 'entity_id', 'jurisdiction_path', 'reason'] as const;

/**
 * Tells unrepresentable text from tampering. A lone UTF-16 surrogate (accepted before the edge check
 * in platform/http/text-guard.ts refused it) was hashed as written but stored as U+FFFD, because
 * neither database can hold it. With one such character the entry is re-hashed with each of the
 * 2,048 surrogates in its place: `restored` when one matches (the entry is genuine), `none` when no
 * field holds U+FFFD or nothing matches (altered), `undecidable` with more than one.
 */
function unrepresentableText(prevHash: string, r: JournalTable): 'restored' | 'none' | 'undecidable' {
  // PostgreSQL keeps one U+FFFD; SQLite keeps the surrogate's three WTF-8 bytes, read back as three.
  const spots = TEXT_FIELDS.flatMap((f) => [...(r[f] ?? '').matchAll(/\ufffd{3}|\ufffd/g)].map((m) => ({ f, at: m.index, len: m[0].length })));
  if (spots.length === 0) return 'none';
  if (spots.length > 1) return 'undecidable';
  const { f, at, len } = firstItem(spots, 'the one unrepresentable spot');
  const text = r[f]!;
  for (let c = 0xd800; c <= 0xdfff; c++) {
    const candidate = { ...r, [f]: text.slice(0, at) + String.fromCharCode(c) + text.slice(at + len) };
    if (hashOf(prevHash, candidate) === r.hash) return 'restored';
  }
  return 'none';
}

/** SHA-256 over the canonical JSON of each row, one per line. */
export function batchDigest(rows: readonly unknown[]): string {
  return sha256(rows.map((r) => canonicalJson(r)).join('\n'));
}

function toEntry(r: JournalTable): JournalEntry {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    wallAt: r.wall_at === null ? null : Number(r.wall_at),
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    jurisdictionPath: r.jurisdiction_path,
    payload: JSON.parse(r.payload),
    reason: r.reason,
    batchCount: r.batch_count === null ? null : Number(r.batch_count),
    batchDigest: r.batch_digest,
    hash: r.hash,
  };
}
