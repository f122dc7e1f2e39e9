import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { JournalHeadsTable, JournalTable } from '../platform.table.js';
import { lastItem } from '../items.js';

/** Locks the journal head and allocates the next sequence; returns it with the previous hash. */
export async function claimNextSeq(trx: Tx): Promise<{ seq: number; prevHash: string }> {
  // The UPDATE takes the head row's lock until commit: appends are serialised in commit order
  // on PostgreSQL, and SQLite serialises writers anyway.
  const row = await trx
    .updateTable('journal_head')
    .set({ seq: sql`seq + 1` })
    .where('id', '=', 1)
    .returning(['seq', 'hash'])
    .executeTakeFirstOrThrow();
  return { seq: Number(row.seq), prevHash: row.hash };
}

export async function insertEntry(trx: Tx, row: JournalTable): Promise<void> {
  await trx.insertInto('journal').values(row).execute();
  await trx.updateTable('journal_head').set({ hash: row.hash }).where('id', '=', 1).execute();
}

export interface JournalFilter {
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  /** Jurisdiction path prefix (subtree). */
  pathPrefix?: string | null;
  /** With a pathPrefix: also entries that have no jurisdiction path (clock changes, lab receipts…). */
  includeUnpathed?: boolean;
  from?: number;
  to?: number;
  /** Return entries with seq < before (newest first paging). */
  before?: number;
  limit: number;
}

export async function listEntries(db: DbOrTx, f: JournalFilter): Promise<JournalTable[]> {
  let q = db.selectFrom('journal').selectAll();
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.actorId) q = q.where('actor_id', '=', f.actorId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.pathPrefix) {
    const prefix = f.pathPrefix;
    q = f.includeUnpathed
      ? q.where((eb) => eb.or([eb('jurisdiction_path', 'like', `${prefix}%`), eb('jurisdiction_path', 'is', null)]))
      : q.where('jurisdiction_path', 'like', `${prefix}%`);
  }
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  if (f.before !== undefined) q = q.where('seq', '<', f.before);
  return q.orderBy('seq', 'desc').limit(f.limit).execute();
}

/** Streams the whole journal in sequence order, in pages, for verification. */
export async function* iterateAll(db: DbOrTx, pageSize = 5000): AsyncGenerator<JournalTable[]> {
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('journal').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) return;
    yield rows;
    after = Number(lastItem(rows, 'a journal row').seq);
  }
}

export async function countEntries(db: DbOrTx): Promise<number> {
  const r = await db.selectFrom('journal_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(r.seq);
}

/** Entries recorded against a jurisdiction subtree (uses the path index). */
export async function countUnder(db: DbOrTx, pathPrefix: string): Promise<number> {
  const r = await db
    .selectFrom('journal')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('jurisdiction_path', 'like', `${pathPrefix}%`)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The chain's current head (last sequence and hash). */
export async function readHead(db: DbOrTx): Promise<{ seq: number; hash: string }> {
  const r = await db.selectFrom('journal_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { seq: Number(r.seq), hash: r.hash };
}

/** The highest signed head, if any. */
export async function lastSignedHead(db: DbOrTx): Promise<JournalHeadsTable | undefined> {
  return db.selectFrom('journal_heads').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** Records a signed head; a head already signed (another process got there first) is kept. */
export async function insertSignedHead(db: DbOrTx, row: JournalHeadsTable): Promise<void> {
  await db
    .insertInto('journal_heads')
    .values(row)
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
}

/** Signed heads with seq > after, oldest first. */
export async function listSignedHeads(db: DbOrTx, after: number, limit: number): Promise<JournalHeadsTable[]> {
  return db.selectFrom('journal_heads').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
}
