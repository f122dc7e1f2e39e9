/** Person merges (the population module merges a duplicate record into the kept one). */
import type { DbOrTx, Tx } from '../../../db/dialect.js';
import { type ScanRow } from './shared.js';

/** Counted scans of `fromId` in campaigns where `intoId` also has a counted scan (they must stop counting). */
export async function countedScansClashing(db: DbOrTx, fromId: string, intoId: string): Promise<(ScanRow & { tube_result: string | null })[]> {
  return db
    .selectFrom('testing_scans as s')
    .innerJoin('testing_tubes as t', 't.id', 's.tube_id')
    .selectAll('s')
    .select('t.result as tube_result')
    .where('s.person_id', '=', fromId)
    .where('s.counted', '=', 1)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('testing_scans as o')
          .select('o.id')
          .whereRef('o.campaign_id', '=', 's.campaign_id')
          .where('o.person_id', '=', intoId)
          .where('o.counted', '=', 1),
      ),
    )
    .execute();
}

/** Points every testing record of `fromId` at `intoId` (exemptions and home-sampling rows already there for `intoId` win). */
export async function redirectPerson(trx: Tx, fromId: string, intoId: string): Promise<void> {
  await trx.updateTable('testing_scans').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  await trx.updateTable('testing_rechecks').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  await trx.updateTable('testing_flags').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  const keptExempt = (await trx.selectFrom('testing_exemptions').select('campaign_id').where('person_id', '=', intoId).execute()).map((r) => r.campaign_id);
  if (keptExempt.length) await trx.deleteFrom('testing_exemptions').where('person_id', '=', fromId).where('campaign_id', 'in', keptExempt).execute();
  await trx.updateTable('testing_exemptions').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  const keptHome = (await trx.selectFrom('testing_home_sampling').select('campaign_id').where('person_id', '=', intoId).execute()).map((r) => r.campaign_id);
  if (keptHome.length) await trx.deleteFrom('testing_home_sampling').where('person_id', '=', fromId).where('campaign_id', 'in', keptHome).execute();
  await trx.updateTable('testing_home_sampling').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
}
