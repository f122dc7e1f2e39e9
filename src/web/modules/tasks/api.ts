import { http } from '../../app/http.js';
import type { CreateTaskBody, TaskDto, TaskEventDto, TaskList, TaskListQuery } from '../../../server/platform/tasks/tasks.schemas.js';
import { FINAL_TASK_STATUSES, TASK_TRANSITIONS, type TaskStatus } from '../../../common/tasks.js';

// The shapes are the server's schemas (type-only imports: no server code reaches the bundle).
export { TASK_PRIORITIES, TASK_STATUSES, type TaskBox, type TaskDueBucket, type TaskPriority, type TaskStatus } from '../../../common/tasks.js';
export type Task = TaskDto;
export type TaskEvent = TaskEventDto;
export type TaskQuery = TaskListQuery;
export type CreateTaskInput = CreateTaskBody;

/** The status flow the server enforces (POST /transition); cancelling has its own call. */
export const NEXT_STATUSES = TASK_TRANSITIONS;
export const FINAL_STATUSES: readonly TaskStatus[] = FINAL_TASK_STATUSES;

const t = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;

export const tasksApi = {
  list: (q: TaskQuery, signal?: AbortSignal) => http.get<TaskList>('/api/tasks', { ...q }, signal),
  get: (id: string, signal?: AbortSignal) => http.get<Task>(t(id), undefined, signal),
  create: (input: CreateTaskInput) => http.post<Task>('/api/tasks', input),
  /** 409 TASK_TRANSITION_INVALID when the move is not allowed from the current status. */
  transition: (id: string, to: TaskStatus, note?: string) => http.post<Task>(`${t(id)}/transition`, note ? { to, note } : { to }),
  handoff: (id: string, unitId: string, note: string) => http.post<Task>(`${t(id)}/handoff`, { unitId, note }),
  cancel: (id: string, reason: string) => http.post<Task>(`${t(id)}/cancel`, { reason }),
  comment: (id: string, note: string) => http.post<Task>(`${t(id)}/comment`, { note }),
};
