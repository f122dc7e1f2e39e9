import { msg } from '../../../common/message-text.js';
import type { MessageKey } from '../../../common/i18n.js';
import { readParams } from './stored-text.js';
import type { Tx } from '../../db/dialect.js';
import type { Services } from '../../services.types.js';
import type { Actor } from '../actor.js';
import type { NotificationService } from './notifications.service.js';
import type { TaskRecorder } from './task-recorder.js';
import * as repo from './tasks.repository.js';

/**
 * The overdue check: each task past its due time and not yet final gets one `overdue` event, a
 * `task.overdue` journal entry and an alert to its unit (critical when urgent). The task facade runs
 * it every minute as a recurring job.
 */
export function createTaskOverdueService({
  journal,
  notifications,
  event,
  publish,
}: { journal: Pick<Services['journal'], 'append'>; notifications: Pick<NotificationService, 'notify'> } & TaskRecorder) {
  return {
    /** Alerts the units whose tasks passed their due time since the last run (at most 500 a run); returns how many. */
    async checkOverdue(trx: Tx, actor: Actor, now: number): Promise<number> {
      let n = 0;
      for (const t of await repo.findOverdueUnnotified(trx, now, 500)) {
        if (!(await repo.markOverdueNotified(trx, t.id, now))) continue;
        await event(trx, actor, {
          task_id: t.id,
          kind: 'overdue',
          from_status: t.status,
          to_status: t.status,
          unit_id: t.assignee_unit_id,
          from_unit_id: null,
          note: null,
        });
        await journal.append(trx, actor, {
          action: 'task.overdue',
          entityType: 'task',
          entityId: t.id,
          jurisdictionPath: t.jurisdiction_path,
          payload: { assigneeUnitId: t.assignee_unit_id, dueAt: Number(t.due_at), status: t.status },
        });
        await notifications.notify(trx, actor, {
          unitId: t.assignee_unit_id,
          title: msg('task.auto.overdue.title', {
            title: t.title_key ? { key: t.title_key as MessageKey, ...(t.title_params ? { params: readParams(t.title_params) ?? {} } : {}) } : t.title,
          }),
          body: msg('task.auto.overdue.body'),
          link: `/tasks/${t.id}`,
          sourceModule: 'platform',
          sourceEntityType: 'task',
          sourceEntityId: t.id,
          severity: t.priority === 'urgent' ? 'critical' : 'warning',
        });
        await publish(trx, t.assignee_unit_id, { taskId: t.id, status: t.status, change: 'overdue' });
        n++;
      }
      return n;
    },
  };
}
