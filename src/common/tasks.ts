/**
 * Tasks (任务 / 督办单) and notifications: the vocabulary both the server (src/server/platform/tasks/) and
 * the web use. The request and response shapes are the zod schemas in tasks.schemas.ts; the web imports
 * their inferred types from there (type-only) and these tuples from here.
 */

export const TASK_STATUSES = ['new', 'acknowledged', 'in_progress', 'reported', 'verified', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export const TASK_EVENT_KINDS = ['created', 'transition', 'handoff', 'comment', 'cancelled', 'overdue'] as const;
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
