import { z } from 'zod';
import {
  SEVERITIES,
  TASK_BOXES,
  TASK_CLOSE_KINDS,
  TASK_DUE_BUCKETS,
  TASK_EVENT_KINDS,
  TASK_LIMITS,
  TASK_PRIORITIES,
  TASK_STATUSES,
  TASK_SUBJECT_KINDS,
} from '../../../common/tasks.js';
import { isInternalLink } from '../../../common/roles.js';
import type { MessageParam } from '../../../common/message-text.js';

const id = z.string().min(1).max(64);
const unitRef = z.object({ id: z.string(), name: z.string() });
const text = (max: number) => z.string().trim().min(1).max(max);
/** Accepts `a,b` or repeated query parameters. */
const csvEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(z.enum(values)).max(values.length)).optional();
const boolFlag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean()).optional();

/** A parameter of a message key (src/common/message-text.ts): text, number, instant, calendar day, nested message or list. */
const messageParam: z.ZodType<MessageParam> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.object({ at: z.number() }),
    z.object({ day: z.string() }),
    z.object({ list: z.array(z.union([z.string(), z.number()])) }),
    z.object({ key: z.string(), params: z.record(z.string(), messageParam).optional() }),
  ]),
) as z.ZodType<MessageParam>;
const messageParams = z.record(z.string(), messageParam).nullable();

export const idParams = z.strictObject({ id: id.describe('record id') });

export const taskEventSchema = z.object({
  id: z.string(),
  kind: z.enum(TASK_EVENT_KINDS).describe('created · transition · handoff · comment · cancelled · overdue · closed (by work done elsewhere)'),
  fromStatus: z.enum(TASK_STATUSES).nullable(),
  toStatus: z.enum(TASK_STATUSES).nullable(),
  unit: unitRef.nullable().describe('unit holding the task after the event (receiving unit of a hand-off)'),
  fromUnit: unitRef.nullable().describe('hand-offs: the unit that held it before'),
  actorName: z.string(),
  bySystem: z.boolean().describe('written by the platform itself (a job or a module), not by a person: actorName is an internal name'),
  actorId: z.string().nullable().describe('the user who did it; null: a module of the system (actorName is its internal name)'),
  note: z.string().nullable(),
  at: z.number().int().describe('epoch ms'),
});
export type TaskEventDto = z.infer<typeof taskEventSchema>;

export const taskSchema = z.object({
  id: z.string(),
  title: z.string().describe('as written, or the Chinese rendering of titleKey'),
  description: z.string().nullable(),
  titleKey: z.string().nullable().describe("message key of a title a module wrote: render it in the reader's language (null: show title)"),
  titleParams: messageParams.describe('parameters of titleKey'),
  descriptionKey: z.string().nullable(),
  descriptionParams: messageParams,
  sourceModule: z.string().describe('module that created the task'),
  sourceEntityType: z.string().nullable(),
  sourceEntityId: z.string().nullable(),
  assigneeUnit: unitRef,
  creatorUnit: unitRef.nullable(),
  jurisdictionPath: z.string(),
  priority: z.enum(TASK_PRIORITIES),
  status: z.enum(TASK_STATUSES),
  dueAt: z.number().int().nullable().describe('epoch ms'),
  overdue: z.boolean().describe('past due and neither verified nor cancelled'),
  cancelReason: z.string().nullable(),
  subject: z
    .object({
      kind: z.enum(TASK_SUBJECT_KINDS).describe('person · tube · place · area'),
      text: z.string().describe('a masked name, a tube barcode, or a place or area name'),
    })
    .nullable()
    .describe('what the task is about (null: a task a person wrote without one)'),
  closedBy: z
    .object({
      kind: z.enum(TASK_CLOSE_KINDS).describe('the work done elsewhere that closed the task'),
      id: z.string().describe('the record of that work (a recheck, a quarantine test, a risk area, a hand-over)'),
      at: z.number().int().describe('epoch ms'),
    })
    .nullable()
    .describe('set when the task closed itself'),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  events: z.array(taskEventSchema).optional().describe('history, oldest first (single-task reads)'),
});
/** A task as every task route returns it. */
export type TaskDto = z.infer<typeof taskSchema>;

