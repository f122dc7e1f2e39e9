/** Campaigns, their exemptions and activation leases (campaigns.service, campaign-activation.service). */
import { sql, type Updateable } from 'kysely';
import type { DbOrTx } from '../../../db/dialect.js';
import type { TestingExemptionsTable } from '../testing.table.js';
import { chunks, under, type CampaignRow } from './shared.js';

export async function insertCampaign(db: DbOrTx, row: CampaignRow): Promise<void> {
  await db.insertInto('testing_campaigns').values(row).execute();
}

export async function findCampaign(db: DbOrTx, id: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('testing_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCampaigns(db: DbOrTx, ids: readonly string[]): Promise<CampaignRow[]> {
  if (!ids.length) return [];
  return db
    .selectFrom('testing_campaigns')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

/**
 * Campaigns whose scope overlaps `scope` (inside it, or containing it: a district officer sees the
 * city-wide campaign), newest first.
 */
export async function listCampaigns(
  db: DbOrTx,
  f: { scope: string | null; ancestors: string[]; status?: string; limit: number; offset: number },
): Promise<{ rows: CampaignRow[]; total: number }> {
  let q = db.selectFrom('testing_campaigns');
  if (f.scope) {
    const scope = f.scope;
    q = q.where((eb) => eb.or([eb('scope_path', 'like', under(scope)), ...(f.ancestors.length ? [eb('scope_path', 'in', f.ancestors)] : [])]));
  }
  if (f.status) q = q.where('status', '=', f.status);
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** Updates a campaign if it is still in `fromStatus`; returns whether it was. */
export async function updateCampaignIf(db: DbOrTx, id: string, fromStatus: string, patch: Updateable<CampaignRow>): Promise<boolean> {
  const r = await db.updateTable('testing_campaigns').set(patch).where('id', '=', id).where('status', '=', fromStatus).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Takes the activation lease of a planned campaign for `token` until `until`: when nobody holds it,
 * when its holder's lease ran out (`now`), or to renew it (the holder's own token). False otherwise.
 */
export async function takeActivationLease(db: DbOrTx, id: string, token: string, now: number, until: number): Promise<boolean> {
  const r = await db
    .updateTable('testing_campaigns')
    .set({ activation_token: token, activation_lease_until: until })
    .where('id', '=', id)
    .where('status', '=', 'planned')
    .where((eb) => eb.or([eb('activation_token', 'is', null), eb('activation_token', '=', token), eb('activation_lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Lets go of the activation lease if `token` still holds it. */
export async function releaseActivationLease(db: DbOrTx, id: string, token: string): Promise<void> {
  await db
    .updateTable('testing_campaigns')
    .set({ activation_token: null, activation_lease_until: null })
    .where('id', '=', id)
    .where('activation_token', '=', token)
    .execute();
}

/** Moves the live-update mark from `expected` to `now`; false when another run moved it first. */
export async function markCoveragePublished(db: DbOrTx, id: string, expected: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('testing_campaigns')
    .set({ coverage_published_at: now })
    .where('id', '=', id)
    .where('coverage_published_at', '=', expected)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Inserts exemptions not already there; returns the persons newly exempted. */
export async function insertExemptions(db: DbOrTx, rows: readonly TestingExemptionsTable[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks(rows)) {
    const r = await db
      .insertInto('testing_exemptions')
      .values(c)
      .onConflict((oc) => oc.columns(['campaign_id', 'person_id']).doNothing())
      .returning('person_id')
      .execute();
    for (const x of r) out.add(x.person_id);
  }
  return out;
}

export async function addCampaignTotals(db: DbOrTx, id: string, target: number, exempt: number, now: number): Promise<void> {
  await db
    .updateTable('testing_campaigns')
    .set({
      target_total: sql`target_total + ${sql.lit(Math.trunc(target))}`,
      exempt_total: sql`exempt_total + ${sql.lit(Math.trunc(exempt))}`,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** A page of a campaign's hand exemptions under `prefix` (null: all); `total` counts with the same filter. */
export async function listExemptions(
  db: DbOrTx,
  campaignId: string,
  prefix: string | null,
  limit: number,
  offset: number,
): Promise<{ rows: TestingExemptionsTable[]; total: number }> {
  let q = db.selectFrom('testing_exemptions').where('campaign_id', '=', campaignId);
  if (prefix) q = q.where('jurisdiction_path', 'like', under(prefix));
  const rows = await q.selectAll().orderBy('jurisdiction_path').orderBy('person_id').limit(limit).offset(offset).execute();
  const t = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(t.n) };
}

export async function exemptAmong(db: DbOrTx, campaignId: string, personIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks([...new Set(personIds)])) {
    const rows = await db.selectFrom('testing_exemptions').select('person_id').where('campaign_id', '=', campaignId).where('person_id', 'in', c).execute();
    for (const r of rows) out.add(r.person_id);
  }
  return out;
}
