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
