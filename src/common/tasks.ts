/**
 * Tasks (任务 / 督办单) and notifications: the vocabulary both the server (src/server/platform/tasks/) and
 * the web use. The request and response shapes are the zod schemas in tasks.schemas.ts; the web imports
 * their inferred types from there (type-only) and these tuples from here.
 */

export const TASK_STATUSES = ['new', 'acknowledged', 'in_progress', 'reported', 'verified', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export const TASK_EVENT_KINDS = ['created', 'transition', 'handoff', 'comment', 'cancelled', 'overdue', 'closed'] as const;
/** What a task is about, shown in its row: a (masked) person, a tube barcode, a place, or a risk area. */
export const TASK_SUBJECT_KINDS = ['person', 'tube', 'place', 'area'] as const;
export type TaskSubjectKind = (typeof TASK_SUBJECT_KINDS)[number];
/**
 * The work done elsewhere that closed a task by itself (tasks.closed_by_kind; closed_by_id names the
 * record): a recheck sampled, a recheck's result, a quarantine test recorded, a pending result that
 * arrived, a risk area that stepped down, a hand-over the receiving district accepted or merged.
 */
export const TASK_CLOSE_KINDS = [
  'recheck_sampled',
  'recheck_result',
  'quarantine_test_recorded',
  'quarantine_result_recorded',
  'area_stepped',
  'handover_accepted',
  'handover_merged',
] as const;
export type TaskCloseKind = (typeof TASK_CLOSE_KINDS)[number];
/** unit: my unit's inbox · created: made by my unit · all: everything in my jurisdiction scope. */
export const TASK_BOXES = ['unit', 'created', 'all'] as const;
/**
 * Status moves through `POST /transition` (the server enforces them; the web offers them). Cancelling
 * (from any non-final state) has its own call with a reason. A verifier may send a reported task back
 * to in_progress for rework.
 */
export const TASK_TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  new: ['acknowledged'],
  acknowledged: ['in_progress'],
  in_progress: ['reported'],
  reported: ['verified', 'in_progress'],
  verified: [],
  cancelled: [],
};
/** Statuses a task never leaves. */
export const FINAL_TASK_STATUSES = ['verified', 'cancelled'] as const satisfies readonly TaskStatus[];
export type TaskBox = (typeof TASK_BOXES)[number];
/** The to-do list's sections: past due, due later today, due after today (or no deadline). */
export const TASK_DUE_BUCKETS = ['overdue', 'today', 'upcoming'] as const;
export type TaskDueBucket = (typeof TASK_DUE_BUCKETS)[number];

/** Notification severities; a notification with one is an alert that someone must acknowledge. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Text limits of the task and alert requests (characters). */
export const TASK_LIMITS = {
  title: 200,
  description: 4000,
  note: 2000,
  comment: 4000,
  alertBody: 4000,
  link: 500,
} as const;
