import { sql } from 'kysely';
import type { DbOrTx } from '../../db/dialect.js';
import type { TaskEventsTable, TasksTable } from './tasks.table.js';
import { FINAL_TASK_STATUSES, type TaskPriority, type TaskStatus } from '../../../common/tasks.js';

/** A task row with the names of its assignee and creator units. */
export interface TaskRow extends TasksTable {
  assignee_unit_name: string;
  creator_unit_name: string | null;
}

export interface TaskEventRow extends TaskEventsTable {
  unit_name: string | null;
  from_unit_name: string | null;
  /** The actor's current display name, when the actor is a user who still exists. */
  actor_display_name: string | null;
}

export interface TaskListFilter {
  box: 'unit' | 'created' | 'all';
  unitId: string | null;
  /** Jurisdiction prefix of the caller's scope (null: everything). Used by box `all`. */
  scopePrefix: string | null;
  status?: TaskStatus[];
  priority?: TaskPriority[];
  /** Only tasks past their due time and not finished (now = the instant to compare with). */
  overdueAt?: number;
  /** The to-do list: open tasks in one deadline section ([from, to) in epoch ms; upcoming includes no deadline), earliest due first. */
  due?: { bucket: 'overdue' | 'today' | 'upcoming'; now: number; endOfToday: number };
  offset: number;
  limit: number;
}

/** Statuses after which nothing but comments may change. */
export const FINAL_STATUSES = FINAL_TASK_STATUSES;

function baseTaskQuery(db: DbOrTx) {
  return db
    .selectFrom('tasks as t')
    .innerJoin('units as au', 'au.id', 't.assignee_unit_id')
    .leftJoin('units as cu', 'cu.id', 't.creator_unit_id')
    .selectAll('t')
    .select(['au.name as assignee_unit_name', 'cu.name as creator_unit_name']);
}

export async function insertTask(db: DbOrTx, row: TasksTable): Promise<void> {
  await db.insertInto('tasks').values(row).execute();
}

export async function insertTaskEvent(db: DbOrTx, row: TaskEventsTable): Promise<void> {
  await db.insertInto('task_events').values(row).execute();
}

export async function findTask(db: DbOrTx, id: string): Promise<TaskRow | undefined> {
  return baseTaskQuery(db).where('t.id', '=', id).executeTakeFirst();
}

/** The two jurisdiction paths a task is visible in (assignee unit's and the task's own). */
export async function findTaskPaths(db: DbOrTx, id: string): Promise<{ assignee_path: string; jurisdiction_path: string } | undefined> {
  return db.selectFrom('tasks').select(['assignee_path', 'jurisdiction_path']).where('id', '=', id).executeTakeFirst();
}

/**
 * Applies a change only if the task is still at the version read (compare-and-set), so two people
 * moving the same task at once cannot both succeed. Returns false when someone else got there first.
 */
export async function updateTaskIfVersion(db: DbOrTx, id: string, version: number, changes: Partial<TasksTable>): Promise<boolean> {
  const r = await db
    .updateTable('tasks')
    .set({ ...changes, version: version + 1 })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listTaskEvents(db: DbOrTx, taskId: string): Promise<TaskEventRow[]> {
  return db
    .selectFrom('task_events as e')
    .leftJoin('units as u', 'u.id', 'e.unit_id')
    .leftJoin('units as fu', 'fu.id', 'e.from_unit_id')
    .leftJoin('users as a', 'a.id', 'e.actor_id')
    .selectAll('e')
    .select(['u.name as unit_name', 'fu.name as from_unit_name', 'a.display_name as actor_display_name'])
    .where('e.task_id', '=', taskId)
    .orderBy('e.at')
    .orderBy('e.id')
    .execute();
}

export async function listTasks(db: DbOrTx, f: TaskListFilter): Promise<{ rows: TaskRow[]; total: number }> {
  let base = db.selectFrom('tasks as t').innerJoin('units as au', 'au.id', 't.assignee_unit_id').leftJoin('units as cu', 'cu.id', 't.creator_unit_id');
  if (f.box === 'unit') base = base.where('t.assignee_unit_id', '=', f.unitId ?? '');
  else if (f.box === 'created') base = base.where('t.creator_unit_id', '=', f.unitId ?? '');
  else if (f.scopePrefix) {
    const p = `${f.scopePrefix}%`;
    base = base.where((eb) => eb.or([eb('t.assignee_path', 'like', p), eb('t.jurisdiction_path', 'like', p)]));
  }
  if (f.status?.length) base = base.where('t.status', 'in', f.status);
  if (f.priority?.length) base = base.where('t.priority', 'in', f.priority);
  if (f.overdueAt !== undefined) base = base.where('t.due_at', '<', f.overdueAt).where('t.status', 'not in', [...FINAL_STATUSES]);
  const d = f.due;
  if (d) {
    base = base.where('t.status', 'not in', [...FINAL_STATUSES]);
    if (d.bucket === 'overdue') base = base.where('t.due_at', '<', d.now);
    else if (d.bucket === 'today') base = base.where('t.due_at', '>=', d.now).where('t.due_at', '<', d.endOfToday);
    else base = base.where((eb) => eb.or([eb('t.due_at', 'is', null), eb('t.due_at', '>=', d.endOfToday)]));
  }
  let q = base.selectAll('t').select(['au.name as assignee_unit_name', 'cu.name as creator_unit_name']);
  // The to-do list reads by deadline (no deadline last: a case expression, same on both dialects).
  q = d
    ? q
        .orderBy(sql`case when t.due_at is null then 1 else 0 end`)
        .orderBy('t.due_at')
        .orderBy('t.id')
    : q.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc');
  const rows = await q.offset(f.offset).limit(f.limit).execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

/** Open tasks past their deadline whose overdue alert has not gone out yet. */
export async function findOverdueUnnotified(db: DbOrTx, now: number, limit: number): Promise<TaskRow[]> {
  return baseTaskQuery(db)
    .where('t.due_at', '<', now)
    .where('t.status', 'not in', [...FINAL_STATUSES])
    .where('t.overdue_notified_at', 'is', null)
    .orderBy('t.due_at')
    .limit(limit)
    .execute();
}

/** Marks the overdue alert as sent; false when another run already did. */
export async function markOverdueNotified(db: DbOrTx, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('tasks')
    .set({ overdue_notified_at: now, version: sql`version + 1` })
    .where('id', '=', id)
    .where('overdue_notified_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function findUnit(db: DbOrTx, id: string): Promise<{ id: string; name: string; jurisdiction_path: string; active: number } | undefined> {
  return db.selectFrom('units').select(['id', 'name', 'jurisdiction_path', 'active']).where('id', '=', id).executeTakeFirst();
}

export async function findUserDisplayName(db: DbOrTx, userId: string): Promise<string | undefined> {
  const r = await db.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
  return r?.display_name;
}

/** Open tasks among the given ids and/or about the given source record (for closing by work done elsewhere). */
export async function findOpenTasks(db: DbOrTx, f: { ids?: string[]; source?: { type: string; id: string } }): Promise<TaskRow[]> {
  const ids = (f.ids ?? []).filter(Boolean);
  if (!ids.length && !f.source) return [];
  return baseTaskQuery(db)
    .where('t.status', 'not in', [...FINAL_STATUSES])
    .where((eb) => {
      const conds = [];
      if (ids.length) conds.push(eb('t.id', 'in', ids));
      if (f.source) conds.push(eb.and([eb('t.source_entity_type', '=', f.source.type), eb('t.source_entity_id', '=', f.source.id)]));
      return eb.or(conds);
    })
    .orderBy('t.id')
    .execute();
}
