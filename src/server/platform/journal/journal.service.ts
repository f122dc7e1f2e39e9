import type { Clock } from '../clock.js';
import type { Actor } from '../actor.js';
import { canonicalJson, sha256 } from '../canonical.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { JournalTable } from '../platform.table.js';
import * as repo from './journal.repository.js';
import type { JournalEntry, VerifyResult } from '../../../common/journal.js';

export type { JournalEntry, VerifyResult };

/** One change to record. Payloads must never carry plaintext ID or phone numbers. */
export interface JournalInput {
  /** Dotted action name, `<module>.<entity>.<verb>`, e.g. `control.status.change`. */
  action: string;
  entityType: string;
  entityId?: string | null;
  jurisdictionPath?: string | null;
  /** What changed (before/after, basis…). */
  payload?: unknown;
  reason?: string | null;
}

/** A batch of high-volume rows (scans, imported rows, pings) recorded as one entry with a digest. */
export interface JournalBatchInput extends Omit<JournalInput, 'payload'> {
  /** The rows written, in the order written; only their digest and count are kept. */
  rows: readonly unknown[];
  /** Small summary kept in the payload (counts, file name…). */
  summary?: unknown;
}

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
      }),
  );
}

export function createJournalService(deps: { db: DbOrTx; clock: Clock }) {
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
    };
    const row: JournalTable = { ...base, prev_hash: prevHash, hash: hashOf(prevHash, base) };
    await repo.insertEntry(trx, row);
    return toEntry(row);
  }

  return {
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

    /** Checks the whole chain; names the first entry whose hash or link does not hold. */
    async verify(db: DbOrTx = deps.db, onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
      const total = await repo.countEntries(db);
      let prev = '0'.repeat(64);
      let expectSeq = 1;
      let n = 0;
      const unrepresentable: number[] = [];
      for await (const page of repo.iterateAll(db)) {
        for (const r of page) {
          const seq = Number(r.seq);
          if (seq !== expectSeq) return { ok: false, entries: n, brokenSeq: expectSeq, problem: `entry ${expectSeq} is missing (next present is ${seq})` };
          if (r.prev_hash !== prev) return { ok: false, entries: n, brokenSeq: seq, problem: `entry ${seq} does not link to the hash of entry ${seq - 1}` };
          if (hashOf(prev, r) !== r.hash) {
            const why = unrepresentableText(prev, r);
            if (why === 'none') return { ok: false, entries: n, brokenSeq: seq, problem: `entry ${seq} was altered: its content does not match its hash` };
            if (why === 'undecidable') return { ok: false, entries: n, brokenSeq: seq, problem: `entry ${seq} holds several characters that could not be stored as written (U+FFFD); it cannot be checked, which is not proof it was altered` };
            unrepresentable.push(seq);
          }
          prev = r.hash;
          expectSeq++;
          n++;
        }
        onProgress?.(n, total);
      }
      if (n !== total) return { ok: false, entries: n, brokenSeq: n + 1, problem: `the head says ${total} entries but ${n} are present` };
      return { ok: true, entries: n, head: prev, ...(unrepresentable.length ? { unrepresentable } : {}) };
    },

    count: (db: DbOrTx = deps.db) => repo.countEntries(db),

    /** Entries about records in a jurisdiction subtree; the whole journal for a city-wide scope. */
    countInScope: (scopePath: string, db: DbOrTx = deps.db) => (scopePath === '/' ? repo.countEntries(db) : repo.countUnder(db, scopePath)),
  };
}

export type JournalService = ReturnType<typeof createJournalService>;

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
  const { f, at, len } = spots[0];
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
