import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../actor.js';
import { MINUTE } from '../clock.js';
import { Errors, defineErrors } from '../errors.js';
import { entityScopeResolver, registerEntityScope } from '../http/policy.js';
import { newId } from '../ids.js';
import { createNotificationService } from './notifications.service.js';
import * as repo from './tasks.repository.js';
import type { TaskEventsTable, TasksTable } from './tasks.table.js';
import type { TaskDto, TaskEventDto, UnitRefDto } from './tasks.schemas.js';
import { TASK_PRIORITIES, TASK_TRANSITIONS, type TaskPriority, type TaskStatus } from '../../../common/tasks.js';

export const TaskErrors = defineErrors({
  TASK_NOT_FOUND: [404, 'Task not found'],
  TASK_TRANSITION_INVALID: [409, 'The task cannot move to that status from its current one'],
  TASK_NOT_ASSIGNEE: [403, 'Only the unit the task is assigned to can move it'],
  TASK_CANCEL_REASON_REQUIRED: [422, 'Cancelling a task needs a reason'],
  TASK_NOTE_REQUIRED: [422, 'A note is required'],
  TASK_UNIT_NOT_FOUND: [404, 'The unit does not exist or is inactive'],
  TASK_HANDOFF_SAME_UNIT: [422, 'The task is already assigned to that unit'],
  TASK_OUT_OF_SCOPE: [403, 'Tasks can only be created for jurisdictions inside your own'],
  TASK_INVALID: [422, 'The task is not valid'],
  TASK_SOURCE_NOT_FOUND: [404, 'The source the task claims does not exist'],
});

export { TASK_STATUSES, TASK_PRIORITIES, TASK_EVENT_KINDS, type TaskStatus, type TaskPriority } from '../../../common/tasks.js';

/** Status moves through `POST /transition` (one table with the web: src/common/tasks.ts). */
export const TRANSITIONS = TASK_TRANSITIONS;

const isFinal = (s: string) => (repo.FINAL_STATUSES as readonly string[]).includes(s);
const PATH = /^\/(\d+\/)+$/;

/** The response shapes are the schemas' (tasks.schemas.ts); toDto() builds them with `satisfies`. */
export type { TaskDto, TaskEventDto, UnitRefDto };

export interface CreateTaskInput {
  title: string;
  description?: string | null;
  /** The module creating it (`testing`, `cases`, `platform`…). */
  sourceModule: string;
  sourceEntityType?: string | null;
  sourceEntityId?: string | null;
  assigneeUnitId: string;
  /** The jurisdiction the task is about; must lie inside a user creator's scope. */
  jurisdictionPath: string;
  priority: TaskPriority;
  /** Epoch ms deadline. */
  dueAt?: number | null;
}

