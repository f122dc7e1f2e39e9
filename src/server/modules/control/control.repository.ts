import { sql } from 'kysely';
import { z } from 'zod';
import { parseJsonColumn } from '../../db/row-values.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { ControlStatus } from '../../../common/control.js';
import type { BulkRequestStatus, ControlBulkRequestsTable, ControlStatusChangesTable, ControlStatusesTable } from './control.table.js';

/** The JSON columns of the control tables, read through their schemas (see parseJsonColumn). */
export const readJson = {
  /** control_bulk_requests.person_ids: the persons a bulk request names. */
  personIds: (r: Pick<ControlBulkRequestsTable, 'person_ids'>): string[] =>
    parseJsonColumn(z.array(z.string()), r.person_ids, 'control_bulk_requests.person_ids'),
};

/** Ids per IN list and rows per multi-row insert: well inside both dialects' parameter limits. */
const ID_CHUNK = 1000;
const ROW_CHUNK = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Current status

/** Current status rows of the given persons (persons without a row have never had a status). */
export async function findStatuses(db: DbOrTx, personIds: readonly string[]): Promise<ControlStatusesTable[]> {
  const out: ControlStatusesTable[] = [];
  for (const ids of chunks(personIds, ID_CHUNK)) {
    out.push(...(await db.selectFrom('control_statuses').selectAll().where('person_id', 'in', ids).execute()));
  }
  return out;
}

export async function findStatus(db: DbOrTx, personId: string): Promise<ControlStatusesTable | undefined> {
  return db.selectFrom('control_statuses').selectAll().where('person_id', '=', personId).executeTakeFirst();
}

/** Inserts first-ever status rows. A concurrent insert for the same person fails on the primary key. */
export async function insertStatuses(db: DbOrTx, rows: readonly ControlStatusesTable[]): Promise<void> {
  for (const part of chunks(rows, ROW_CHUNK)) await db.insertInto('control_statuses').values(part).execute();
}

/**
 * Moves persons that are still in `fromStatus` to the new status. Returns how many rows changed: fewer
 * than asked means another transaction changed one of them first (the caller refuses the change).
 */
export async function updateStatusesFrom(
  db: DbOrTx,
  personIds: readonly string[],
  fromStatus: ControlStatus,
  set: Omit<ControlStatusesTable, 'person_id' | 'jurisdiction_path'>,
  paths: ReadonlyMap<string, string>,
): Promise<number> {
  let n = 0;
  // Group by the person's current path so one UPDATE per (path, chunk) keeps the path column right.
  const byPath = new Map<string, string[]>();
  for (const id of personIds) {
    const p = paths.get(id);
    if (p === undefined) throw new Error(`updateStatusesFrom: no path given for person ${id}`);
    const list = byPath.get(p);
    if (list) list.push(id);
    else byPath.set(p, [id]);
  }
  for (const [path, ids] of byPath) {
    for (const part of chunks(ids, ID_CHUNK)) {
      const r = await db
        .updateTable('control_statuses')
        .set({ ...set, jurisdiction_path: path })
        .where('person_id', 'in', part)
        .where('status', '=', fromStatus)
        .executeTakeFirst();
      n += Number(r.numUpdatedRows);
    }
  }
  return n;
}

/** Moves a status row to a new jurisdiction path (the person moved house or was merged). */
export async function updateStatusPath(db: DbOrTx, personId: string, path: string, now: number): Promise<void> {
  await db.updateTable('control_statuses').set({ jurisdiction_path: path, updated_at: now }).where('person_id', '=', personId).execute();
}

// ---------------------------------------------------------------------------------------------
// History

export async function insertChanges(db: DbOrTx, rows: readonly ControlStatusChangesTable[]): Promise<void> {
  for (const part of chunks(rows, ROW_CHUNK)) await db.insertInto('control_status_changes').values(part).execute();
}

export type ChangeWithRequest = ControlStatusChangesTable & {
  request_requested_by: string | null;
  request_requested_by_name: string | null;
  request_requested_at: number | null;
  request_approved_by: string | null;
  request_approved_by_name: string | null;
  request_approved_at: number | null;
  request_approval_note: string | null;
};

