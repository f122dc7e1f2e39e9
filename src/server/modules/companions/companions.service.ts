import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import type { CaseDto, ContactDto } from '../../../common/cases.js';
import type { Deps } from '../../deps.js';
import { inTx, type Db, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { parseCsvStream } from '../../platform/csv.js';
import { calendarDay, clockTime, DAY, type Clock } from '../../platform/clock.js';
import { defineErrors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { bucketOf, overlapsOf, parsePingRow, pingHeader, type Overlap, type ParsedPing, type PingColumns, type RowProblem } from './companions.grid.js';
import { batchDigest } from '../../platform/journal/journal.service.js';
import type { JournalService } from '../../platform/journal/journal.types.js';
import type { OutboxService } from '../../platform/outbox/outbox.types.js';
import * as repo from './companions.repository.js';
import type { CompanionBatchesTable, CompanionCandidatesTable, CompanionPingsTable } from './companions.table.js';
import type { ContactInput } from '../cases/index.js';
import type { CompanionPort } from './companions.port.js';

export const CompanionErrors = defineErrors({
  COMPANION_CSV_INVALID: [422, 'The ping file has bad rows; nothing was imported (see details.rows, or import with mode=partial)'],
  COMPANION_CSV_HEADER: [422, 'The ping file header must name time, person_id or phone_hash, and lat+lng or cell_id'],
  COMPANION_PERSON_NOT_FOUND: [404, 'Person not found'],
  COMPANION_PARAMS_INVALID: [422, 'The detection window or thresholds are not valid'],
  COMPANION_BATCH_NOT_FOUND: [404, 'Companion review batch not found'],
  COMPANION_CANDIDATE_NOT_FOUND: [404, 'Candidate not found in this batch'],
  COMPANION_ALREADY_REVIEWED: [409, 'This candidate has already been reviewed'],
  COMPANION_CASE_REQUIRED: [422, 'This batch names no case: give the caseId the companion becomes a contact of'],
  COMPANION_CASE_MISMATCH: [422, "The case is not the batch's person's case"],
  COMPANION_SUBJECT_UNIDENTIFIED: [422, 'A phone-hash-only candidate must be identified first: give personId, newPerson or outsideCity'],
  COMPANION_SUBJECT_CONFLICT: [422, 'This candidate is already a known person; do not name another one'],
  COMPANION_REASON_REQUIRED: [422, 'A rejection needs a reason'],
});

/** Pings validated and written per step of an import. */
const IMPORT_CHUNK = 5000;
/** Bad rows listed in a report (all are counted). */
const REPORT_ROWS = 200;

/** Relation recorded on a contact that came from a companion candidate. */
export const COMPANION_RELATION = '时空伴随';

/** A byte (or text) stream as UTF-8 text, a character split across chunks kept whole. */
async function* utf8Text(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of input as AsyncIterable<Buffer | string>) yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
  const rest = decoder.end();
  if (rest) yield rest;
}

/** Response shapes: the zod schemas' inferred types (companions.schemas.ts). */
import type { CompanionBatchDto as BatchDto, CompanionCandidateDto as CandidateDto } from './companions.schemas.js';
import type { CompanionService } from './companions.types.js';
import type { ImportResult, DetectParams, AcceptInput } from './companions.types.js';

function candidateDto(r: CompanionCandidatesTable): CandidateDto {
  const evidence = repo.readJson.evidence(r);
  return {
    id: r.id,
    personId: r.person_id,
    subjectKey: r.subject_key,
    totalMinutes: Number(r.total_minutes),
    overlapCount: Number(r.overlap_count),
    evidence,
    cells: [...new Set(evidence.map((e) => e.cell))],
    decision: r.decision,
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    note: r.note,
    contactId: r.contact_id,
  } satisfies CandidateDto;
}

function batchDto(r: CompanionBatchesTable, candidates?: CompanionCandidatesTable[]): BatchDto {
  return {
    id: r.id,
    personId: r.person_id,
    caseId: r.case_id,
    jurisdictionPath: r.jurisdiction_path,
    params: repo.readJson.params(r),
    candidateCount: Number(r.candidate_count),
    pendingCount: Number(r.pending_count),
    createdAt: Number(r.created_at),
    ...(candidates ? { candidates: candidates.map(candidateDto) } : {}),
  } satisfies BatchDto;
}

/**
 * Exposure date and place of a contact from a candidate's evidence: the last overlap that began on
 * or before the case's report date (the latest exposure counts for quarantine; later ones cannot be
 * an exposure to this case), else the first one (which the contact flow then refuses as too late).
 */
export function exposureFromEvidence(evidence: Overlap[], reportDate: string, tz: string): { exposureDate: string; exposurePlace: string } {
  const sorted = [...evidence].sort((a, b) => a.from - b.from);
  const usable = sorted.filter((o) => calendarDay(o.from, tz) <= reportDate);
  const last = usable[usable.length - 1] ?? sorted[0]!;
  const cells = [...new Set(evidence.map((o) => o.cell))];
  const total = evidence.reduce((a, o) => a + o.minutes, 0);
  const exposurePlace = `${COMPANION_RELATION} ${last.cell} ${calendarDay(last.from, tz)} ${clockTime(last.from, tz)}–${clockTime(last.to, tz)} (${last.minutes} min); ${evidence.length} overlaps, ${total} min in ${cells.length} cell(s)`;
  return { exposureDate: calendarDay(last.from, tz), exposurePlace: exposurePlace.slice(0, 500) };
}

/** The entity scope of a review batch: its case person's jurisdiction. Registered by the facade (not at file load). */
export function registerCompanionScopes(register: typeof registerEntityScope = registerEntityScope): void {
  register('companion_batch', async (db, id) => {
    const r = await repo.findBatch(db, id);
    return r ? [r.jurisdiction_path] : undefined;
  });
}

/** Everything the companions module takes from outside, as narrow functions (no container). */
export interface CompanionInputs {
  db: Db;
  clock: Clock;
  /** BULWARK_TZ: the calendar day of an exposure. */
  tz: string;
  journal: Pick<JournalService, 'append' | 'appendBatch'>;
  outbox: Pick<OutboxService, 'publish'>;
  /** Population: the jurisdiction path of each existing person. */
  personPaths: (personIds: readonly string[], db?: DbOrTx) => Promise<Map<string, string>>;
  /** Cases: one case in the actor's scope (404 otherwise). */
  caseOf: (actor: Actor, caseId: string, db?: DbOrTx) => Promise<Pick<CaseDto, 'personId' | 'reportDate'>>;
  /** Tracing: a case's contacts, and the normal contact flow an accepted candidate goes through. */
  contactsOfCase: (actor: Actor, caseId: string, db?: DbOrTx) => Promise<ContactDto[]>;
  addContact: (trx: Tx | undefined, actor: Actor, caseId: string, input: ContactInput) => Promise<ContactDto>;
}

/** The narrow inputs wired from the container (lazily: cases is looked up at call time). */
export function companionInputs(deps: Deps): CompanionInputs {
  const s = deps.services;
  return {
    db: deps.db,
    clock: deps.clock,
    tz: deps.config.tz,
    journal: s.journal,
    outbox: s.outbox,
    personPaths: (ids, db) => s.population.pathsOf(ids, db),
    caseOf: (actor, caseId, db) => s.cases.cases.get(actor, caseId, db),
    contactsOfCase: (actor, caseId, db) => s.cases.tracing.contactsOfCase(actor, caseId, db),
    addContact: (trx, actor, caseId, input) => s.cases.tracing.addContact(trx, actor, caseId, input),
  };
}

/** The service as the container builds it: registers the entity scope, then the companions from narrow inputs. */
export function createCompanionService(deps: Deps): CompanionService {
  registerCompanionScopes();
  return createCompanions(companionInputs(deps)) satisfies CompanionPort;
}

/**
 * Spatiotemporal companions (时空伴随): ping import, detection for a case's person (indexed lookups
 * per cell and bucket, never a cross-join) into a review batch with evidence, and the review. It
 * never changes anyone's control status: an accepted candidate is handed to contact tracing.
 */
export function createCompanions(deps: CompanionInputs): CompanionService {
  async function visibleBatch(db: DbOrTx, actor: Actor, id: string): Promise<CompanionBatchesTable> {
    const r = await repo.findBatch(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw CompanionErrors.COMPANION_BATCH_NOT_FOUND({ batchId: id });
    return r;
  }

  return {
    /**
     * Imports pings from a CSV, read as a stream line by line (constant memory whatever the size).
     * Bad coordinates, times, subjects or unknown persons are reported per row (line numbers, the
     * first 200 rows; `rejected` counts them all). All or nothing by default: any bad row → 422
     * COMPANION_CSV_INVALID and nothing written; with `partial` the good rows are written and the bad
     * ones reported. Journaled as one batch entry whose digest covers every written row (digests of
     * 5,000-row chunks, so the journal never holds the file).
     */
    async importPings(trx: Tx | undefined, actor: Actor, source: string | Readable, opts: { partial?: boolean } = {}): Promise<ImportResult> {
      const input = typeof source === 'string' ? Readable.from([source]) : source;
      return inTx(trx ?? deps.db, async (t) => {
        const importId = newId();
        const now = deps.clock.now();
        const problems: RowProblem[] = [];
        let rejected = 0;
        let imported = 0;
        const chunkDigests: string[] = [];
        let pending: (ParsedPing & { line: number })[] = [];
        let cols: PingColumns | undefined;
        const bad = (line: number, errors: string[]) => {
          rejected++;
          if (problems.length < REPORT_ROWS) problems.push({ line, errors });
        };
        const flush = async () => {
          const chunk = pending;
          pending = [];
          const ids = [...new Set(chunk.map((p) => p.personId).filter((x): x is string => !!x))];
          const known = ids.length ? await deps.personPaths(ids, t) : new Map<string, string>();
          const rows: CompanionPingsTable[] = [];
          for (const p of chunk) {
            if (p.personId && !known.has(p.personId)) bad(p.line, ['person_id does not exist']);
            else
              rows.push({ id: newId(), subject_key: p.subjectKey, person_id: p.personId, cell: p.cell, bucket: bucketOf(p.at), at: p.at, import_id: importId });
          }
          // All or nothing: once a row is bad nothing will be kept, so stop writing and only validate.
          if (rejected > 0 && !opts.partial) return;
          await repo.insertPings(t, rows);
          imported += rows.length;
          if (rows.length) chunkDigests.push(batchDigest(rows.map((r) => [r.subject_key, r.cell, r.at])));
        };
        // The project's one CSV parser (platform/csv.ts); `line` is the record's row as a spreadsheet shows it.
        for await (const { row: line, cells } of parseCsvStream(utf8Text(input))) {
          if (!cols) {
            const h = pingHeader(cells);
            if ('error' in h) throw CompanionErrors.COMPANION_CSV_HEADER({ reason: h.error });
            cols = h.cols;
            continue;
          }
          const r = parsePingRow(cols, cells, now);
          if ('errors' in r) bad(line, r.errors);
          else pending.push({ ...r.ping, line });
          if (pending.length >= IMPORT_CHUNK) await flush();
        }
        if (!cols) throw CompanionErrors.COMPANION_CSV_HEADER({ reason: 'The file is empty' });
        await flush();
        problems.sort((a, b) => a.line - b.line);
        if (rejected > 0 && !opts.partial) throw CompanionErrors.COMPANION_CSV_INVALID({ rejected, rows: problems });
        await deps.journal.appendBatch(t, actor, {
          action: 'companions.pings.import',
          entityType: 'companion_import',
          entityId: importId,
          rows: chunkDigests,
          summary: { imported, rejected, partial: !!opts.partial, digestOf: `${IMPORT_CHUNK}-row chunks` },
        });
        return { importId, imported, rejected, rows: problems };
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
      if (!(windowDays > 0 && windowDays <= 60 && minOverlapMinutes >= 1 && minTotalMinutes >= minOverlapMinutes))
        throw CompanionErrors.COMPANION_PARAMS_INVALID({ windowDays, minOverlapMinutes, minTotalMinutes });
      const from = to - windowDays * DAY;
      return inTx(trx ?? deps.db, async (t) => {
        const path = (await deps.personPaths([input.personId], t)).get(input.personId);
        if (!path || !inScope(actor, path)) throw CompanionErrors.COMPANION_PERSON_NOT_FOUND({ personId: input.personId });
        if (input.caseId && (await deps.caseOf(actor, input.caseId, t)).personId !== input.personId) {
          throw CompanionErrors.COMPANION_CASE_MISMATCH({ caseId: input.caseId, personId: input.personId });
        }
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
          candidates.push({
            id: newId(),
            batch_id: batchId,
            subject_key: key,
            person_id: e.personId,
            total_minutes: total,
            overlap_count: overlaps.length,
            evidence: JSON.stringify(overlaps),
            decision: null,
            decided_by: null,
            decided_at: null,
            note: null,
            contact_id: null,
          });
        }
        const params = { from, to, windowDays, minOverlapMinutes, minTotalMinutes };
        const row: CompanionBatchesTable = {
          id: batchId,
          subject_key: subject,
          person_id: input.personId,
          case_id: input.caseId ?? null,
          jurisdiction_path: path,
          params: JSON.stringify(params),
          window_from: from,
          window_to: to,
          candidate_count: candidates.length,
          pending_count: candidates.length,
          created_by: actor.userId,
          created_at: now,
        };
        await repo.insertBatch(t, row, candidates);
        await deps.journal.append(t, actor, {
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

    /**
     * Accepts a candidate: it becomes a contact of the batch's case through the normal contact flow
     * (cases.tracing.addContact: category close unless chosen, exposure date and place from the
     * evidence, relation 时空伴随; a non-resident is registered when named; control status changes
     * there, with the contact as basis). A person already a contact of the case is linked, not added
     * twice. Accepting an accepted candidate returns it unchanged (no second contact). Journaled.
     */
    async accept(trx: Tx | undefined, actor: Actor, batchId: string, candidateId: string, input: AcceptInput = {}): Promise<CandidateDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const b = await visibleBatch(t, actor, batchId);
        const c = await repo.findCandidate(t, batchId, candidateId);
        if (!c) throw CompanionErrors.COMPANION_CANDIDATE_NOT_FOUND({ candidateId });
        if (c.decision === 'accepted') return candidateDto(c);
        if (c.decision) throw CompanionErrors.COMPANION_ALREADY_REVIEWED({ candidateId, decision: c.decision });
        if (input.caseId && b.case_id && input.caseId !== b.case_id)
          throw CompanionErrors.COMPANION_CASE_MISMATCH({ caseId: input.caseId, batchCaseId: b.case_id });
        const caseId = b.case_id ?? input.caseId;
        if (!caseId) throw CompanionErrors.COMPANION_CASE_REQUIRED({ batchId });
        const kase = await deps.caseOf(actor, caseId, t);
        if (kase.personId !== b.person_id) throw CompanionErrors.COMPANION_CASE_MISMATCH({ caseId, personId: b.person_id });
        const named = [input.personId, input.newPerson, input.outsideCity].filter(Boolean).length;
        if (c.person_id ? named > 0 && input.personId !== c.person_id : named !== 1) {
          throw c.person_id
            ? CompanionErrors.COMPANION_SUBJECT_CONFLICT({ personId: c.person_id })
            : CompanionErrors.COMPANION_SUBJECT_UNIDENTIFIED({ subjectKey: c.subject_key });
        }
        const note = input.note?.trim() || null;
        // Claim the candidate first: a concurrent second acceptance waits here, then finds it decided.
        if (!(await repo.decideCandidate(t, candidateId, { decision: 'accepted', decided_by: actor.userId, decided_at: deps.clock.now(), note }))) {
          const now = (await repo.findCandidate(t, batchId, candidateId))!;
          if (now.decision === 'accepted') return candidateDto(now);
          throw CompanionErrors.COMPANION_ALREADY_REVIEWED({ candidateId, decision: now.decision });
        }
        const personId = c.person_id ?? input.personId ?? null;
        const existing = personId ? (await deps.contactsOfCase(actor, caseId, t)).find((x) => x.personId === personId) : undefined;
        const contact =
          existing ??
          (await deps.addContact(t, actor, caseId, {
            category: input.category ?? 'close',
            ...exposureFromEvidence(repo.readJson.evidence(c), kase.reportDate, deps.tz),
            relation: COMPANION_RELATION,
            personId,
            newPerson: personId ? null : (input.newPerson ?? null),
            outsideCity: personId ? null : (input.outsideCity ?? null),
          }));
        await repo.setCandidateContact(t, candidateId, contact.id);
        await repo.bumpPending(t, batchId, -1);
        await deps.journal.append(t, actor, {
          action: 'companions.candidate.accept',
          entityType: 'companion_batch',
          entityId: batchId,
          jurisdictionPath: b.jurisdiction_path,
          payload: {
            candidateId,
            subjectKey: c.subject_key,
            personId: contact.personId,
            caseId,
            contactId: contact.id,
            linkedExisting: !!existing,
            category: contact.category,
            totalMinutes: Number(c.total_minutes),
          },
          reason: note,
        });
        await deps.outbox.publish(t, {
          topic: 'companions.candidate.reviewed',
          capability: 'companions.review',
          jurisdictionPath: b.jurisdiction_path,
          payload: { batchId, candidateId, decision: 'accepted', contactId: contact.id },
        });
        return candidateDto((await repo.findCandidate(t, batchId, candidateId))!);
      });
    },

    /** Rejects a candidate with a reason. Journaled; nobody's status changes. 409 once decided. */
    async reject(trx: Tx | undefined, actor: Actor, batchId: string, candidateId: string, reason: string): Promise<CandidateDto> {
      const why = reason?.trim();
      if (!why) throw CompanionErrors.COMPANION_REASON_REQUIRED({ candidateId });
      return inTx(trx ?? deps.db, async (t) => {
        const b = await visibleBatch(t, actor, batchId);
        const c = await repo.findCandidate(t, batchId, candidateId);
        if (!c) throw CompanionErrors.COMPANION_CANDIDATE_NOT_FOUND({ candidateId });
        if (!(await repo.decideCandidate(t, candidateId, { decision: 'rejected', decided_by: actor.userId, decided_at: deps.clock.now(), note: why }))) {
          throw CompanionErrors.COMPANION_ALREADY_REVIEWED({ candidateId, decision: (await repo.findCandidate(t, batchId, candidateId))!.decision });
        }
        await repo.bumpPending(t, batchId, -1);
        await deps.journal.append(t, actor, {
          action: 'companions.candidate.reject',
          entityType: 'companion_batch',
          entityId: batchId,
          jurisdictionPath: b.jurisdiction_path,
          payload: { candidateId, subjectKey: c.subject_key, personId: c.person_id, totalMinutes: Number(c.total_minutes) },
          reason: why,
        });
        await deps.outbox.publish(t, {
          topic: 'companions.candidate.reviewed',
          capability: 'companions.review',
          jurisdictionPath: b.jurisdiction_path,
          payload: { batchId, candidateId, decision: 'rejected' },
        });
        return candidateDto((await repo.findCandidate(t, batchId, candidateId))!);
      });
    },
  };
}