export interface TaskListQuery {
  /** unit: my unit's inbox · created: tasks my unit created · all: every task in my jurisdiction scope. */
  box?: 'unit' | 'created' | 'all';
  status?: TaskStatus[];
  priority?: TaskPriority[];
  overdue?: boolean;
  page?: number;
  pageSize?: number;
}

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
export function createTaskService(deps: Deps) {
  const notifications = createNotificationService(deps);

  function toDto(r: repo.TaskRow, now: number, events?: repo.TaskEventRow[]): TaskDto {
    const dueAt = r.due_at === null ? null : Number(r.due_at);
    return {
      id: r.id,
      title: r.title,
      description: r.description,
      sourceModule: r.source_module,
      sourceEntityType: r.source_entity_type,
      sourceEntityId: r.source_entity_id,
      assigneeUnit: { id: r.assignee_unit_id, name: r.assignee_unit_name },
      creatorUnit: r.creator_unit_id ? { id: r.creator_unit_id, name: r.creator_unit_name ?? '' } : null,
      jurisdictionPath: r.jurisdiction_path,
      priority: r.priority as TaskPriority,
      status: r.status as TaskStatus,
      dueAt,
      overdue: dueAt !== null && dueAt < now && !isFinal(r.status),
      cancelReason: r.cancel_reason,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      ...(events
        ? {
            events: events.map((e) => ({
              id: e.id,
              kind: e.kind as TaskEventDto['kind'],
              fromStatus: e.from_status as TaskStatus | null,
              toStatus: e.to_status as TaskStatus | null,
              unit: e.unit_id ? { id: e.unit_id, name: e.unit_name ?? '' } : null,
              fromUnit: e.from_unit_id ? { id: e.from_unit_id, name: e.from_unit_name ?? '' } : null,
              actorName: e.actor_display_name ?? e.actor_name,
              note: e.note,
              at: Number(e.at),
            }) satisfies TaskEventDto),
          }
        : {}),
    } satisfies TaskDto;
  }

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

  async function event(trx: Tx, actor: Actor, e: Omit<TaskEventsTable, 'id' | 'actor_id' | 'actor_name' | 'at'>): Promise<void> {
    await repo.insertTaskEvent(trx, { id: newId(), actor_id: actor.userId, actor_name: actor.name, at: deps.clock.now(), ...e });
  }

  async function publish(trx: Tx, unitId: string, payload: { taskId: string; status: string; change: string }): Promise<void> {
    await deps.services.outbox.publish(trx, { topic: 'task.changed', capability: 'task.work', unitId, payload: { ...payload, assigneeUnitId: unitId } });
  }

  /** Compare-and-set update: a concurrent change in between is a 409, never a silent overwrite. */
  async function update(trx: Tx, r: repo.TaskRow, changes: Partial<TasksTable>): Promise<void> {
    if (!(await repo.updateTaskIfVersion(trx, r.id, Number(r.version), { ...changes, updated_at: deps.clock.now() }))) {
      throw Errors.CONFLICT({ id: r.id });
    }
  }

  async function reload(trx: Tx, id: string): Promise<TaskDto> {
    const r = (await repo.findTask(trx, id))!;
    return toDto(r, deps.clock.now(), await repo.listTaskEvents(trx, id));
  }

  async function checkOverdue(trx: Tx, actor: Actor, now: number): Promise<number> {
    let n = 0;
    for (const t of await repo.findOverdueUnnotified(trx, now, 500)) {
      if (!(await repo.markOverdueNotified(trx, t.id, now))) continue;
      await event(trx, actor, { task_id: t.id, kind: 'overdue', from_status: t.status, to_status: t.status, unit_id: t.assignee_unit_id, from_unit_id: null, note: null });
      await deps.services.journal.append(trx, actor, {
        action: 'task.overdue',
        entityType: 'task',
        entityId: t.id,
        jurisdictionPath: t.jurisdiction_path,
        payload: { assigneeUnitId: t.assignee_unit_id, dueAt: Number(t.due_at), status: t.status },
      });
      await notifications.notify(trx, actor, {
        unitId: t.assignee_unit_id,
        title: `任务逾期：${t.title} · Task overdue: ${t.title}`,
        body: `任务已超过截止时间，请尽快处理。 · The task is past its due time.`,
        link: `/tasks/${t.id}`,
        sourceModule: 'platform',
        sourceEntityType: 'task',
        sourceEntityId: t.id,
        severity: t.priority === 'urgent' ? 'critical' : 'warning',
      });
      await publish(trx, t.assignee_unit_id, { taskId: t.id, status: t.status, change: 'overdue' });
      n++;
    }
    return n;
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
    if (!paths || (actor.kind !== 'system' && !paths.some((p) => inScope(actor, p)))) throw TaskErrors.TASK_SOURCE_NOT_FOUND({ sourceEntityType: type, sourceEntityId: id });
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
      const title = input.title?.trim();
      if (!title) throw TaskErrors.TASK_INVALID({ field: 'title' });
      if (!PATH.test(input.jurisdictionPath)) throw TaskErrors.TASK_INVALID({ field: 'jurisdictionPath' });
      if (!(TASK_PRIORITIES as readonly string[]).includes(input.priority)) throw TaskErrors.TASK_INVALID({ field: 'priority' });
      if (actor.kind !== 'system' && !inScope(actor, input.jurisdictionPath)) throw TaskErrors.TASK_OUT_OF_SCOPE({ jurisdictionPath: input.jurisdictionPath });
      return inTx(trx ?? deps.db, async (t) => {
        const unit = await repo.findUnit(t, input.assigneeUnitId);
        if (!unit || !unit.active) throw TaskErrors.TASK_UNIT_NOT_FOUND({ unitId: input.assigneeUnitId });
        const now = deps.clock.now();
        const row: TasksTable = {
          id: newId(),
          title,
          description: input.description?.trim() || null,
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
          payload: { assigneeUnitId: unit.id, priority: row.priority, dueAt: row.due_at, sourceModule: row.source_module, sourceEntityType: row.source_entity_type, sourceEntityId: row.source_entity_id },
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
        const from = r.status as TaskStatus;
        const allowed = TRANSITIONS[from] ?? [];
        if (!allowed.includes(to)) throw TaskErrors.TASK_TRANSITION_INVALID({ from, to, allowed });
        if (from === 'reported') {
          if (!actor.capabilities.has('task.verify')) throw Errors.FORBIDDEN({ capability: 'task.verify' });
        } else if (actor.kind !== 'system' && actor.unitId !== r.assignee_unit_id) {
          throw TaskErrors.TASK_NOT_ASSIGNEE({ assigneeUnitId: r.assignee_unit_id });
        }
        await update(t, r, { status: to });
        await event(t, actor, { task_id: id, kind: 'transition', from_status: from, to_status: to, unit_id: r.assignee_unit_id, from_unit_id: null, note: note?.trim() || null });
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
        await event(t, actor, { task_id: id, kind: 'handoff', from_status: r.status, to_status: 'new', unit_id: unit.id, from_unit_id: r.assignee_unit_id, note });
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
        await event(t, actor, { task_id: id, kind: 'cancelled', from_status: r.status, to_status: 'cancelled', unit_id: r.assignee_unit_id, from_unit_id: null, note: why });
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

    /** Adds a comment to a task's history (any status). */
    async comment(trx: DbOrTx | undefined | null, actor: Actor, id: string, note: string): Promise<TaskDto> {
      const text = note?.trim();
      if (!text) throw TaskErrors.TASK_NOTE_REQUIRED({ field: 'note' });
      return inTx(trx ?? deps.db, async (t) => {
        const r = await load(t, actor, id);
        await update(t, r, {});
        await event(t, actor, { task_id: id, kind: 'comment', from_status: null, to_status: null, unit_id: r.assignee_unit_id, from_unit_id: null, note: text });
        await deps.services.journal.append(t, actor, { action: 'task.comment', entityType: 'task', entityId: id, jurisdictionPath: r.jurisdiction_path, payload: {}, reason: text });
        await publish(t, r.assignee_unit_id, { taskId: id, status: r.status, change: 'comment' });
        return reload(t, id);
      });
    },

    /** A task with its whole history (404 when missing or outside the caller's view). */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<TaskDto> {
      const r = await load(db, actor, id);
      return toDto(r, deps.clock.now(), await repo.listTaskEvents(db, id));
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
        offset: ((q.page ?? 1) - 1) * pageSize,
        limit: pageSize,
      });
      return { items: rows.map((r) => toDto(r, now)), total };
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

export type TaskService = ReturnType<typeof createTaskService>;
