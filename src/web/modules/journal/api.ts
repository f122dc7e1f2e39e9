import type { JournalEntry, VerifyResult } from '../../../common/journal.js';
import { http } from '../../app/http.js';

export type { JournalEntry, VerifyResult };

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

export const journalApi = {
  list: (q: JournalQuery, signal?: AbortSignal) => http.get<{ items: JournalEntry[]; nextBefore: number | null }>('/api/journal', { ...q }, signal),
  verify: () => http.post<VerifyResult>('/api/journal/verify'),
};