export const taskListQuery = z.strictObject({
  box: z.enum(TASK_BOXES).default('unit').describe("unit: my unit's inbox · created: made by my unit · all: everything in my jurisdiction scope"),
  status: csvEnum(TASK_STATUSES).describe('comma-separated statuses'),
  priority: csvEnum(TASK_PRIORITIES).describe('comma-separated priorities'),
  overdue: boolFlag.describe('only overdue tasks'),
  due: z
    .enum(TASK_DUE_BUCKETS)
    .optional()
    .describe(
      'the to-do list: open tasks only, by deadline (overdue: past due · today: due later today in BULWARK_TZ · upcoming: due after today or no deadline), earliest first',
    ),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export const taskListResponse = z.object({ items: z.array(taskSchema), total: z.number().int() });
/** What a client may send (every field has a default or is optional). */
export type TaskListQuery = Partial<z.infer<typeof taskListQuery>>;
export type TaskList = z.infer<typeof taskListResponse>;

export const createTaskBody = z.strictObject({
  title: text(TASK_LIMITS.title).describe('what to do'),
  description: z.string().trim().max(TASK_LIMITS.description).nullish(),
  sourceModule: z.string().min(1).max(64).default('platform').describe('module the task comes from'),
  sourceEntityType: z.string().max(64).nullish(),
  sourceEntityId: z.string().max(64).nullish(),
  assigneeUnitId: id.describe('unit that must do it'),
  jurisdictionPath: z
    .string()
    .regex(/^\/(\d+\/)+$/, 'a path like /420500/420502/')
    .describe('jurisdiction the task is about'),
  priority: z.enum(TASK_PRIORITIES).default('normal'),
  dueAt: z.number().int().positive().nullish().describe('deadline, epoch ms'),
});

export const transitionBody = z.strictObject({
  to: z.enum(TASK_STATUSES).describe('target status'),
  note: z.string().trim().max(TASK_LIMITS.note).optional(),
});

export const handoffBody = z.strictObject({
  unitId: id.describe('the unit to hand the task to'),
  note: z.string().trim().max(TASK_LIMITS.note).describe('why (required)'),
});

export const cancelBody = z.strictObject({ reason: z.string().trim().max(TASK_LIMITS.note).describe('why the task is cancelled (required)') });
export const commentBody = z.strictObject({ note: z.string().trim().max(TASK_LIMITS.comment).describe('the comment') });

export const notificationSchema = z.object({
  id: z.string(),
  title: z.string().describe('as written, or the Chinese rendering of titleKey'),
  body: z.string(),
  titleKey: z.string().nullable().describe("message key of a text a module wrote: render it in the reader's language (null: show title)"),
  titleParams: messageParams,
  bodyKey: z.string().nullable(),
  bodyParams: messageParams,
  link: z.string().nullable(),
  severity: z.enum(SEVERITIES).nullable().describe('null for a plain notification'),
  isAlert: z.boolean(),
  createdAt: z.number().int(),
  readAt: z.number().int().nullable().describe('when I read it'),
  acknowledgedAt: z.number().int().nullable(),
  acknowledgedBy: z.string().nullable().describe('display name of who acknowledged the alert'),
  ackNote: z.string().nullable(),
  sourceModule: z.string(),
  sourceEntityType: z.string().nullable(),
  sourceEntityId: z.string().nullable(),
  group: z
    .object({
      recipients: z
        .array(
          z.object({
            id: z.string().describe('the notification sent to this recipient'),
            name: z.string().describe('the unit, jurisdiction or person it was addressed to (display name)'),
            acknowledgedAt: z.number().int().nullable(),
            acknowledgedBy: z.string().nullable().describe('display name of who acknowledged it'),
          }),
        )
        .describe('every recipient of the event I can see, oldest first'),
      open: z.number().int().describe('recipients not yet acknowledged'),
    })
    .nullable()
    .describe('alerts about one event (one positive pool), shown once with their recipients; null for a single notification'),
});
/** A notification in the reader's feed; an alert has a severity and must be acknowledged. */
export type NotificationDto = z.infer<typeof notificationSchema>;

export const notificationListQuery = z.strictObject({
  unread: boolFlag.describe('only notifications I have not read'),
  alertsOnly: boolFlag.describe('only alerts'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const notificationFeedResponse = z.object({
  items: z.array(notificationSchema),
  total: z.number().int(),
  unacknowledgedAlerts: z.number().int().describe('alerts in my feed nobody has acknowledged'),
});
export type NotificationListQuery = Partial<z.infer<typeof notificationListQuery>>;
export type NotificationFeedDto = z.infer<typeof notificationFeedResponse>;

export const ackGroupResponse = z.object({
  acknowledged: z.number().int().describe('alerts of the group acknowledged now'),
  notYours: z.number().int().describe('open alerts of the group I may not acknowledge (left open)'),
  notification: notificationSchema,
});
export type AckGroupDto = z.infer<typeof ackGroupResponse>;

export const ackBody = z.strictObject({ note: z.string().trim().max(TASK_LIMITS.note).optional() }).nullish();

export const raiseAlertBody = z
  .strictObject({
    title: text(TASK_LIMITS.title),
    body: text(TASK_LIMITS.alertBody),
    severity: z.enum(SEVERITIES),
    unitId: id.optional().describe('alert one unit'),
    jurisdictionId: id.optional().describe('alert everyone in a jurisdiction (default: my own jurisdiction)'),
    link: z
      .string()
      .max(TASK_LIMITS.link)
      .refine(isInternalLink, 'must be an internal path such as /tasks/<id> (no scheme, host or //)')
      .nullish()
      .describe('in-app path'),
  })
  .refine((b) => !(b.unitId && b.jurisdictionId), { message: 'give unitId or jurisdictionId, not both', path: ['jurisdictionId'] });
export type RaiseAlertBody = z.input<typeof raiseAlertBody>;
export type CreateTaskBody = z.input<typeof createTaskBody>;
