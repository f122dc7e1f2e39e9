import type { DbOrTx } from '../../db/dialect.js';

/** Read-only counts for the situation home page, on this module's own tables. `prefix` null = the whole city. */

/** Areas published and lifted in [from, to) (from the area events, each one journaled). */
export async function areaEventCounts(db: DbOrTx, prefix: string | null, from: number, to: number): Promise<{ published: number; lifted: number }> {
  let q = db
    .selectFrom('zoning_area_events')
    .select(['kind', (eb) => eb.fn.count<number>('area_id').distinct().as('n')])
    .where('kind', 'in', ['published', 'lifted'])
    .where('at', '>=', from)
    .where('at', '<', to);
  if (prefix) q = q.where('jurisdiction_path', 'like', `${prefix}%`);
  const out = { published: 0, lifted: 0 };
  for (const r of await q.groupBy('kind').execute()) out[r.kind as 'published' | 'lifted'] = Number(r.n);
  return out;
}

/** Published areas now, by level. */
export async function currentAreas(db: DbOrTx, prefix: string | null): Promise<{ high: number; medium: number; low: number }> {
  let q = db
    .selectFrom('zoning_areas')
    .select(['level', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'published');
  if (prefix) q = q.where('jurisdiction_path', 'like', `${prefix}%`);
  const out = { high: 0, medium: 0, low: 0 };
  for (const r of await q.groupBy('level').execute()) if (r.level in out) out[r.level as 'high'] = Number(r.n);
  return out;
}
