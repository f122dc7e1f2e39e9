import { Badge, Card, Collapse, Empty, Grid, Space, Table, Typography } from 'antd';
import { Link, useNavigate } from 'react-router-dom';
import { useMessageText } from '../../../app/bilingual.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import type { Task, TaskBox, TaskDueBucket } from '../api.js';
import { useTasks } from '../hooks.js';
import { SubjectTag, useOrigin } from './task-bits.js';
import { TaskPriorityTag, TaskStatusTag } from './task-tags.js';

/** One to-do as a card (phones): its subject first, then what to do, from whom, by when. */
export function TaskCard({ task }: { task: Task }) {
  const { t, lang } = useI18n();
  const text = useMessageText();
  const origin = useOrigin();
  return (
    <Card size="small" data-testid="task-card" data-task={task.id} style={{ marginBottom: 8 }}>
      <Space direction="vertical" size={4} style={{ width: '100%' }}>
        <Space size={4} wrap>
          <SubjectTag subject={task.subject} />
          <TaskStatusTag status={task.status} />
          <TaskPriorityTag priority={task.priority} />
        </Space>
        <Link to={`/tasks/${task.id}`} style={{ fontWeight: 500 }}>
          {text(task.title, task.titleKey, task.titleParams)}
        </Link>
        <Typography.Text type="secondary">
          {t('task.field.origin')}：{origin(task)} · {t('task.field.due')}：{task.dueAt === null ? t('task.due.none') : formatTime(task.dueAt, lang)}
        </Typography.Text>
      </Space>
    </Card>
  );
}

/** One deadline section of the to-do list: cards on a phone, a table on a wider screen. */
function Section({ box, due }: { box: TaskBox; due: TaskDueBucket }) {
  const { t, lang } = useI18n();
  const text = useMessageText();
  const origin = useOrigin();
  const navigate = useNavigate();
  const phone = !Grid.useBreakpoint().md;
  const tasks = useTasks({ box, due, pageSize: 100 });
  const items = tasks.data?.items ?? [];
  if (tasks.error) return <ErrorAlert error={tasks.error} onRetry={tasks.reload} />;
  if (!tasks.loading && !items.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('task.due.empty')} />;
  if (phone)
    return (
      <div data-testid={`todo-${due}`}>
        {items.map((task) => (
          <TaskCard key={task.id} task={task} />
        ))}
      </div>
    );
  return (
    <Table<Task>
      data-testid={`todo-${due}`}
      rowKey="id"
      size="small"
      loading={tasks.loading}
      dataSource={items}
      pagination={false}
      onRow={(r) => ({ onClick: () => navigate(`/tasks/${r.id}`), style: { cursor: 'pointer' } })}
      columns={[
        { title: t('task.field.subject'), dataIndex: 'subject', width: 200, render: (_: unknown, r) => <SubjectTag subject={r.subject} /> },
        {
          title: t('task.field.title'),
          dataIndex: 'title',
          render: (v: string, r) => (
            <Link to={`/tasks/${r.id}`} onClick={(e) => e.stopPropagation()}>
              {text(v, r.titleKey, r.titleParams)}
            </Link>
          ),
        },
        { title: t('task.field.origin'), dataIndex: 'creatorUnit', width: 170, render: (_: unknown, r) => origin(r) },
        { title: t('task.field.status'), dataIndex: 'status', width: 100, render: (s: Task['status']) => <TaskStatusTag status={s} /> },
        { title: t('task.field.priority'), dataIndex: 'priority', width: 80, render: (p: Task['priority']) => <TaskPriorityTag priority={p} /> },
        { title: t('task.field.due'), dataIndex: 'dueAt', width: 150, render: (v: number | null) => (v === null ? t('task.due.none') : formatTime(v, lang)) },
      ]}
    />
  );
}

/** A count for a section header (the same query the section runs, so it agrees with what it lists). */
function Count({ box, due }: { box: TaskBox; due: TaskDueBucket }) {
  const tasks = useTasks({ box, due, pageSize: 1 });
  const n = tasks.data?.total ?? 0;
  return <Badge count={n} showZero color={due === 'overdue' && n ? 'red' : 'blue'} data-testid={`todo-count-${due}`} />;
}

/**
 * The to-do list (issue 16): open tasks by deadline — overdue, due today, upcoming (collapsed) — each
 * naming its subject and where it came from. Tasks whose work was done elsewhere have closed themselves.
 */
export function TodoList({ box }: { box: TaskBox }) {
  const { t } = useI18n();
  const header = (due: TaskDueBucket) => (
    <Space>
      {t(`task.due.${due}`)}
      <Count box={box} due={due} />
    </Space>
  );
  return (
    <Collapse
      data-testid="todo-list"
      defaultActiveKey={['overdue', 'today']}
      items={(['overdue', 'today', 'upcoming'] as const).map((due) => ({ key: due, label: header(due), children: <Section box={box} due={due} /> }))}
    />
  );
}
