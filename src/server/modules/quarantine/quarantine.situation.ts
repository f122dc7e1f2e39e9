import type { DbOrTx } from '../../db/dialect.js';

/**
 * Read-only counts for the situation home page, on this module's own tables. `prefix` null = the
 * whole city. A stay is seen where the person lives and where the facility stands, as the stays list.
 */

/** Active stays whose end has passed without a release (overdue releases). */
export async function overdueReleases(db: DbOrTx, prefix: string | null, now: number): Promise<number> {
  let q = db
    .selectFrom('quarantine_stays')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'active')
    .where('ends_at', '<', now);
  if (prefix) q = q.where((eb) => eb.or([eb('person_path', 'like', `${prefix}%`), eb('facility_path', 'like', `${prefix}%`)]));
  return Number((await q.executeTakeFirst())?.n ?? 0);
}
