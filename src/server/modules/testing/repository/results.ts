/** Lab results (lab.service). */
import type { DbOrTx } from '../../../db/dialect.js';
import { chunks, type ResultRow } from './shared.js';

export async function insertResults(db: DbOrTx, rows: readonly ResultRow[]): Promise<void> {
  for (const c of chunks(rows, 300)) await db.insertInto('testing_results').values(c).execute();
}

export async function resultsOfTube(db: DbOrTx, tubeId: string): Promise<ResultRow[]> {
  return db.selectFrom('testing_results').selectAll().where('tube_id', '=', tubeId).orderBy('reported_at').orderBy('id').execute();
}

export async function markResultsIneffective(db: DbOrTx, tubeId: string): Promise<void> {
  await db.updateTable('testing_results').set({ effective: 0 }).where('tube_id', '=', tubeId).execute();
}
