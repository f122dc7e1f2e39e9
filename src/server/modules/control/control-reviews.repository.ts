import type { DbOrTx } from '../../db/dialect.js';
import type { ReviewStatus } from '../../../common/control.js';
import type { ControlReviewsTable } from './control.table.js';

/** Review records (研判记录): the only queries on `control_reviews`. */

export async function insertReview(db: DbOrTx, row: ControlReviewsTable): Promise<void> {
  await db.insertInto('control_reviews').values(row).execute();
}

export async function findReview(db: DbOrTx, id: string): Promise<ControlReviewsTable | undefined> {
  return db.selectFrom('control_reviews').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findReviewPath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('control_reviews').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}

/** Decides a pending record; false when it was no longer pending (another decision came first). */
export async function decideReview(db: DbOrTx, id: string, set: Partial<ControlReviewsTable>): Promise<boolean> {
  const r = await db.updateTable('control_reviews').set(set).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records under a path prefix (null: everywhere), newest first. */
export async function listReviews(
  db: DbOrTx,
  f: { status?: ReviewStatus; scopePrefix: string | null; limit: number; offset: number },
): Promise<{ rows: ControlReviewsTable[]; total: number }> {
  let q = db.selectFrom('control_reviews');
  if (f.status) q = q.where('status', '=', f.status);
  if (f.scopePrefix) q = q.where('jurisdiction_path', 'like', `${f.scopePrefix}%`);
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { rows, total };
}
