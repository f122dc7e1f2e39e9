import { z } from 'zod';
import type { DbOrTx } from '../../db/dialect.js';
import { parseJsonColumn } from '../../db/row-values.js';
import type { Overlap } from './companions.grid.js';
import type { CandidateDecision, CompanionBatchesTable, CompanionCandidatesTable, CompanionPingsTable } from './companions.table.js';

const detectionParams = z.object({ from: z.number(), to: z.number(), windowDays: z.number(), minOverlapMinutes: z.number(), minTotalMinutes: z.number() });
const overlaps = z.array(z.object({ cell: z.string(), from: z.number(), to: z.number(), minutes: z.number() }));
/** The JSON columns of the companion tables, read through their schemas (see parseJsonColumn). */
export const readJson = {
  /** companion_batches.params: the detection parameters a batch was run with. */
  params: (r: Pick<CompanionBatchesTable, 'params'>): z.output<typeof detectionParams> =>
    parseJsonColumn(detectionParams, r.params, 'companion_batches.params'),
  /** companion_candidates.evidence: each overlap of at least the minimum length. */
  evidence: (r: Pick<CompanionCandidatesTable, 'evidence'>): Overlap[] => parseJsonColumn(overlaps, r.evidence, 'companion_candidates.evidence'),
};

export async function insertPings(db: DbOrTx, rows: CompanionPingsTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('companion_pings')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** The distinct (cell, bucket) slots of one subject in a window (index on subject_key, bucket). */
export function slotsOfSubject(db: DbOrTx, subjectKey: string, fromBucket: number, toBucket: number): Promise<{ cell: string; bucket: number }[]> {
  return db
    .selectFrom('companion_pings')
    .select(['cell', 'bucket'])
    .distinct()
    .where('subject_key', '=', subjectKey)
    .where('bucket', '>=', fromBucket)
    .where('bucket', '<=', toBucket)
    .execute();
}

/** Everyone else present in one cell in the given buckets (index on cell, bucket; no join). */
export function presentIn(
  db: DbOrTx,
  cell: string,
  buckets: readonly number[],
  exceptSubject: string,
): Promise<{ subject_key: string; person_id: string | null; bucket: number }[]> {
  return db
    .selectFrom('companion_pings')
    .select(['subject_key', 'person_id', 'bucket'])
    .distinct()
    .where('cell', '=', cell)
    .where('bucket', 'in', buckets)
    .where('subject_key', '!=', exceptSubject)
    .execute();
}

export async function insertBatch(db: DbOrTx, row: CompanionBatchesTable, candidates: CompanionCandidatesTable[]): Promise<void> {
  await db.insertInto('companion_batches').values(row).execute();
  for (let i = 0; i < candidates.length; i += 200)
    await db
      .insertInto('companion_candidates')
      .values(candidates.slice(i, i + 200))
      .execute();
}

export function findBatch(db: DbOrTx, id: string): Promise<CompanionBatchesTable | undefined> {
  return db.selectFrom('companion_batches').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listCandidates(db: DbOrTx, batchId: string): Promise<CompanionCandidatesTable[]> {
  return db.selectFrom('companion_candidates').selectAll().where('batch_id', '=', batchId).orderBy('total_minutes', 'desc').orderBy('id').execute();
}

export function findCandidate(db: DbOrTx, batchId: string, id: string): Promise<CompanionCandidatesTable | undefined> {
  return db.selectFrom('companion_candidates').selectAll().where('batch_id', '=', batchId).where('id', '=', id).executeTakeFirst();
}

/** Records a decision only while the candidate is still pending (false: decided already). */
export async function decideCandidate(
  db: DbOrTx,
  id: string,
  set: { decision: CandidateDecision; decided_by: string | null; decided_at: number; note: string | null },
): Promise<boolean> {
  const r = await db.updateTable('companion_candidates').set(set).where('id', '=', id).where('decision', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Links an accepted candidate to the contact it became. */
export async function setCandidateContact(db: DbOrTx, id: string, contactId: string): Promise<void> {
  await db.updateTable('companion_candidates').set({ contact_id: contactId }).where('id', '=', id).execute();
}

export async function bumpPending(db: DbOrTx, batchId: string, delta: number): Promise<void> {
  const b = await findBatch(db, batchId);
  if (b)
    await db
      .updateTable('companion_batches')
      .set({ pending_count: Number(b.pending_count) + delta })
      .where('id', '=', batchId)
      .execute();
}

export async function listBatches(db: DbOrTx, prefix: string | null, limit: number, offset: number): Promise<{ rows: CompanionBatchesTable[]; total: number }> {
  let q = db.selectFrom('companion_batches');
  if (prefix) q = q.where('jurisdiction_path', 'like', `${prefix}%`);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  return { rows, total: Number(total.n) };
}
