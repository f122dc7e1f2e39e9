/** Flags raised for review (sampling.service, lab.service, the flag views). */
import { sql } from 'kysely';
import type { DbOrTx } from '../../../db/dialect.js';
import { under, type FlagRow } from './shared.js';

/** Records a flag once per (campaign, kind, subject); a repeat only adds to its occurrences. */
export async function upsertFlag(db: DbOrTx, row: FlagRow): Promise<void> {
  await db
    .insertInto('testing_flags')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['campaign_id', 'kind', 'subject_key'])
        .doUpdateSet({ occurrences: sql`testing_flags.occurrences + excluded.occurrences`, last_seen_at: row.last_seen_at, detail: row.detail }),
    )
    .execute();
}

export async function listFlags(
  db: DbOrTx,
  f: { campaignId: string; kind?: string; reviewed?: boolean; prefix: string | null; limit: number; offset: number },
): Promise<{ rows: FlagRow[]; total: number }> {
  let q = db.selectFrom('testing_flags').where('campaign_id', '=', f.campaignId);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.reviewed === true) q = q.where('reviewed_at', 'is not', null);
  if (f.reviewed === false) q = q.where('reviewed_at', 'is', null);
  if (f.prefix) q = q.where('jurisdiction_path', 'like', under(f.prefix));
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

/** Flags per kind (all and still open) of a campaign under `prefix` (null: everywhere), the list's scope. */
export async function flagCounts(db: DbOrTx, campaignId: string, prefix: string | null): Promise<{ kind: string; n: number; open: number }[]> {
  let q = db
    .selectFrom('testing_flags')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.count<number>('id').filterWhere('reviewed_at', 'is', null).as('open')])
    .where('campaign_id', '=', campaignId);
  if (prefix) q = q.where('jurisdiction_path', 'like', under(prefix));
  const rows = await q.groupBy('kind').execute();
  return rows.map((r) => ({ kind: r.kind, n: Number(r.n), open: Number(r.open) }));
}

export async function findFlag(db: DbOrTx, id: string): Promise<FlagRow | undefined> {
  return db.selectFrom('testing_flags').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function reviewFlag(
  db: DbOrTx,
  id: string,
  patch: Pick<FlagRow, 'reviewed_at' | 'reviewed_by' | 'reviewed_by_name' | 'review_note'>,
): Promise<boolean> {
  const r = await db.updateTable('testing_flags').set(patch).where('id', '=', id).where('reviewed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
