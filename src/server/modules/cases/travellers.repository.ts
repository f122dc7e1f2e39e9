import type { DbOrTx } from '../../db/dialect.js';
import type { TravellerArrivalTestsTable, TravellersTable } from './cases.table.js';
import type { TravellerCategory } from '../../../common/quarantine.js';

export type TravellerRow = TravellersTable;
export type ArrivalTestRow = TravellerArrivalTestsTable;

export const insertTraveller = (db: DbOrTx, r: TravellerRow) => db.insertInto('travellers').values(r).execute();
export const findTraveller = (db: DbOrTx, id: string) => db.selectFrom('travellers').selectAll().where('id', '=', id).executeTakeFirst();
export const travellerPath = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('travellers').select('person_path').where('id', '=', id).executeTakeFirst())?.person_path;

/** Travellers under a path prefix, newest first. */
export function listTravellers(
  db: DbOrTx,
  f: { prefix: string; category?: TravellerCategory; personId?: string; limit: number; offset: number },
): Promise<TravellerRow[]> {
  let q = db.selectFrom('travellers').selectAll().where('person_path', 'like', `${f.prefix}%`);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.personId) q = q.where('person_id', '=', f.personId);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
}

export async function countTravellers(db: DbOrTx, f: { prefix: string; category?: TravellerCategory; personId?: string }): Promise<number> {
  let q = db
    .selectFrom('travellers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('person_path', 'like', `${f.prefix}%`);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.personId) q = q.where('person_id', '=', f.personId);
  return Number((await q.executeTakeFirst())?.n ?? 0);
}

export const insertArrivalTest = (db: DbOrTx, r: ArrivalTestRow) => db.insertInto('traveller_arrival_tests').values(r).execute();

export async function arrivalTestsOf(db: DbOrTx, travellerIds: readonly string[]): Promise<Map<string, ArrivalTestRow[]>> {
  const out = new Map<string, ArrivalTestRow[]>(travellerIds.map((id) => [id, []]));
  if (!travellerIds.length) return out;
  const rows = await db
    .selectFrom('traveller_arrival_tests')
    .selectAll()
    .where('traveller_id', 'in', [...travellerIds])
    .orderBy('tested_at')
    .execute();
  for (const r of rows) out.get(r.traveller_id)?.push(r);
  return out;
}
