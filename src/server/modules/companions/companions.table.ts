import type { ColumnsOf } from '../../db/columns.js';

/** A candidate's review decision (null: pending). */
export type CandidateDecision = 'accepted' | 'rejected';

/** One location ping, placed in an 800 m grid cell (or a given cell id) and a 10-minute bucket. */
export interface CompanionPingsTable {
  id: string;
  /** `p:<person id>` or `h:<phone hash>`: who the ping belongs to. */
  subject_key: string;
  person_id: string | null;
  cell: string;
  /** floor(epoch ms / 10 min). */
  bucket: number;
  at: number;
  import_id: string;
}

/** A detection run for one case's person: the review batch (its candidates are reviewed one by one). */
export interface CompanionBatchesTable {
  id: string;
  subject_key: string;
  person_id: string;
  case_id: string | null;
  /** The case person's jurisdiction path (scoping). */
  jurisdiction_path: string;
  /** JSON of the detection parameters used. */
  params: string;
  window_from: number;
  window_to: number;
  candidate_count: number;
  pending_count: number;
  created_by: string | null;
  created_at: number;
}

/** A candidate companion with evidence. Decision: null (pending) · accepted · rejected. Never changes a status itself. */
export interface CompanionCandidatesTable {
  id: string;
  batch_id: string;
  subject_key: string;
  person_id: string | null;
  total_minutes: number;
  overlap_count: number;
  /** JSON [{ cell, from, to, minutes }]: each overlap of at least the minimum length. */
  evidence: string;
  decision: CandidateDecision | null;
  decided_by: string | null;
  decided_at: number | null;
  /** Accepted note, or the reason of a rejection. */
  note: string | null;
  /** The case contact an accepted candidate became (or was linked to, when already a contact). */
  contact_id: string | null;
}

export interface CompanionTables {
  companion_pings: CompanionPingsTable;
  companion_batches: CompanionBatchesTable;
  companion_candidates: CompanionCandidatesTable;
}

export const companionColumns: ColumnsOf<CompanionTables> = {
  companion_pings: { id: 1, subject_key: 1, person_id: 1, cell: 1, bucket: 1, at: 1, import_id: 1 },
  companion_batches: {
    id: 1,
    subject_key: 1,
    person_id: 1,
    case_id: 1,
    jurisdiction_path: 1,
    params: 1,
    window_from: 1,
    window_to: 1,
    candidate_count: 1,
    pending_count: 1,
    created_by: 1,
    created_at: 1,
  },
  companion_candidates: {
    id: 1,
    batch_id: 1,
    subject_key: 1,
    person_id: 1,
    total_minutes: 1,
    overlap_count: 1,
    evidence: 1,
    decision: 1,
    decided_by: 1,
    decided_at: 1,
    note: 1,
    contact_id: 1,
  },
};
