import { Tag, Typography } from 'antd';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { Task } from '../api.js';

const ORIGINS = ['testing', 'cases', 'quarantine', 'zoning', 'population', 'platform', 'command'] as const;
type Origin = (typeof ORIGINS)[number];

/** Who a task came from, by name: the unit that wrote it, or (for work a module dispatched) that module's name. */
export function useOrigin(): (task: Pick<Task, 'creatorUnit' | 'sourceModule'>) => string {
  const { t } = useI18n();
  return (task) => {
    if (task.creatorUnit?.name) return task.creatorUnit.name;
    const m = (ORIGINS as readonly string[]).includes(task.sourceModule) ? (task.sourceModule as Origin) : 'platform';
    return t(`task.origin.${m}`);
  };
}

/** What the task is about (a masked person, a tube barcode, a place, an area), labelled by its kind. */
export function SubjectTag({ subject }: { subject: Task['subject'] }) {
  const { t } = useI18n();
  if (!subject) return null;
  return (
    <Tag data-testid="task-subject" data-kind={subject.kind} style={{ marginInlineEnd: 0 }}>
      {t(`task.subject.${subject.kind}`)} · {subject.text}
    </Tag>
  );
}

/** "Closed by itself: the recheck was sampled (time)", for a task whose work was done elsewhere. */
export function ClosedByNote({ closedBy }: { closedBy: Task['closedBy'] }) {
  const { t, lang } = useI18n();
  if (!closedBy) return null;
  return (
    <Typography.Text type="success" data-testid="task-closed-by" data-kind={closedBy.kind}>
      {t('task.closedBy', { what: t(`task.closedBy.${closedBy.kind}`), at: formatTime(closedBy.at, lang) })}
    </Typography.Text>
  );
}
