/**
 * The declared type of the container's `JournalService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { Actor } from '../actor.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type * as repo from './journal.repository.js';
import type { JournalEntry, PublishedHeads, VerifyResult } from '../../../common/journal.js';
import type { SignedHead } from './heads.js';

/** The JournalService facade as the container holds it (what `createJournalService` returns). */
export interface JournalService {
  /** Appends one entry inside the caller's transaction (the same one as the change). */
  append(trx: Tx, actor: Actor, e: JournalInput): Promise<JournalEntry>;
  /** Appends one entry for a whole batch of rows, keeping their count and a SHA-256 digest. */
  appendBatch(trx: Tx, actor: Actor, e: JournalBatchInput): Promise<JournalEntry>;
  /** Lists entries newest first, filtered; `pathPrefix` limits to a jurisdiction subtree. */
  list(db: DbOrTx, filter: repo.JournalFilter): Promise<JournalEntry[]>;
  /**
   * Checks the whole chain and names the first entry whose hash or link does not hold; then that
   * every published head (the heads file outside the database, and the copies in `journal_heads`)
   * carries a valid signature of our key and matches the chain at its sequence. An edited chain
   * whose hashes were all recomputed passes the first walk but not the second: the heads signed
   * before the edit name hashes the rewritten chain no longer has.
   */
  verify(db?: DbOrTx, onProgress?: (done: number, total: number) => void): Promise<VerifyResult>;
  /**
   * Signs the chain's current head (when it moved since the last signature): appends it to the
   * heads file, then records it in `journal_heads`. Returns the new head, or undefined when
   * there was nothing new to sign.
   */
  signHead(db?: DbOrTx): Promise<SignedHead | undefined>;
  /** Signed heads after `after`, oldest first, with the public key an auditor checks them with. */
  heads(after?: number, limit?: number, db?: DbOrTx): Promise<PublishedHeads>;
  count: (db?: DbOrTx) => Promise<number>;
  /** Registers the signing job: the head is signed every minute by whichever process runs it. */
  registerSigning(jobs: { registerRecurring(kind: string, everyMs: number, handler: (trx: Tx) => Promise<void>): void }): void;
  /** Entries about records in a jurisdiction subtree; the whole journal for a city-wide scope. */
  countInScope: (scopePath: string, db?: DbOrTx) => Promise<number>;
}

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
