/** Home sampling of persons who cannot come to a site (home-sampling.service). */
import type { DbOrTx } from '../../../db/dialect.js';
import type { TestingHomeSamplingTable } from '../testing.table.js';
import { chunks } from './shared.js';

/** Records home-sampling persons; returns those not recorded before. */
export async function claimHomeSampling(db: DbOrTx, rows: readonly TestingHomeSamplingTable[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of chunks(rows)) {
    const r = await db
      .insertInto('testing_home_sampling')
      .values(c)
      .onConflict((oc) => oc.columns(['campaign_id', 'person_id']).doNothing())
      .returning('person_id')
      .execute();
    for (const x of r) out.add(x.person_id);
  }
  return out;
}

export async function setHomeSamplingTask(db: DbOrTx, campaignId: string, personId: string, taskId: string): Promise<void> {
  await db.updateTable('testing_home_sampling').set({ task_id: taskId }).where('campaign_id', '=', campaignId).where('person_id', '=', personId).execute();
}
