import type { DbOrTx } from '../../db/dialect.js';
import type { InfectionCounts } from '../../../common/situation.js';

/**
 * Read-only counts for the situation home page, on this module's own tables (indexed by
 * jurisdiction path and time). `prefix` null = the whole city.
 */

const emptyInfections = (): InfectionCounts => ({ inControl: 0, community: 0, confirmed: 0, asymptomatic: 0, total: 0 });

/** Cases confirmed in [from, to), by detection channel and kind. */
export async function newInfections(db: DbOrTx, prefix: string | null, from: number, to: number): Promise<InfectionCounts> {
  let q = db
    .selectFrom('cases')
    .select(['detection_channel', 'kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('confirmed_at', '>=', from)
    .where('confirmed_at', '<', to);
  if (prefix) q = q.where('jurisdiction_path', 'like', `${prefix}%`);
  const out = emptyInfections();
  for (const r of await q.groupBy(['detection_channel', 'kind']).execute()) {
    const n = Number(r.n);
    if (r.detection_channel === 'in_control') out.inControl += n;
    else out.community += n;
    if (r.kind === 'asymptomatic') out.asymptomatic += n;
    else out.confirmed += n;
    out.total += n;
  }
  return out;
}

/** Close contacts identified in [from, to) and how many of them are already quarantined; open ones still awaiting placement. */
export async function contactCounts(
  db: DbOrTx,
  prefix: string | null,
  from: number,
  to: number,
): Promise<{ identified: number; placed: number; awaitingPlacement: number }> {
  let recent = db
    .selectFrom('case_contacts')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.count<number>('quarantined_at').as('placed')])
    .where('category', '=', 'close')
    .where('identified_at', '>=', from)
    .where('identified_at', '<', to);
  if (prefix) recent = recent.where('jurisdiction_path', 'like', `${prefix}%`);
  // Awaiting placement is counted where the person lives (the district that must place them).
  let waiting = db
    .selectFrom('case_contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('category', '=', 'close')
    .where('status', '=', 'open')
    .where('person_id', 'is not', null)
    .where('quarantined_at', 'is', null);
  if (prefix) waiting = waiting.where('person_path', 'like', `${prefix}%`);
  const [r, w] = await Promise.all([recent.executeTakeFirst(), waiting.executeTakeFirst()]);
  return { identified: Number(r?.n ?? 0), placed: Number(r?.placed ?? 0), awaitingPlacement: Number(w?.n ?? 0) };
}
