import { http } from '../../app/http.js';

/** One journal entry (hash-chained). */
export interface JournalEntry {
  seq: number;
  at: number;
  actorId: string | null;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string | null;
  jurisdictionPath: string | null;
  payload: unknown;
  reason: string | null;
  batchCount: number | null;
  batchDigest: string | null;
  hash: string;
}

export interface JournalQuery {
  entityType?: string;
  action?: string;
  actorId?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** Entries with seq below this (the next page). */
  before?: number;
  limit?: number;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  head?: string;
  brokenSeq?: number;
  problem?: string;
}

export const journalApi = {
  list: (q: JournalQuery, signal?: AbortSignal) => http.get<{ items: JournalEntry[]; nextBefore: number | null }>('/api/journal', { ...q }, signal),
  verify: () => http.post<VerifyResult>('/api/journal/verify'),
};
