/** Entity scopes: the jurisdiction path of one record, for the policy hook. */
import type { DbOrTx } from '../../../db/dialect.js';
import { hotQuery } from '../../../db/hot-query.js';

export async function campaignScopePath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_campaigns').select('scope_path').where('id', '=', id).executeTakeFirst())?.scope_path;
}

export async function sitePath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_sites').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}

const tubePathQ = hotQuery((db, id: string) => db.selectFrom('testing_tubes').select('jurisdiction_path').where('id', '=', id), ['\u0001tube']);

export async function tubePath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await tubePathQ(db, id))[0]?.jurisdiction_path;
}

export async function recheckPath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_rechecks').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}

export async function flagPath(db: DbOrTx, id: string): Promise<string | undefined> {
  return (await db.selectFrom('testing_flags').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
}
