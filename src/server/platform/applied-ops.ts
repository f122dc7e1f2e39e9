import type { Tx } from '../db/dialect.js';

/**
 * Claims client-generated ids of batch items inside the caller's transaction. Returns the ids not
 * seen before; the caller applies only those, so a resent batch never counts twice. Chunked to stay
 * under both dialects' parameter limits.
 */
export async function claimClientIds(trx: Tx, scope: string, clientIds: readonly string[], at: number): Promise<Set<string>> {
  const fresh = new Set<string>();
  const unique = [...new Set(clientIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const rows = await trx
      .insertInto('applied_ops')
      .values(chunk.map((client_id) => ({ scope, client_id, applied_at: at, result: null })))
      .onConflict((oc) => oc.columns(['scope', 'client_id']).doNothing())
      .returning('client_id')
      .execute();
    for (const r of rows) fresh.add(r.client_id);
  }
  return fresh;
}
