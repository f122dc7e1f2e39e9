import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../actor.js';
import { MINUTE, addDays, calendarDay, startOfDay } from '../clock.js';
import { Errors } from '../errors.js';
import { entityScopeResolver, registerEntityScope } from '../http/policy.js';
import { newId } from '../ids.js';
import { createNotificationService } from './notifications.service.js';
import { createTaskOverdueService } from './task-overdue.service.js';
import { createTaskRecorder } from './task-recorder.js';
import {
  isFinal,
  PATH,
  TASK_PRIORITIES,
  TaskErrors,
  TRANSITIONS,
  toTaskDto,
  type CreateTaskInput,
  type TaskDto,
  type TaskListQuery,
  type TaskStatus,
} from './tasks.dto.js';
import * as repo from './tasks.repository.js';
import { storeText } from './stored-text.js';
import type { TasksTable } from './tasks.table.js';
import type { TaskService } from './tasks.types.js';
import type { TaskClosedBy } from './tasks.types.js';

export type { TaskDto, CreateTaskInput } from './tasks.dto.js';

// A task is visible in the assignee unit's jurisdiction and in its own jurisdiction path.
registerEntityScope('task', async (db, id) => {
  const r = await repo.findTaskPaths(db, id);
  return r ? [r.assignee_path, r.jurisdiction_path] : undefined;
});

/**
 * Tasks (任务 / 督办单): work any module dispatches to a unit, its status flow, hand-offs between
 * units, comments and cancellation — all kept as task_events and journaled — plus the overdue check
 * and (in notifications.service.ts) notifications and alerts.
 */
