import { sql } from 'kysely';
import type { Tx } from '../db/dialect.js';

/**
 * Allocates the next value of a named counter. The UPDATE holds the row lock until commit, so
 * values are handed out in commit order (what the outbox poller relies on).
 */
export async function nextCounter(trx: Tx, name: string): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set({ value: sql`value + 1` })
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirst();
  if (row) return Number(row.value);
  await trx
    .insertInto('counters')
    .values({ name, value: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return nextCounter(trx, name);
}
