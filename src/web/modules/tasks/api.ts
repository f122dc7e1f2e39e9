import { http } from '../../app/http.js';

export const TASK_STATUSES = ['new', 'acknowledged', 'in_progress', 'reported', 'verified', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export type TaskBox = 'unit' | 'created' | 'all';

/** The status flow the server enforces (POST /transition); cancelling has its own call. */
export const NEXT_STATUSES: Record<TaskStatus, readonly TaskStatus[]> = {
  new: ['acknowledged'],
  acknowledged: ['in_progress'],
  in_progress: ['reported'],
  reported: ['verified', 'in_progress'],
  verified: [],
  cancelled: [],
};

export const FINAL_STATUSES: readonly TaskStatus[] = ['verified', 'cancelled'];

export interface UnitRef {
  id: string;
  name: string;
}

export interface TaskEvent {
  id: string;
  kind: 'created' | 'transition' | 'handoff' | 'comment' | 'cancelled' | 'overdue';
  fromStatus: TaskStatus | null;
  toStatus: TaskStatus | null;
  /** The unit holding the task after the event. */
  unit: UnitRef | null;
  /** Hand-offs: the unit that held it before. */
  fromUnit?: UnitRef | null;
  actorName: string;
  note: string | null;
  at: number;
}

/** A task (任务 / 督办单). */
export interface Task {
  id: string;
  title: string;
  description: string | null;
  sourceModule: string;
  assigneeUnit: UnitRef;
  creatorUnit: UnitRef | null;
  jurisdictionPath: string;
  priority: TaskPriority;
  status: TaskStatus;
  dueAt: number | null;
  overdue: boolean;
  cancelReason?: string | null;
  createdAt: number;
  updatedAt: number;
  /** History, oldest first (single-task reads). */
  events?: TaskEvent[];
}

export interface TaskQuery {
  box: TaskBox;
  status?: TaskStatus[];
  /** Only tasks past their due time. */
  overdue?: boolean;
  page?: number;
  pageSize?: number;
}

export interface CreateTaskInput {
  title: string;
  description?: string;
  assigneeUnitId: string;
  jurisdictionPath: string;
  priority: TaskPriority;
  dueAt?: number;
  sourceModule: 'manual';
}

const t = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;

export const tasksApi = {
  list: (q: TaskQuery, signal?: AbortSignal) => http.get<{ items: Task[]; total: number }>('/api/tasks', { ...q }, signal),
  get: (id: string, signal?: AbortSignal) => http.get<Task>(t(id), undefined, signal),
  create: (input: CreateTaskInput) => http.post<Task>('/api/tasks', input),
  /** 409 TASK_TRANSITION_INVALID when the move is not allowed from the current status. */
  transition: (id: string, to: TaskStatus, note?: string) => http.post<Task>(`${t(id)}/transition`, note ? { to, note } : { to }),
  handoff: (id: string, unitId: string, note: string) => http.post<Task>(`${t(id)}/handoff`, { unitId, note }),
  cancel: (id: string, reason: string) => http.post<Task>(`${t(id)}/cancel`, { reason }),
  comment: (id: string, note: string) => http.post<Task>(`${t(id)}/comment`, { note }),
};
