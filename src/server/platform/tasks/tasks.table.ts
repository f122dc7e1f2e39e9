import type { ColumnsOf } from '../../db/columns.js';
import type { Severity, TASK_EVENT_KINDS, TaskCloseKind, TaskPriority, TaskStatus, TaskSubjectKind } from '../../../common/tasks.js';

/** What a task event records (task_events.kind). */
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];

/** Work dispatched to a unit (任务 / 督办单). Status: new → acknowledged → in_progress → reported → verified, or cancelled. */
export interface TasksTable {
  id: string;
  /** The title as written: a person's words, or the Chinese rendering of `title_key` (the record). */
  title: string;
  description: string | null;
  /** Message key of a title a module wrote (render it in the reader's language); null: show `title`. */
  title_key: string | null;
  /** JSON object of the key's parameters (see src/common/message-text.ts). */
  title_params: string | null;
  description_key: string | null;
  description_params: string | null;
  /** Module that created the task (`testing`, `cases`, `platform`…). */
  source_module: string;
  source_entity_type: string | null;
  source_entity_id: string | null;
  /** The unit that must do the work now (changes on hand-off). */
  assignee_unit_id: string;
  /** Copy of the assignee unit's jurisdiction path: the task is visible there too. */
  assignee_path: string;
  creator_unit_id: string | null;
  creator_user_id: string | null;
  /** Jurisdiction the task is about (`/420500/420502/…/`). */
  jurisdiction_path: string;
  /** low · normal · high · urgent */
  priority: TaskPriority;
  /** new · acknowledged · in_progress · reported · verified · cancelled */
  status: TaskStatus;
  /** Epoch ms deadline, or null. */
  due_at: number | null;
  /** Epoch ms when the overdue alert went out (once per task). */
  overdue_notified_at: number | null;
  cancel_reason: string | null;
  /** What the task is about, as its row shows it: a masked name, a tube barcode, a place or area name (null: rows before 0032). */
  subject: string | null;
  /** person · tube · place · area */
  subject_kind: TaskSubjectKind | null;
  /** Set when work done elsewhere closed the task: what kind of record closed it… */
  closed_by_kind: TaskCloseKind | null;
  /** …its id (a recheck, a quarantine test, a risk area, a hand-over)… */
  closed_by_id: string | null;
  /** …and when (epoch ms). */
  closed_at: number | null;
  /** Incremented on every change (compare-and-set against concurrent changes). */
  version: number;
  created_at: number;
  updated_at: number;
}

/** The history of a task: creation, each transition, hand-off, comment and cancellation. */
export interface TaskEventsTable {
  id: string;
  task_id: string;
  /** created · transition · handoff · comment · cancelled · overdue */
  kind: TaskEventKind;
  from_status: TaskStatus | null;
  to_status: TaskStatus | null;
  /** The unit holding the task after the event (the receiving unit of a hand-off). */
  unit_id: string | null;
  /** For a hand-off: the unit that held the task before. */
  from_unit_id: string | null;
  actor_id: string | null;
  /** Actor name at the time (users may be renamed). */
  actor_name: string;
  note: string | null;
  at: number;
}

/** A message in a feed; with a severity it is an alert (预警) someone must acknowledge. */
export interface NotificationsTable {
  id: string;
  /** As written, or the Chinese rendering of `title_key` (the record). */
  title: string;
  body: string;
  /** Message key of a text a module wrote; null: show `title` / `body` as they are. */
  title_key: string | null;
  /** JSON object of the key's parameters (see src/common/message-text.ts). */
  title_params: string | null;
  body_key: string | null;
  body_params: string | null;
  link: string | null;
  /** null for a plain notification; info · warning · critical for an alert. */
  severity: Severity | null;
  /** Audience: a user, a unit and/or a jurisdiction subtree; all null = every signed-in user. */
  user_id: string | null;
  unit_id: string | null;
  jurisdiction_path: string | null;
  source_module: string;
  source_entity_type: string | null;
  source_entity_id: string | null;
  /** User id of whoever raised it; null for the system. */
  created_by: string | null;
  created_at: number;
  /** Alerts: when and by whom acknowledged (one acknowledgement closes the alert). */
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  ack_note: string | null;
  /** Alerts about one event (one positive pool) share a key: the feed shows them once, with their recipients. */
  group_key: string | null;
}

/** Per-user read state (a unit- or jurisdiction-addressed notification is read per person). */
export interface NotificationReadsTable {
  notification_id: string;
  user_id: string;
  read_at: number;
}

export interface TaskTables {
  tasks: TasksTable;
  task_events: TaskEventsTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
}

export const taskColumns: ColumnsOf<TaskTables> = {
  tasks: {
    id: 1,
    title: 1,
    description: 1,
    title_key: 1,
    title_params: 1,
    description_key: 1,
    description_params: 1,
    source_module: 1,
    source_entity_type: 1,
    source_entity_id: 1,
    assignee_unit_id: 1,
    assignee_path: 1,
    creator_unit_id: 1,
    creator_user_id: 1,
    jurisdiction_path: 1,
    priority: 1,
    status: 1,
    due_at: 1,
    overdue_notified_at: 1,
    cancel_reason: 1,
    subject: 1,
    subject_kind: 1,
    closed_by_kind: 1,
    closed_by_id: 1,
    closed_at: 1,
    version: 1,
    created_at: 1,
    updated_at: 1,
  },
  task_events: { id: 1, task_id: 1, kind: 1, from_status: 1, to_status: 1, unit_id: 1, from_unit_id: 1, actor_id: 1, actor_name: 1, note: 1, at: 1 },
  notifications: {
    id: 1,
    title: 1,
    body: 1,
    title_key: 1,
    title_params: 1,
    body_key: 1,
    body_params: 1,
    link: 1,
    severity: 1,
    user_id: 1,
    unit_id: 1,
    jurisdiction_path: 1,
    source_module: 1,
    source_entity_type: 1,
    source_entity_id: 1,
    created_by: 1,
    created_at: 1,
    acknowledged_at: 1,
    acknowledged_by: 1,
    acknowledged_by_name: 1,
    ack_note: 1,
    group_key: 1,
  },
  notification_reads: { notification_id: 1, user_id: 1, read_at: 1 },
};
