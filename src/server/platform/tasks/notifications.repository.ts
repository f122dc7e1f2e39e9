import { sql, type ExpressionBuilder } from 'kysely';
import type { DbOrTx } from '../../db/dialect.js';
import type { Database } from '../../db/schema.js';
import type { NotificationsTable } from './tasks.table.js';

/** The reader a feed is for: their id, unit and jurisdiction scope. */
export interface Reader {
  userId: string | null;
  unitId: string | null;
  scopePath: string;
  /** The system (jobs, tests): every notification. */
  all?: boolean;
}

export interface NotificationRow extends NotificationsTable {
  read_at: number | null;
}

/**
 * The feed condition (same rule as audienceMatches): addressed to the reader, their unit, a
 * jurisdiction overlapping their scope (inside it or above it), or to nobody in particular (everyone).
 */
function audience(eb: ExpressionBuilder<Database & { n: NotificationsTable }, 'n'>, r: Reader) {
  const conds = [
    eb.and([eb('n.user_id', 'is', null), eb('n.unit_id', 'is', null), eb('n.jurisdiction_path', 'is', null)]),
    eb('n.jurisdiction_path', 'like', `${r.scopePath}%`),
    eb(eb.val(r.scopePath), 'like', sql<string>`${sql.ref('n.jurisdiction_path')} || '%'`),
  ];
  if (r.userId) conds.push(eb('n.user_id', '=', r.userId));
  if (r.unitId) conds.push(eb('n.unit_id', '=', r.unitId));
  return eb.or(conds);
}

/** The same audience rule, on the alias `n2` of a correlated subquery (raw SQL: the alias is not in the typed schema). */
function audienceOfN2(r: Reader) {
  if (r.all) return sql<boolean>`1 = 1`;
  return sql<boolean>`((n2.user_id is null and n2.unit_id is null and n2.jurisdiction_path is null)
    or n2.jurisdiction_path like ${`${r.scopePath}%`}
    or ${r.scopePath} like n2.jurisdiction_path || '%'
    or n2.user_id = ${r.userId ?? ''}
    or n2.unit_id = ${r.unitId ?? ''})`;
}

/**
 * Alerts about one event share a group key: the feed shows each group once, as its newest member the
 * reader can see (`openOnly`: among the members still unacknowledged).
 */
function groupHead(r: Reader, openOnly = false) {
  const open = openOnly ? sql`and n2.acknowledged_at is null` : sql``;
  return sql<boolean>`(n.group_key is null or not exists (
    select 1 from notifications n2
    where n2.group_key = n.group_key ${open}
      and (n2.created_at > n.created_at or (n2.created_at = n.created_at and n2.id > n.id))
      and ${audienceOfN2(r)}))`;
}

function feedQuery(db: DbOrTx, r: Reader) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as nr', (j) => j.onRef('nr.notification_id', '=', 'n.id').on('nr.user_id', '=', r.userId ?? ''))
    .where((eb) => (r.all ? eb.lit(true) : audience(eb, r)));
}

/** Every member of the given groups that is in the reader's feed, oldest first. */
export async function findGroupMembers(db: DbOrTx, r: Reader, keys: string[]): Promise<NotificationRow[]> {
  if (!keys.length) return [];
  return feedQuery(db, r).selectAll('n').select('nr.read_at').where('n.group_key', 'in', keys).orderBy('n.created_at').orderBy('n.id').execute();
}

/** Display names of units and jurisdictions (by path), for listing an alert group's recipients. */
export async function recipientNames(db: DbOrTx, unitIds: string[], paths: string[]): Promise<{ units: Map<string, string>; paths: Map<string, string> }> {
  const units = unitIds.length ? await db.selectFrom('units').select(['id', 'name']).where('id', 'in', unitIds).execute() : [];
  const js = paths.length ? await db.selectFrom('jurisdictions').select(['path', 'name']).where('path', 'in', paths).execute() : [];
  return { units: new Map(units.map((u) => [u.id, u.name])), paths: new Map(js.map((j) => [j.path, j.name])) };
}

export async function insertNotification(db: DbOrTx, row: NotificationsTable): Promise<void> {
  await db.insertInto('notifications').values(row).execute();
}

/** One notification, only if it is in the reader's feed. */
export async function findForReader(db: DbOrTx, r: Reader, id: string): Promise<NotificationRow | undefined> {
  return feedQuery(db, r).selectAll('n').select('nr.read_at').where('n.id', '=', id).executeTakeFirst();
}

export async function listFeed(
  db: DbOrTx,
  r: Reader,
  f: { unread?: boolean; alertsOnly?: boolean; offset: number; limit: number },
): Promise<{ rows: NotificationRow[]; total: number; unacknowledgedAlerts: number }> {
  let q = feedQuery(db, r).where(groupHead(r));
  if (f.unread) q = q.where('nr.read_at', 'is', null);
  if (f.alertsOnly) q = q.where('n.severity', 'is not', null);
  const rows = await q.selectAll('n').select('nr.read_at').orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').offset(f.offset).limit(f.limit).execute();
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);
  const open = await feedQuery(db, r)
    .where('n.severity', 'is not', null)
    .where('n.acknowledged_at', 'is', null)
    .where(groupHead(r, true))
    .select((eb) => eb.fn.countAll<number>().as('c'))
    .executeTakeFirstOrThrow();
  return { rows, total, unacknowledgedAlerts: Number(open.c) };
}

/** Records that a user read a notification (the first read counts). */
export async function markRead(db: DbOrTx, notificationId: string, userId: string, at: number): Promise<void> {
  await db
    .insertInto('notification_reads')
    .values({ notification_id: notificationId, user_id: userId, read_at: at })
    .onConflict((oc) => oc.columns(['notification_id', 'user_id']).doNothing())
    .execute();
}

/** Acknowledges an open alert; false when it was already acknowledged (compare-and-set). */
export async function acknowledge(db: DbOrTx, id: string, by: { userId: string | null; name: string; note: string | null; at: number }): Promise<boolean> {
  const r = await db
    .updateTable('notifications')
    .set({ acknowledged_at: by.at, acknowledged_by: by.userId, acknowledged_by_name: by.name, ack_note: by.note })
    .where('id', '=', id)
    .where('severity', 'is not', null)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function findJurisdictionPath(db: DbOrTx, id: string): Promise<string | undefined> {
  const r = await db.selectFrom('jurisdictions').select('path').where('id', '=', id).executeTakeFirst();
  return r?.path;
}
