import type { DbOrTx } from '../../db/dialect.js';
import type { DoorknockOutcomesTable } from './doorknock.table.js';

/** Records one knock. */
export async function insertOutcome(db: DbOrTx, row: DoorknockOutcomesTable): Promise<void> {
  await db.insertInto('doorknock_outcomes').values(row).execute();
}

/** Every knock of a campaign in a building, oldest first (a building holds at most a few hundred). */
export async function outcomesInBuilding(db: DbOrTx, campaignId: string, buildingId: string): Promise<DoorknockOutcomesTable[]> {
  const rows = await db
    .selectFrom('doorknock_outcomes')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('building_id', '=', buildingId)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

export type OutcomeRow = DoorknockOutcomesTable;
