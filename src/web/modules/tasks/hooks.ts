import { useLiveEvent } from '../../app/live.js';
import { useRemote } from '../../app/use-remote.js';
import { tasksApi, type TaskQuery } from './api.js';

/** A page of tasks, reloaded when any task changes. */
export function useTasks(q: TaskQuery) {
  const r = useRemote((signal) => tasksApi.list(q, signal), [q.box, (q.status ?? []).join(','), q.overdue, q.due, q.page, q.pageSize]);
  useLiveEvent(['task.changed'], () => r.reload());
  return r;
}

/** One task with its history, reloaded when it changes elsewhere. */
export function useTask(id: string) {
  const r = useRemote((signal) => tasksApi.get(id, signal), [id]);
  useLiveEvent(['task.changed'], (e) => {
    if (e.data?.taskId === id) r.reload();
  });
  return r;
}
