/**
 * The declared type of the container's `TaskService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';
import type { CreateTaskInput, TaskDto, TaskListQuery, TaskStatus } from './tasks.dto.js';
import type { Severity, TaskCloseKind } from '../../../common/tasks.js';
import type { TextInput } from './stored-text.js';

/** The TaskService facade as the container holds it (what `createTaskService` returns). */
export interface TaskService {
  /**
   * Creates a task from a request (POST /api/tasks): every id the body names is a scope check — the
   * assignee unit inside or above the caller's scope, the claimed source existing in scope — then
   * `create`. Modules that pick the unit by their own rules call `create` directly.
   */
  createRequested(trx: DbOrTx | undefined | null, actor: Actor, input: CreateTaskInput): Promise<TaskDto>;
  /** Creates a task assigned to a unit; journaled `task.create`, event `task.changed` to the unit. */
  create(trx: DbOrTx | undefined | null, actor: Actor, input: CreateTaskInput): Promise<TaskDto>;
  /**
   * Moves a task along new → acknowledged → in_progress → reported → verified (or a reported task
   * back to in_progress). The assignee unit does the work; reported → * needs task.verify.
   * Any other move is a 409 TASK_TRANSITION_INVALID with {from, to, allowed}.
   */
  transition(trx: DbOrTx | undefined | null, actor: Actor, id: string, to: TaskStatus, note?: string | null): Promise<TaskDto>;
  /** Hands a task to another unit (inside or above the caller's scope; status back to `new`); the hand-off is kept in the history. */
  handoff(
    trx: DbOrTx | undefined | null,
    actor: Actor,
    id: string,
    h: {
      unitId: string;
      note: string;
    },
  ): Promise<TaskDto>;
  /** Cancels a task that is not yet verified or cancelled. The reason is required and kept. */
  cancel(trx: DbOrTx | undefined | null, actor: Actor, id: string, reason: string): Promise<TaskDto>;
  /**
   * Closes the open tasks whose work was just done elsewhere — the given task ids and/or every task
   * about `source` — in the caller's transaction: status verified, `closed_by_*` set to the record
   * that did the work, a `closed` history event, journaled `task.close` and published to the unit.
   * Tasks already verified or cancelled are left as they are (so a retry closes nothing twice).
   * Returns the ids closed.
   */
  closeForWork(
    trx: Tx,
    actor: Actor,
    which: {
      taskIds?: (string | null | undefined)[];
      source?: {
        type: string;
        id: string;
      };
    },
    by: TaskClosedBy,
  ): Promise<string[]>;
  /** Adds a comment to a task's history (any status). */
  comment(trx: DbOrTx | undefined | null, actor: Actor, id: string, note: string): Promise<TaskDto>;
  /** A task with its whole history (404 when missing or outside the caller's view). */
  get(actor: Actor, id: string, db?: DbOrTx): Promise<TaskDto>;
  /** A page of tasks, newest first: my unit's inbox, what my unit created, or all in my scope. */
  list(
    actor: Actor,
    q?: TaskListQuery,
    db?: DbOrTx,
  ): Promise<{
    items: TaskDto[];
    total: number;
  }>;
  /** Sends the overdue alerts now (the recurring job calls this every minute). Returns how many went out. */
  checkOverdue: (trx: Tx, actor: Actor) => Promise<number>;
  /** Sends a notification, or an alert when it has a severity. See NotifyInput. */
  notify: (trx: DbOrTx | undefined | null, actor: Actor, n: NotifyInput) => Promise<import('./tasks.schemas.js').NotificationDto>;
  /** Feeds, read state, acknowledgement and raising alerts. */
  notifications: {
    notify: (trx: DbOrTx | undefined | null, actor: Actor, n: NotifyInput) => Promise<import('./tasks.schemas.js').NotificationDto>;
    raiseAlert(
      trx: DbOrTx | undefined | null,
      actor: Actor,
      a: {
        title: string;
        body: string;
        severity: Severity;
        unitId?: string;
        jurisdictionId?: string;
        link?: string | null;
      },
    ): Promise<import('./tasks.schemas.js').NotificationDto>;
    list(
      actor: Actor,
      f?: {
        unread?: boolean;
        alertsOnly?: boolean;
        page?: number;
        pageSize?: number;
      },
      db?: DbOrTx,
    ): Promise<import('./tasks.schemas.js').NotificationFeedDto>;
    get(actor: Actor, id: string, db?: DbOrTx): Promise<import('./tasks.schemas.js').NotificationDto>;
    markRead(trx: DbOrTx | undefined | null, actor: Actor, id: string): Promise<import('./tasks.schemas.js').NotificationDto>;
    acknowledge(trx: DbOrTx | undefined | null, actor: Actor, id: string, note?: string | null): Promise<import('./tasks.schemas.js').NotificationDto>;
    acknowledgeGroup(trx: DbOrTx | undefined | null, actor: Actor, id: string, note?: string | null): Promise<import('./tasks.schemas.js').AckGroupDto>;
  };
}

/** What closed a task by itself: the kind of work done elsewhere and the record of it. */
export interface TaskClosedBy {
  kind: TaskCloseKind;
  id: string;
}

/** What `notify()` sends. Address it to a user, a unit and/or a jurisdiction subtree (none: everyone). */
export interface NotifyInput {
  userId?: string | null;
  unitId?: string | null;
  /** Jurisdiction path (`/420500/420502/`): everyone whose scope overlaps it. */
  jurisdictionPath?: string | null;
  /** A module passes a message key (`msg('zoning.auto.overdue.title', { … })`); a string is a person's own words. */
  title: TextInput;
  body: TextInput;
  /** In-app link, e.g. `/tasks/<id>`. */
  link?: string | null;
  sourceModule: string;
  sourceEntityType?: string | null;
  sourceEntityId?: string | null;
  /** With a severity the notification is an alert that someone must acknowledge. */
  severity?: Severity | null;
  /** Alerts about one event (`testing_tube:<id>:pool`) share a key: shown once, with their recipients, and acknowledged together. */
  groupKey?: string | null;
}