export function createTaskService(deps: Deps): TaskService {
  const notifications = createNotificationService(deps);
  const { event, publish } = createTaskRecorder({ clock: deps.clock, outbox: deps.services.outbox });
  const { checkOverdue } = createTaskOverdueService({ journal: deps.services.journal, notifications, event, publish });

  /** Whether the actor may see the task: its assignee's or its own jurisdiction, or their unit holds or made it. */
  function canSee(actor: Actor, r: repo.TaskRow): boolean {
    return (
      actor.kind === 'system' ||
      inScope(actor, r.assignee_path) ||
      inScope(actor, r.jurisdiction_path) ||
      (!!actor.unitId && (r.assignee_unit_id === actor.unitId || r.creator_unit_id === actor.unitId))
    );
  }

  async function load(db: DbOrTx, actor: Actor, id: string): Promise<repo.TaskRow> {
    const r = await repo.findTask(db, id);
    if (!r || !canSee(actor, r)) throw TaskErrors.TASK_NOT_FOUND({ id });
    return r;
  }

  /** Compare-and-set update: a concurrent change in between is a 409, never a silent overwrite. */
  async function update(trx: Tx, r: repo.TaskRow, changes: Partial<TasksTable>): Promise<void> {
    if (!(await repo.updateTaskIfVersion(trx, r.id, Number(r.version), { ...changes, updated_at: deps.clock.now() }))) {
      throw Errors.CONFLICT({ id: r.id });
    }
  }

  async function reload(trx: Tx, id: string): Promise<TaskDto> {
    const r = (await repo.findTask(trx, id))!;
    return toTaskDto(r, deps.clock.now(), await repo.listTaskEvents(trx, id));
  }

  // Every minute, whichever process gets there first: alert the units whose tasks just became overdue.
  deps.services.jobs.registerRecurring('tasks.overdue-check', MINUTE, async (trx, _payload, ctx) => {
    const n = await checkOverdue(trx, ctx.actor, ctx.now);
    if (n) ctx.log.info({ n }, 'overdue task alerts sent');
  });

  /**
   * A unit a user may hand work to: inside their scope, or above it (escalating to the district or city
   * HQ). A unit elsewhere (a neighbouring district's) gets the same 404 as a missing or inactive one.
   */
  async function assignableUnit(db: DbOrTx, actor: Actor, unitId: string) {
    const unit = await repo.findUnit(db, unitId);
    const reachable = !!unit && (actor.kind === 'system' || inScope(actor, unit.jurisdiction_path) || actor.scopePath.startsWith(unit.jurisdiction_path));
    if (!unit || !unit.active || !reachable) throw TaskErrors.TASK_UNIT_NOT_FOUND({ unitId });
    return unit;
  }

  /**
   * A source a request claims (`sourceEntityType` + `sourceEntityId`): both or neither; the type must be
   * an entity the policy knows, and the entity must exist inside the caller's scope (else the same 404
   * as a missing one), so a task cannot point at another district's record.
   */
  async function checkClaimedSource(db: DbOrTx, actor: Actor, input: Pick<CreateTaskInput, 'sourceEntityType' | 'sourceEntityId'>) {
    const type = input.sourceEntityType?.trim() || null;
    const id = input.sourceEntityId?.trim() || null;
    if (!type && !id) return;
    if (!type) throw TaskErrors.TASK_INVALID({ field: 'sourceEntityType' }, 'A source id needs its entity type');
    if (!id) throw TaskErrors.TASK_INVALID({ field: 'sourceEntityId' }, 'A source entity type needs its id');
    const resolve = entityScopeResolver(type);
    if (!resolve) throw TaskErrors.TASK_INVALID({ field: 'sourceEntityType', sourceEntityType: type }, 'Unknown source entity type');
    const paths = await resolve(db as Parameters<typeof resolve>[0], id);
    if (!paths || (actor.kind !== 'system' && !paths.some((p) => inScope(actor, p))))
      throw TaskErrors.TASK_SOURCE_NOT_FOUND({ sourceEntityType: type, sourceEntityId: id });
  }

  const service = {
    /**
     * Creates a task from a request (POST /api/tasks): every id the body names is a scope check — the
     * assignee unit inside or above the caller's scope, the claimed source existing in scope — then
     * `create`. Modules that pick the unit by their own rules call `create` directly.
     */
    async createRequested(trx: DbOrTx | undefined | null, actor: Actor, input: CreateTaskInput): Promise<TaskDto> {
      return inTx(trx ?? deps.db, async (t) => {
        await assignableUnit(t, actor, input.assigneeUnitId);
        await checkClaimedSource(t, actor, input);
        return service.create(t, actor, input);
      });
    },

    /** Creates a task assigned to a unit; journaled `task.create`, event `task.changed` to the unit. */
    async create(trx: DbOrTx | undefined | null, actor: Actor, input: CreateTaskInput): Promise<TaskDto> {
      const title = storeText(input.title ?? '', deps.config.tz);
      if (!title.text) throw TaskErrors.TASK_INVALID({ field: 'title' });
      const description = input.description == null ? null : storeText(input.description, deps.config.tz);
      if (!PATH.test(input.jurisdictionPath)) throw TaskErrors.TASK_INVALID({ field: 'jurisdictionPath' });
      if (!(TASK_PRIORITIES as readonly string[]).includes(input.priority)) throw TaskErrors.TASK_INVALID({ field: 'priority' });
      if (actor.kind !== 'system' && !inScope(actor, input.jurisdictionPath)) throw TaskErrors.TASK_OUT_OF_SCOPE({ jurisdictionPath: input.jurisdictionPath });
      return inTx(trx ?? deps.db, async (t) => {
        const unit = await repo.findUnit(t, input.assigneeUnitId);
        if (!unit || !unit.active) throw TaskErrors.TASK_UNIT_NOT_FOUND({ unitId: input.assigneeUnitId });
        const now = deps.clock.now();
        const row: TasksTable = {
          id: newId(),
          title: title.text,
          description: description?.text || null,
          title_key: title.key,
          title_params: title.params,
          description_key: description?.text ? description.key : null,
          description_params: description?.text ? description.params : null,
          source_module: input.sourceModule,
          source_entity_type: input.sourceEntityType ?? null,
          source_entity_id: input.sourceEntityId ?? null,
          assignee_unit_id: unit.id,
          assignee_path: unit.jurisdiction_path,
          creator_unit_id: actor.unitId,
          creator_user_id: actor.userId,
          jurisdiction_path: input.jurisdictionPath,
          priority: input.priority,
          status: 'new',
          due_at: input.dueAt ?? null,
          overdue_notified_at: null,
          cancel_reason: null,
          subject: input.subject?.text.trim() || null,
          subject_kind: input.subject?.text.trim() ? input.subject.kind : null,
          closed_by_kind: null,
          closed_by_id: null,
          closed_at: null,
          version: 1,
          created_at: now,
          updated_at: now,
        };
        await repo.insertTask(t, row);
        await event(t, actor, { task_id: row.id, kind: 'created', from_status: null, to_status: 'new', unit_id: unit.id, from_unit_id: null, note: null });
        await deps.services.journal.append(t, actor, {
          action: 'task.create',
          entityType: 'task',
          entityId: row.id,
          jurisdictionPath: row.jurisdiction_path,
          // The title as the record shows it (a key's Chinese rendering), whatever language readers see.
          payload: {
            title: row.title,
            assigneeUnitId: unit.id,
            priority: row.priority,
            dueAt: row.due_at,
            sourceModule: row.source_module,
            sourceEntityType: row.source_entity_type,
            sourceEntityId: row.source_entity_id,
            subject: row.subject,
          },
        });
        await publish(t, unit.id, { taskId: row.id, status: 'new', change: 'created' });
        return reload(t, row.id);
      });
    },

    /**
     * Moves a task along new → acknowledged → in_progress → reported → verified (or a reported task
     * back to in_progress). The assignee unit does the work; reported → * needs task.verify.
     * Any other move is a 409 TASK_TRANSITION_INVALID with {from, to, allowed}.
     */
    async transition(trx: DbOrTx | undefined | null, actor: Actor, id: string, to: TaskStatus, note?: string | null): Promise<TaskDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const r = await load(t, actor, id);
        const from = r.status;
        const allowed = TRANSITIONS[from] ?? [];
        if (!allowed.includes(to)) throw TaskErrors.TASK_TRANSITION_INVALID({ from, to, allowed });
        if (from === 'reported') {
          if (!actor.capabilities.has('task.verify')) throw Errors.FORBIDDEN({ capability: 'task.verify' });
        } else if (actor.kind !== 'system' && actor.unitId !== r.assignee_unit_id) {
          throw TaskErrors.TASK_NOT_ASSIGNEE({ assigneeUnitId: r.assignee_unit_id });
        }
        await update(t, r, { status: to });
        await event(t, actor, {
          task_id: id,
          kind: 'transition',
          from_status: from,
          to_status: to,
          unit_id: r.assignee_unit_id,
          from_unit_id: null,
          note: note?.trim() || null,
        });
        await deps.services.journal.append(t, actor, {
          action: 'task.transition',
          entityType: 'task',
          entityId: id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { from, to },
          reason: note?.trim() || null,
        });
        await publish(t, r.assignee_unit_id, { taskId: id, status: to, change: 'transition' });
        return reload(t, id);
      });
    },

    /** Hands a task to another unit (inside or above the caller's scope; status back to `new`); the hand-off is kept in the history. */
    async handoff(trx: DbOrTx | undefined | null, actor: Actor, id: string, h: { unitId: string; note: string }): Promise<TaskDto> {
      const note = h.note?.trim();
      if (!note) throw TaskErrors.TASK_NOTE_REQUIRED({ field: 'note' });
      return inTx(trx ?? deps.db, async (t) => {
        const r = await load(t, actor, id);
        if (isFinal(r.status)) throw TaskErrors.TASK_TRANSITION_INVALID({ from: r.status, to: 'new', allowed: [] });
        if (h.unitId === r.assignee_unit_id) throw TaskErrors.TASK_HANDOFF_SAME_UNIT({ unitId: h.unitId });
        const unit = await assignableUnit(t, actor, h.unitId);
        await update(t, r, { assignee_unit_id: unit.id, assignee_path: unit.jurisdiction_path, status: 'new' });
        await event(t, actor, {
          task_id: id,
          kind: 'handoff',
          from_status: r.status,
          to_status: 'new',
          unit_id: unit.id,
          from_unit_id: r.assignee_unit_id,
          note,
        });
        await deps.services.journal.append(t, actor, {
          action: 'task.handoff',
          entityType: 'task',
          entityId: id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { fromUnitId: r.assignee_unit_id, toUnitId: unit.id, fromStatus: r.status },
          reason: note,
        });
        await publish(t, r.assignee_unit_id, { taskId: id, status: 'new', change: 'handed-off' });
        await publish(t, unit.id, { taskId: id, status: 'new', change: 'handoff' });
        return reload(t, id);
      });
    },

    /** Cancels a task that is not yet verified or cancelled. The reason is required and kept. */
    async cancel(trx: DbOrTx | undefined | null, actor: Actor, id: string, reason: string): Promise<TaskDto> {
      const why = reason?.trim();
      if (!why) throw TaskErrors.TASK_CANCEL_REASON_REQUIRED({ id });
      return inTx(trx ?? deps.db, async (t) => {
        const r = await load(t, actor, id);
        if (isFinal(r.status)) throw TaskErrors.TASK_TRANSITION_INVALID({ from: r.status, to: 'cancelled', allowed: [] });
        await update(t, r, { status: 'cancelled', cancel_reason: why });
        await event(t, actor, {
          task_id: id,
          kind: 'cancelled',
          from_status: r.status,
          to_status: 'cancelled',
          unit_id: r.assignee_unit_id,
          from_unit_id: null,
          note: why,
        });
        await deps.services.journal.append(t, actor, {
          action: 'task.cancel',
          entityType: 'task',
          entityId: id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { from: r.status },
          reason: why,
        });
        await publish(t, r.assignee_unit_id, { taskId: id, status: 'cancelled', change: 'cancelled' });
        return reload(t, id);
      });
    },

    /**
     * Closes the open tasks whose work was just done elsewhere — the given task ids and/or every task
     * about `source` — in the caller's transaction: status verified, `closed_by_*` set to the record
     * that did the work, a `closed` history event, journaled `task.close` and published to the unit.
     * Tasks already verified or cancelled are left as they are (so a retry closes nothing twice).
     * Returns the ids closed.
     */
    async closeForWork(
      trx: Tx,
      actor: Actor,
      which: { taskIds?: (string | null | undefined)[]; source?: { type: string; id: string } },
      by: TaskClosedBy,
    ): Promise<string[]> {
      const rows = await repo.findOpenTasks(trx, { ids: (which.taskIds ?? []).filter((x): x is string => !!x), source: which.source });
      const now = deps.clock.now();
      for (const r of rows) {
        await update(trx, r, { status: 'verified', closed_by_kind: by.kind, closed_by_id: by.id, closed_at: now });
        await event(trx, actor, {
          task_id: r.id,
          kind: 'closed',
          from_status: r.status,
          to_status: 'verified',
          unit_id: r.assignee_unit_id,
          from_unit_id: null,
          // What closed it is on the task (closed_by_*); a note is a person's words.
          note: null,
        });
        await deps.services.journal.append(trx, actor, {
          action: 'task.close',
          entityType: 'task',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { from: r.status, closedByKind: by.kind, closedById: by.id },
        });
        await publish(trx, r.assignee_unit_id, { taskId: r.id, status: 'verified', change: 'closed' });
      }
      return rows.map((r) => r.id);
    },

    /** Adds a comment to a task's history (any status). */
    async comment(trx: DbOrTx | undefined | null, actor: Actor, id: string, note: string): Promise<TaskDto> {
      const text = note?.trim();
      if (!text) throw TaskErrors.TASK_NOTE_REQUIRED({ field: 'note' });
      return inTx(trx ?? deps.db, async (t) => {
        const r = await load(t, actor, id);
        await update(t, r, {});
        await event(t, actor, {
          task_id: id,
          kind: 'comment',
          from_status: null,
          to_status: null,
          unit_id: r.assignee_unit_id,
          from_unit_id: null,
          note: text,
        });
        await deps.services.journal.append(t, actor, {
          action: 'task.comment',
          entityType: 'task',
          entityId: id,
          jurisdictionPath: r.jurisdiction_path,
          payload: {},
          reason: text,
        });
        await publish(t, r.assignee_unit_id, { taskId: id, status: r.status, change: 'comment' });
        return reload(t, id);
      });
    },

    /** A task with its whole history (404 when missing or outside the caller's view). */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<TaskDto> {
      const r = await load(db, actor, id);
      return toTaskDto(r, deps.clock.now(), await repo.listTaskEvents(db, id));
    },

    /** A page of tasks, newest first: my unit's inbox, what my unit created, or all in my scope. */
    async list(actor: Actor, q: TaskListQuery = {}, db: DbOrTx = deps.db): Promise<{ items: TaskDto[]; total: number }> {
      const pageSize = q.pageSize ?? 20;
      const now = deps.clock.now();
      const { rows, total } = await repo.listTasks(db, {
        box: q.box ?? 'unit',
        unitId: actor.unitId,
        scopePrefix: scopePrefix(actor),
        status: q.status,
        priority: q.priority,
        overdueAt: q.overdue ? now : undefined,
        due: q.due ? { bucket: q.due, now, endOfToday: startOfDay(addDays(calendarDay(now, deps.config.tz), 1), deps.config.tz) } : undefined,
        offset: ((q.page ?? 1) - 1) * pageSize,
        limit: pageSize,
      });
      return { items: rows.map((r) => toTaskDto(r, now)), total };
    },

    /** Sends the overdue alerts now (the recurring job calls this every minute). Returns how many went out. */
    checkOverdue: (trx: Tx, actor: Actor) => checkOverdue(trx, actor, deps.clock.now()),

    /** Sends a notification, or an alert when it has a severity. See NotifyInput. */
    notify: notifications.notify,

    /** Feeds, read state, acknowledgement and raising alerts. */
    notifications,
  };
  return service;
}
