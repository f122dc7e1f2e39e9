/** Tasks: errors, statuses and their transitions, the DTOs the API returns and the row → DTO mapping. */
import { defineErrors } from '../errors.js';
import * as repo from './tasks.repository.js';
import { readParams, type TextInput } from './stored-text.js';
import type { TaskDto, TaskEventDto } from './tasks.schemas.js';
import { TASK_TRANSITIONS, type TaskDueBucket, type TaskPriority, type TaskStatus, type TaskSubjectKind } from '../../../common/tasks.js';
import type { MessageParam } from '../../../common/message-text.js';

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

export { TASK_PRIORITIES, type TaskStatus, type TaskPriority } from '../../../common/tasks.js';

/** Status moves through `POST /transition` (one table with the web: src/common/tasks.ts). */
export const TRANSITIONS = TASK_TRANSITIONS;

/** Verified and cancelled tasks move no further. */
export const isFinal = (s: string) => (repo.FINAL_STATUSES as readonly string[]).includes(s);
/** A jurisdiction path: `/1/23/`. */
export const PATH = /^\/(\d+\/)+$/;

/** The response shapes are the schemas' (tasks.schemas.ts); toTaskDto() builds them with `satisfies`. */
export type { TaskDto };

export interface CreateTaskInput {
  /** A module passes a message key (`msg('testing.auto.recheckTask.title', { … })`); a string is a person's own words. */
  title: TextInput;
  description?: TextInput | null;
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
  /** What the task is about, shown in its row (a masked name, a tube barcode, a place or area name). */
  subject?: TaskSubject | null;
}

/** What a task is about: the row and title name it (never a raw id). */
export interface TaskSubject {
  kind: TaskSubjectKind;
  text: string;
}

export interface TaskListQuery {
  /** unit: my unit's inbox · created: tasks my unit created · all: every task in my jurisdiction scope. */
  box?: 'unit' | 'created' | 'all';
  status?: TaskStatus[];
  priority?: TaskPriority[];
  overdue?: boolean;
  /** The to-do list: open tasks in one deadline section, earliest due first. */
  due?: TaskDueBucket;
  page?: number;
  pageSize?: number;
}

/** A task row (with its events when given) as the API returns it; `now` decides `overdue`. */
export function toTaskDto(r: repo.TaskRow, now: number, events?: repo.TaskEventRow[]): TaskDto {
  const dueAt = r.due_at === null ? null : Number(r.due_at);
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    titleKey: r.title_key,
    titleParams: readParams(r.title_params),
    descriptionKey: r.description_key,
    descriptionParams: readParams(r.description_params),
    sourceModule: r.source_module,
    sourceEntityType: r.source_entity_type,
    sourceEntityId: r.source_entity_id,
    assigneeUnit: { id: r.assignee_unit_id, name: r.assignee_unit_name },
    creatorUnit: r.creator_unit_id ? { id: r.creator_unit_id, name: r.creator_unit_name ?? '' } : null,
    jurisdictionPath: r.jurisdiction_path,
    priority: r.priority,
    status: r.status,
    dueAt,
    overdue: dueAt !== null && dueAt < now && !isFinal(r.status),
    cancelReason: r.cancel_reason,
    subject: subjectOf(r),
    closedBy: r.closed_by_kind && r.closed_by_id ? { kind: r.closed_by_kind, id: r.closed_by_id, at: Number(r.closed_at ?? r.updated_at) } : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    ...(events
      ? {
          events: events.map(
            (e) =>
              ({
                id: e.id,
                kind: e.kind,
                fromStatus: e.from_status,
                toStatus: e.to_status,
                unit: e.unit_id ? { id: e.unit_id, name: e.unit_name ?? '' } : null,
                fromUnit: e.from_unit_id ? { id: e.from_unit_id, name: e.from_unit_name ?? '' } : null,
                actorName: e.actor_display_name ?? e.actor_name,
                bySystem: e.actor_id === null,
                actorId: e.actor_id,
                note: e.note,
                at: Number(e.at),
              }) satisfies TaskEventDto,
          ),
        }
      : {}),
  } satisfies TaskDto;
}

/** Title parameters that name a task's subject, for rows written before the subject column (0032). */
const SUBJECT_PARAMS: [string, TaskSubjectKind][] = [
  ['name', 'person'],
  ['barcode', 'tube'],
  ['area', 'area'],
  ['place', 'place'],
];

/** The stored subject, or (older rows) the first title parameter that names one; null when none does. */
export function subjectOf(r: Pick<repo.TaskRow, 'subject' | 'subject_kind' | 'title_params'>): TaskSubject | null {
  if (r.subject && r.subject_kind) return { kind: r.subject_kind, text: r.subject };
  const params: Record<string, MessageParam> | null = readParams(r.title_params);
  for (const [key, kind] of SUBJECT_PARAMS) {
    const v = params?.[key];
    if (typeof v === 'string' && v.trim()) return { kind, text: v };
  }
  return null;
}
