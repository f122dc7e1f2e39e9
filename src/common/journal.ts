/**
 * The journal's response shapes (hash-chained, append-only), shared by the server and the web.
 */

/** One journal entry as the API returns it. */
export interface JournalEntry {
  seq: number;
  /** Epoch ms. */
  at: number;
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
    }
  | { ok: false; entries: number; brokenSeq: number; problem: string };
