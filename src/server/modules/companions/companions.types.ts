/**
 * The declared type of the container's `CompanionService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { Readable } from 'node:stream';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { CompanionBatchDto as BatchDto, CompanionCandidateDto as CandidateDto } from './companions.schemas.js';
import type { RowProblem } from './companions.grid.js';
import type { ContactInput } from '../cases/index.js';

/** The CompanionService facade as the container holds it (what `createCompanions` returns). */
export interface CompanionService {
  /**
   * Imports pings from a CSV, read as a stream line by line (constant memory whatever the size).
   * Bad coordinates, times, subjects or unknown persons are reported per row (line numbers, the
   * first 200 rows; `rejected` counts them all). All or nothing by default: any bad row → 422
   * COMPANION_CSV_INVALID and nothing written; with `partial` the good rows are written and the bad
   * ones reported. Journaled as one batch entry whose digest covers every written row (digests of
   * 5,000-row chunks, so the journal never holds the file).
   */
  importPings(
    trx: Tx | undefined,
    actor: Actor,
    source: string | Readable,
    opts?: {
      partial?: boolean;
    },
  ): Promise<ImportResult>;
  /**
   * Finds companions of a case's person over a window: for each (cell, bucket) the person was in,
   * who else was there (indexed), runs of shared buckets ≥ minOverlapMinutes, summed per person;
   * those reaching minTotalMinutes become candidates with evidence in a new review batch.
   */
  detect(
    trx: DbOrTx | undefined,
    actor: Actor,
    input: {
      personId: string;
      caseId?: string | null;
    } & DetectParams,
  ): Promise<BatchDto>;
  getBatch(actor: Actor, id: string, db?: DbOrTx): Promise<BatchDto>;
  listBatches(
    actor: Actor,
    q?: {
      page?: number;
      pageSize?: number;
    },
    db?: DbOrTx,
  ): Promise<{
    items: BatchDto[];
    total: number;
  }>;
  /**
   * Accepts a candidate: it becomes a contact of the batch's case through the normal contact flow
   * (cases.tracing.addContact: category close unless chosen, exposure date and place from the
   * evidence, relation 时空伴随; a non-resident is registered when named; control status changes
   * there, with the contact as basis). A person already a contact of the case is linked, not added
   * twice. Accepting an accepted candidate returns it unchanged (no second contact). Journaled.
   */
  accept(trx: Tx | undefined, actor: Actor, batchId: string, candidateId: string, input?: AcceptInput): Promise<CandidateDto>;
  /** Rejects a candidate with a reason. Journaled; nobody's status changes. 409 once decided. */
  reject(trx: Tx | undefined, actor: Actor, batchId: string, candidateId: string, reason: string): Promise<CandidateDto>;
}

export interface ImportResult {
  importId: string;
  imported: number;
  /** Bad rows, all counted. */
  rejected: number;
  /** The first 200 bad rows, by line. */
  rows: RowProblem[];
}

/** Detection parameters; every one configurable per request (defaults: 14 days, ≥ 10 min overlaps, ≥ 30 h in total). */
export interface DetectParams {
  /** Window end (epoch ms); default now. */
  to?: number;
  /** Window length in days; default 14. */
  windowDays?: number;
  /** Shortest overlap that counts, minutes; default 10. */
  minOverlapMinutes?: number;
  /** Cumulative stay together needed to be a candidate, minutes; default 1800 (30 h). */
  minTotalMinutes?: number;
}

/** How an accepted candidate becomes a contact of the case (the normal contact flow). */
export interface AcceptInput {
  /** Default close (密接). */
  category?: 'close' | 'secondary';
  /** Only when the batch names no case. */
  caseId?: string | null;
  /** Phone-hash-only candidates: who they turned out to be (exactly one of the three). */
  personId?: string | null;
  newPerson?: ContactInput['newPerson'];
  outsideCity?: ContactInput['outsideCity'];
  note?: string | null;
}
