import { Tag } from 'antd';
import { useI18n } from '../../../app/i18n.js';
import type { TaskPriority, TaskStatus } from '../api.js';

const STATUS_COLOR: Record<TaskStatus, string> = {
  new: 'blue',
  acknowledged: 'cyan',
  in_progress: 'gold',
  reported: 'purple',
  verified: 'green',
  cancelled: 'default',
};

const PRIORITY_COLOR: Record<TaskPriority, string> = { low: 'default', normal: 'blue', high: 'orange', urgent: 'red' };

export function TaskStatusTag({ status }: { status: TaskStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={STATUS_COLOR[status]} data-testid="task-status" data-status={status}>
      {t(`task.status.${status}`)}
    </Tag>
  );
}

export function TaskPriorityTag({ priority }: { priority: TaskPriority }) {
  const { t } = useI18n();
  return <Tag color={PRIORITY_COLOR[priority]}>{t(`task.priority.${priority}`)}</Tag>;
}

export function OverdueTag() {
  const { t } = useI18n();
  return <Tag color="red">{t('task.overdue')}</Tag>;
}
