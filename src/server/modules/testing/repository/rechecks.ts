/** Rechecks after a positive pool (rechecks.service, lab.service). */
import { type Updateable } from 'kysely';
import type { DbOrTx } from '../../../db/dialect.js';
import { chunks, under, type RecheckRow } from './shared.js';

export async function insertRechecks(db: DbOrTx, rows: readonly RecheckRow[]): Promise<void> {
  for (const c of chunks(rows, 200)) await db.insertInto('testing_rechecks').values(c).execute();
}

export async function findRecheck(db: DbOrTx, id: string): Promise<RecheckRow | undefined> {
  return db.selectFrom('testing_rechecks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findRecheckByTube(db: DbOrTx, tubeId: string): Promise<RecheckRow | undefined> {
  return db.selectFrom('testing_rechecks').selectAll().where('tube_id', '=', tubeId).executeTakeFirst();
}

export async function rechecksOfParent(db: DbOrTx, parentTubeId: string): Promise<RecheckRow[]> {
  return db.selectFrom('testing_rechecks').selectAll().where('parent_tube_id', '=', parentTubeId).orderBy('created_at').orderBy('id').execute();
}

export async function updateRecheck(db: DbOrTx, id: string, patch: Updateable<RecheckRow>): Promise<void> {
  await db.updateTable('testing_rechecks').set(patch).where('id', '=', id).execute();
}

export async function listRechecks(
  db: DbOrTx,
  f: { campaignId?: string; status?: string[]; handover?: 'pending' | 'acknowledged'; prefix: string | null; limit: number; offset: number },
): Promise<{ rows: RecheckRow[]; total: number }> {
  let q = db.selectFrom('testing_rechecks');
  if (f.campaignId) q = q.where('campaign_id', '=', f.campaignId);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.handover === 'pending') q = q.where('handover_at', 'is not', null).where('handover_ack_at', 'is', null);
  if (f.handover === 'acknowledged') q = q.where('handover_ack_at', 'is not', null);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

/** Rechecks per residence path and status (the recount). */
export async function recountRechecks(db: DbOrTx, campaignId: string): Promise<{ path: string; status: string; n: number }[]> {
  const rows = await db
    .selectFrom('testing_rechecks')
    .select(['jurisdiction_path as path', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['jurisdiction_path', 'status'])
    .execute();
  return rows.map((r) => ({ path: r.path, status: r.status, n: Number(r.n) }));
}
