import type { Tx } from '../../db/dialect.js';
import type { Services } from '../../services.types.js';
import type { Actor } from '../actor.js';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import * as repo from './tasks.repository.js';
import type { TaskEventsTable } from './tasks.table.js';

/** A task_events row as a change writes it: who and when are filled in. */
export type TaskEventInput = Omit<TaskEventsTable, 'id' | 'actor_id' | 'actor_name' | 'at'>;

/**
 * What every task change writes besides the row itself: its history event (task_events) and the
 * `task.changed` live event to the unit concerned, both in the change's transaction.
 */
export function createTaskRecorder({ clock, outbox }: { clock: Clock; outbox: Pick<Services['outbox'], 'publish'> }) {
  return {
    /** Appends an event to the task's history, stamped with the actor and now. */
    async event(trx: Tx, actor: Actor, e: TaskEventInput): Promise<void> {
      await repo.insertTaskEvent(trx, { id: newId(), actor_id: actor.userId, actor_name: actor.name, at: clock.now(), ...e });
    },

    /** Tells the unit's task inbox (capability task.work) that a task changed. */
    async publish(trx: Tx, unitId: string, payload: { taskId: string; status: string; change: string }): Promise<void> {
      await outbox.publish(trx, { topic: 'task.changed', capability: 'task.work', unitId, payload: { ...payload, assigneeUnitId: unitId } });
    },
  };
}

export type TaskRecorder = ReturnType<typeof createTaskRecorder>;
