import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { DAY } from '../../platform/clock.js';
import { defineErrors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { bucketOf, overlapsOf, parsePingCsv, type Overlap, type RowProblem } from './companions.grid.js';
import * as repo from './companions.repository.js';
import type { CompanionBatchesTable, CompanionCandidatesTable, CompanionPingsTable } from './companions.table.js';

export const CompanionErrors = defineErrors({
  COMPANION_CSV_INVALID: [422, 'The ping file has bad rows; nothing was imported (see details.rows, or import with partial=true)'],
  COMPANION_CSV_HEADER: [422, 'The ping file header must name time, person_id or phone_hash, and lat+lng or cell_id'],
  COMPANION_PERSON_NOT_FOUND: [404, 'Person not found'],
  COMPANION_PARAMS_INVALID: [422, 'The detection window or thresholds are not valid'],
  COMPANION_BATCH_NOT_FOUND: [404, 'Companion review batch not found'],
  COMPANION_CANDIDATE_NOT_FOUND: [404, 'Candidate not found in this batch'],
  COMPANION_ALREADY_REVIEWED: [409, 'This candidate has already been reviewed'],
});

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

export interface CandidateDto {
  id: string;
  personId: string | null;
  /** `p:<person id>` or `h:<phone hash>`. */
  subjectKey: string;
  totalMinutes: number;
  overlapCount: number;
  evidence: Overlap[];
  /** Distinct cells of the evidence. */
  cells: string[];
  decision: 'accepted' | 'rejected' | null;
  decidedAt: number | null;
  note: string | null;
}

export interface BatchDto {
  id: string;
  personId: string;
  caseId: string | null;
  jurisdictionPath: string;
  params: Required<Omit<DetectParams, 'to'>> & { from: number; to: number };
  candidateCount: number;
  pendingCount: number;
  createdAt: number;
  candidates?: CandidateDto[];
}

function candidateDto(r: CompanionCandidatesTable): CandidateDto {
  const evidence = JSON.parse(r.evidence) as Overlap[];
  return {
    id: r.id,
    personId: r.person_id,
    subjectKey: r.subject_key,
    totalMinutes: Number(r.total_minutes),
    overlapCount: Number(r.overlap_count),
    evidence,
    cells: [...new Set(evidence.map((e) => e.cell))],
    decision: r.decision as CandidateDto['decision'],
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    note: r.note,
  };
}

function batchDto(r: CompanionBatchesTable, candidates?: CompanionCandidatesTable[]): BatchDto {
  return {
    id: r.id,
    personId: r.person_id,
    caseId: r.case_id,
    jurisdictionPath: r.jurisdiction_path,
    params: JSON.parse(r.params),
    candidateCount: Number(r.candidate_count),
    pendingCount: Number(r.pending_count),
    createdAt: Number(r.created_at),
    ...(candidates ? { candidates: candidates.map(candidateDto) } : {}),
  };
}

registerEntityScope('companion_batch', async (db, id) => {
  const r = await repo.findBatch(db, id);
  return r ? [r.jurisdiction_path] : undefined;
});

/**
 * Spatiotemporal companions (时空伴随): ping import, detection for a case's person (indexed lookups
 * per cell and bucket, never a cross-join) into a review batch with evidence, and the review. It
 * never changes anyone's control status: an accepted candidate is handed to contact tracing.
 */
export function createCompanionService(deps: Deps) {
  async function visibleBatch(db: DbOrTx, actor: Actor, id: string): Promise<CompanionBatchesTable> {
    const r = await repo.findBatch(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw CompanionErrors.COMPANION_BATCH_NOT_FOUND({ batchId: id });
    return r;
  }

  return {
    /**
     * Imports pings from CSV. Bad coordinates, times or unknown persons → a row report and nothing
     * written, unless `partial` (then the good rows are written and the bad ones reported).
     */
    async importPings(trx: DbOrTx | undefined, actor: Actor, csv: string, opts: { partial?: boolean } = {}): Promise<{ importId: string; imported: number; rejected: number; rows: RowProblem[] }> {
      const parsed = parsePingCsv(csv);
      if (parsed.headerError) throw CompanionErrors.COMPANION_CSV_HEADER({ reason: parsed.headerError });
      const problems = [...parsed.problems];
      const personIds = [...new Set(parsed.pings.map((p) => p.personId).filter((x): x is string => !!x))];
      const known = personIds.length ? await deps.services.population.pathsOf(personIds, trx ?? deps.db) : new Map<string, string>();
      const good = parsed.pings.filter((p) => {
        if (!p.personId || known.has(p.personId)) return true;
        problems.push({ line: p.line, errors: ['person_id does not exist'] });
        return false;
      });
      problems.sort((a, b) => a.line - b.line);
      if (problems.length && !opts.partial) throw CompanionErrors.COMPANION_CSV_INVALID({ rejected: problems.length, rows: problems.slice(0, 200) });
      return inTx(trx ?? deps.db, async (t) => {
        const importId = newId();
        const rows: CompanionPingsTable[] = good.map((p) => ({ id: newId(), subject_key: p.subjectKey, person_id: p.personId, cell: p.cell, bucket: bucketOf(p.at), at: p.at, import_id: importId }));
        await repo.insertPings(t, rows);
        await deps.services.journal.appendBatch(t, actor, {
          action: 'companions.pings.import',
          entityType: 'companion_import',
          entityId: importId,
          rows: rows.map((r) => [r.subject_key, r.cell, r.at]),
          summary: { imported: rows.length, rejected: problems.length, partial: !!opts.partial },
        });
        return { importId, imported: rows.length, rejected: problems.length, rows: problems.slice(0, 200) };
      });
    },

    /**
     * Finds companions of a case's person over a window: for each (cell, bucket) the person was in,
     * who else was there (indexed), runs of shared buckets ≥ minOverlapMinutes, summed per person;
     * those reaching minTotalMinutes become candidates with evidence in a new review batch.
     */
    async detect(trx: DbOrTx | undefined, actor: Actor, input: { personId: string; caseId?: string | null } & DetectParams): Promise<BatchDto> {
      const to = input.to ?? deps.clock.now();
      const windowDays = input.windowDays ?? 14;
      const minOverlapMinutes = input.minOverlapMinutes ?? 10;
      const minTotalMinutes = input.minTotalMinutes ?? 30 * 60;
      if (!(windowDays > 0 && windowDays <= 60 && minOverlapMinutes >= 1 && minTotalMinutes >= minOverlapMinutes)) throw CompanionErrors.COMPANION_PARAMS_INVALID({ windowDays, minOverlapMinutes, minTotalMinutes });
      const from = to - windowDays * DAY;
      return inTx(trx ?? deps.db, async (t) => {
        const path = (await deps.services.population.pathsOf([input.personId], t)).get(input.personId);
        if (!path || !inScope(actor, path)) throw CompanionErrors.COMPANION_PERSON_NOT_FOUND({ personId: input.personId });
        const subject = `p:${input.personId}`;
        const slots = await repo.slotsOfSubject(t, subject, bucketOf(from), bucketOf(to));
        const byCell = new Map<string, number[]>();
        for (const s of slots) {
          const l = byCell.get(s.cell) ?? [];
          l.push(Number(s.bucket));
          byCell.set(s.cell, l);
        }
        const shared = new Map<string, { personId: string | null; slots: { cell: string; bucket: number }[] }>();
        for (const [cell, buckets] of byCell) {
          for (let i = 0; i < buckets.length; i += 500) {
            for (const r of await repo.presentIn(t, cell, buckets.slice(i, i + 500), subject)) {
              const e = shared.get(r.subject_key) ?? { personId: r.person_id, slots: [] };
              e.slots.push({ cell, bucket: Number(r.bucket) });
              shared.set(r.subject_key, e);
            }
          }
        }
        const batchId = newId();
        const now = deps.clock.now();
        const candidates: CompanionCandidatesTable[] = [];
        for (const [key, e] of shared) {
          const overlaps = overlapsOf(e.slots, minOverlapMinutes);
          const total = overlaps.reduce((a, o) => a + o.minutes, 0);
          if (total < minTotalMinutes) continue;
          candidates.push({ id: newId(), batch_id: batchId, subject_key: key, person_id: e.personId, total_minutes: total, overlap_count: overlaps.length, evidence: JSON.stringify(overlaps), decision: null, decided_by: null, decided_at: null, note: null, contact_id: null });
        }
        const params = { from, to, windowDays, minOverlapMinutes, minTotalMinutes };
        const row: CompanionBatchesTable = { id: batchId, subject_key: subject, person_id: input.personId, case_id: input.caseId ?? null, jurisdiction_path: path, params: JSON.stringify(params), window_from: from, window_to: to, candidate_count: candidates.length, pending_count: candidates.length, created_by: actor.userId, created_at: now };
        await repo.insertBatch(t, row, candidates);
        await deps.services.journal.append(t, actor, {
          action: 'companions.batch.create',
          entityType: 'companion_batch',
          entityId: batchId,
          jurisdictionPath: path,
          payload: { personId: input.personId, caseId: input.caseId ?? null, params, caseSlots: slots.length, candidates: candidates.length },
        });
        return batchDto(row, await repo.listCandidates(t, batchId));
      });
    },

    async getBatch(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<BatchDto> {
      const b = await visibleBatch(db, actor, id);
      return batchDto(b, await repo.listCandidates(db, id));
    },

    async listBatches(actor: Actor, q: { page?: number; pageSize?: number } = {}, db: DbOrTx = deps.db): Promise<{ items: BatchDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listBatches(db, scopePrefix(actor), pageSize, ((q.page ?? 1) - 1) * pageSize);
      return { items: r.rows.map((x) => batchDto(x)), total: r.total };
    },

    /** Accepts (hand to contact tracing) or rejects a candidate. Journaled; never changes a control status. */
    async review(trx: DbOrTx | undefined, actor: Actor, batchId: string, candidateId: string, input: { decision: 'accepted' | 'rejected'; note?: string | null }): Promise<CandidateDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const b = await visibleBatch(t, actor, batchId);
        const c = await repo.findCandidate(t, batchId, candidateId);
        if (!c) throw CompanionErrors.COMPANION_CANDIDATE_NOT_FOUND({ candidateId });
        if (!(await repo.decideCandidate(t, candidateId, { decision: input.decision, decided_by: actor.userId, decided_at: deps.clock.now(), note: input.note?.trim() || null }))) {
          throw CompanionErrors.COMPANION_ALREADY_REVIEWED({ candidateId, decision: c.decision });
        }
        await repo.bumpPending(t, batchId, -1);
        await deps.services.journal.append(t, actor, {
          action: 'companions.candidate.review',
          entityType: 'companion_batch',
          entityId: batchId,
          jurisdictionPath: b.jurisdiction_path,
          payload: { candidateId, personId: c.person_id, decision: input.decision, totalMinutes: Number(c.total_minutes) },
          reason: input.note?.trim() || null,
        });
        return candidateDto((await repo.findCandidate(t, batchId, candidateId))!);
      });
    },
  };
}

export type CompanionService = ReturnType<typeof createCompanionService>;