/** A person's status changes oldest first, with the requester and approver of bulk-approved ones. */
export async function listChanges(db: DbOrTx, personId: string): Promise<ChangeWithRequest[]> {
  return db
    .selectFrom('control_status_changes as c')
    .leftJoin('control_bulk_requests as b', 'b.id', 'c.bulk_request_id')
    .selectAll('c')
    .select([
      'b.requested_by as request_requested_by',
      'b.requested_by_name as request_requested_by_name',
      'b.requested_at as request_requested_at',
      'b.approved_by as request_approved_by',
      'b.approved_by_name as request_approved_by_name',
      'b.approved_at as request_approved_at',
      'b.approval_note as request_approval_note',
    ])
    .where('c.person_id', '=', personId)
    .orderBy('c.at')
    .orderBy('c.journal_seq')
    .orderBy('c.id')
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Counters

/** One change of a counter: `delta` persons in `status` at exactly `path`. */
export interface CountDelta {
  path: string;
  status: ControlStatus;
  delta: number;
}

/**
 * Adds deltas to the per-path counters (upsert). Applied in key order so concurrent transactions
 * take the row locks in the same order on PostgreSQL and cannot deadlock each other.
 */
export async function applyCountDeltas(db: DbOrTx, deltas: readonly CountDelta[]): Promise<void> {
  const sorted = deltas
    .filter((d) => d.delta !== 0)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
  for (const part of chunks(sorted, ROW_CHUNK)) {
    await db
      .insertInto('control_status_counts')
      .values(part.map((d) => ({ jurisdiction_path: d.path, status: d.status, count: d.delta })))
      .onConflict((oc) => oc.columns(['jurisdiction_path', 'status']).doUpdateSet({ count: sql`control_status_counts.count + excluded.count` }))
      .execute();
  }
}

/** The kept-current counts at exactly one jurisdiction path. */
export async function countsAt(db: DbOrTx, path: string): Promise<{ status: ControlStatus; count: number }[]> {
  const rows = await db.selectFrom('control_status_counts').select(['status', 'count']).where('jurisdiction_path', '=', path).execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
}

/** A full recount from the status rows under a path prefix (for checks; scans the subtree). */
export async function recountUnder(db: DbOrTx, prefix: string): Promise<{ status: ControlStatus; count: number }[]> {
  const rows = await db
    .selectFrom('control_statuses')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('jurisdiction_path', 'like', `${prefix}%`)
    .groupBy('status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}

// ---------------------------------------------------------------------------------------------
// Bulk requests

export async function insertBulkRequest(db: DbOrTx, row: ControlBulkRequestsTable): Promise<void> {
  await db.insertInto('control_bulk_requests').values(row).execute();
}

export async function findBulkRequest(db: DbOrTx, id: string): Promise<ControlBulkRequestsTable | undefined> {
  return db.selectFrom('control_bulk_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Jurisdiction path of a bulk request (for the entity-scope resolver), or undefined. */
export async function findBulkRequestPath(db: DbOrTx, id: string): Promise<string | undefined> {
  const r = await db.selectFrom('control_bulk_requests').select('jurisdiction_path').where('id', '=', id).executeTakeFirst();
  return r?.jurisdiction_path;
}

export interface BulkRequestFilter {
  status?: BulkRequestStatus;
  /** Only requests whose common path lies inside this prefix; null for all. */
  scopePrefix: string | null;
  limit: number;
  offset: number;
}

/** Bulk requests newest first, without their person lists. */
export async function listBulkRequests(db: DbOrTx, f: BulkRequestFilter): Promise<{ rows: Omit<ControlBulkRequestsTable, 'person_ids'>[]; total: number }> {
  let q = db.selectFrom('control_bulk_requests');
  if (f.status) q = q.where('status', '=', f.status);
  if (f.scopePrefix) q = q.where('jurisdiction_path', 'like', `${f.scopePrefix}%`);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      'id',
      'status',
      'to_status',
      'basis_type',
      'basis_id',
      'reason',
      'ends_at',
      'person_count',
      'jurisdiction_path',
      'requested_by',
      'requested_by_name',
      'requested_at',
      'approved_by',
      'approved_by_name',
      'approved_at',
      'approval_note',
      'rejected_by',
      'rejected_by_name',
      'rejected_at',
      'reject_reason',
      'applied_at',
    ])
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return { rows, total: Number(total.n) };
}

/** Pending bulk requests whose person list names this person (the list is a JSON array of ids). */
export async function findPendingRequestsNaming(
  db: DbOrTx,
  personId: string,
): Promise<Pick<ControlBulkRequestsTable, 'id' | 'person_ids' | 'jurisdiction_path'>[]> {
  return db
    .selectFrom('control_bulk_requests')
    .select(['id', 'person_ids', 'jurisdiction_path'])
    .where('status', '=', 'pending')
    .where('person_ids', 'like', `%"${personId}"%`)
    .execute();
}

/** Rewrites a still-pending request's person list; false when it was decided meanwhile. */
export async function updatePendingPersons(
  db: DbOrTx,
  id: string,
  set: Pick<ControlBulkRequestsTable, 'person_ids' | 'person_count' | 'jurisdiction_path'>,
): Promise<boolean> {
  const r = await db.updateTable('control_bulk_requests').set(set).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Decides a request that is still pending. Returns false when it was no longer pending (decided by
 * someone else first), so a request is never decided twice.
 */
export async function decideBulkRequest(db: DbOrTx, id: string, set: Partial<Omit<ControlBulkRequestsTable, 'id'>>): Promise<boolean> {
  const r = await db.updateTable('control_bulk_requests').set(set).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Settings

export async function readSetting(db: DbOrTx, key: string): Promise<string | undefined> {
  const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return r?.value;
}

export async function writeSetting(db: DbOrTx, key: string, value: string, now: number): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

/** Persons one actor changed by hand (manual mode) since a time: the two-person rule counts them over a window. */
export async function manualChangesSince(db: DbOrTx, actorId: string, since: number): Promise<number> {
  const r = await db
    .selectFrom('control_status_changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('actor_id', '=', actorId)
    .where('mode', '=', 'manual')
    .where('at', '>=', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
