import { sql } from 'kysely';
import type { DbOrTx } from '../../db/dialect.js';
import type { JobsTable } from '../platform.table.js';

/** Inserts a job; with a unique key an existing job with that key wins (nothing is inserted). */
export async function insertJob(db: DbOrTx, row: JobsTable): Promise<boolean> {
  if (row.unique_key === null) {
    await db.insertInto('jobs').values(row).execute();
    return true;
  }
  const r = await db
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findJobById(db: DbOrTx, id: string): Promise<JobsTable | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findJobByUniqueKey(db: DbOrTx, key: string): Promise<JobsTable | undefined> {
  return db.selectFrom('jobs').selectAll().where('unique_key', '=', key).executeTakeFirst();
}

/** Ids of jobs that are due now: pending, or running under a lease that has expired (a crashed process). */
export async function findDueIds(db: DbOrTx, now: number, kinds: readonly string[], limit: number): Promise<string[]> {
  if (kinds.length === 0) return [];
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('kind', 'in', kinds)
    .where('run_at', '<=', now)
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Claims one job with a lease. A single conditional UPDATE, so of several processes racing for
 * the same job exactly one sees it still claimable (the others update no row).
 */
export async function claimJob(db: DbOrTx, id: string, owner: string, now: number, leaseUntil: number): Promise<JobsTable | undefined> {
  return db
    .updateTable('jobs')
    .set({ status: 'running', lease_owner: owner, lease_until: leaseUntil, attempts: sql`attempts + 1` })
    .where('id', '=', id)
    .where('run_at', '<=', now)
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Marks a job done, only if the lease is still ours. Run as the first statement of the handler's
 * transaction: it takes the row's write lock until commit, so nobody can reclaim the job while
 * its effects are being written, and if someone already has, we update nothing and roll back.
 */
export async function finishIfOurs(db: DbOrTx, id: string, owner: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ status: 'done', finished_at: now, lease_until: null, last_error: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records a failed run (retry later or give up), only if the lease is still ours. */
export async function failIfOurs(
  db: DbOrTx,
  id: string,
  owner: string,
  next: { status: 'pending' | 'failed'; runAt?: number; finishedAt?: number; error: string },
): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({
      status: next.status,
      lease_until: null,
      last_error: next.error,
      ...(next.runAt !== undefined ? { run_at: next.runAt } : {}),
      ...(next.finishedAt !== undefined ? { finished_at: next.finishedAt } : {}),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes finished jobs older than the given instants. Returns how many went. */
export async function pruneJobs(db: DbOrTx, doneBefore: number, failedBefore: number): Promise<number> {
  const a = await db.deleteFrom('jobs').where('status', '=', 'done').where('finished_at', '<', doneBefore).executeTakeFirst();
  const b = await db.deleteFrom('jobs').where('status', '=', 'failed').where('finished_at', '<', failedBefore).executeTakeFirst();
  return Number(a.numDeletedRows) + Number(b.numDeletedRows);
}

export async function countJobs(db: DbOrTx, filter: { kind?: string; status?: string } = {}): Promise<number> {
  let q = db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'));
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.status) q = q.where('status', '=', filter.status);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}
