/**
 * The journal's response shapes (hash-chained, append-only), shared by the server and the web.
 */

/** One journal entry as the API returns it. */
export interface JournalEntry {
  seq: number;
  /** Domain time, epoch ms (a demo or drill may move it). */
  at: number;
  /** Real (wall-clock) time when written, epoch ms; null for entries older than this field. */
  wallAt: number | null;
  actorId: string | null;
  actorName: string;
  /** Dotted action name, `<module>.<entity>.<verb>`. */
  action: string;
  entityType: string;
  entityId: string | null;
  jurisdictionPath: string | null;
  payload: unknown;
  reason: string | null;
  /** For a batch entry: how many rows its digest covers. */
  batchCount: number | null;
  batchDigest: string | null;
  hash: string;
}

/** The answer of a chain walk: the head hash when intact, or the first broken entry. */
export type VerifyResult =
  | {
      ok: true;
      entries: number;
      head: string;
      /**
       * Entries whose text held a lone UTF-16 surrogate (accepted before the edge refused them):
       * stored as U+FFFD, so they hash only with the surrogate put back — unrepresentable, not altered.
       */
      unrepresentable?: number[];
      /** Published heads (file and database) whose signatures and hashes were checked. */
      signedHeads: number;
      /** The last entry a signed head vouches for (0: none yet). */
      anchoredSeq: number;
      /** Entries after it, not yet covered by a signature. */
      unanchored: number;
      keyId: string | null;
    }
  | { ok: false; entries: number; brokenSeq: number; problem: string };

/** A signed journal head as published (GET /api/journal/heads and the heads file). */
export interface PublishedHead {
  seq: number;
  hash: string;
  /** Wall-clock epoch ms. */
  signedAt: number;
  keyId: string;
  /** Base64 Ed25519 signature over the RFC 8785 (JCS) JSON of { hash, keyId, seq, signedAt }. */
  signature: string;
}

export interface PublishedHeads {
  algorithm: 'Ed25519';
  canonicalization: string;
  keyId: string | null;
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: string | null;
  heads: PublishedHead[];
}
