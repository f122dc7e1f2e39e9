import { PlusOutlined } from '@ant-design/icons';
import { Button, Grid, Pagination, Segmented, Select, Space, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { formatTime } from '../../../app/format.js';
import { useMessageText } from '../../../app/bilingual.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { TASK_STATUSES, type Task, type TaskBox, type TaskStatus } from '../api.js';
import { CreateTaskModal } from '../components/create-task-modal.js';
import { OverdueTag, TaskPriorityTag, TaskStatusTag } from '../components/task-tags.js';
import { SubjectTag, useOrigin } from '../components/task-bits.js';
import { TaskCard, TodoList } from '../components/todo-list.js';
import { useTasks } from '../hooks.js';

const BOXES: TaskBox[] = ['unit', 'created', 'all'];

/**
 * Tasks: my unit's inbox, what my unit created, and everything in my jurisdiction — as a to-do list by
 * deadline (the default), or as the full list with status filters (closed tasks included).
 */
export function TaskListPage(_props: PageProps) {
  const { t, lang } = useI18n();
  const text = useMessageText();
  const origin = useOrigin();
  const phone = !Grid.useBreakpoint().md;
  const { can } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const box = (BOXES as string[]).includes(params.get('box') ?? '') ? (params.get('box') as TaskBox) : 'unit';
  const [status, setStatus] = useState<TaskStatus[]>([]);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [creating, setCreating] = useState(false);
  // `?overdue=1` (from the home page's overdue figure) lists only tasks past their due time.
  const overdue = params.get('overdue') === '1' ? true : undefined;
  const view = params.get('view') === 'all' || overdue ? 'all' : 'todo';
  const tasks = useTasks({ box, status, overdue, page, pageSize });

  const labels: Record<TaskBox, string> = { unit: t('task.boxUnit'), created: t('task.boxCreated'), all: t('task.boxAll') };

  return (
    <div data-testid="task-list">
      <Space style={{ width: '100%', justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <Typography.Title level={3} className="bw-page-title">
          {t('task.title')}
        </Typography.Title>
        {can('task.assign') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-task">
            {t('task.new')}
          </Button>
        )}
      </Space>
      <Tabs
        activeKey={box}
        onChange={(k) => {
          setParams(view === 'all' ? { box: k, view } : { box: k });
          setPage(1);
        }}
        items={BOXES.map((b) => ({ key: b, label: labels[b] }))}
      />
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented
          data-testid="task-view"
          value={view}
          onChange={(v) => setParams(v === 'all' ? { box, view: 'all' } : { box })}
          options={[
            { value: 'todo', label: t('task.view.todo') },
            { value: 'all', label: t('task.view.all') },
          ]}
        />
        {view === 'all' && (
          <Select<TaskStatus[]>
            mode="multiple"
            allowClear
            placeholder={t('task.field.status')}
            value={status}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
            options={TASK_STATUSES.map((s) => ({ value: s, label: t(`task.status.${s}`) }))}
            style={{ minWidth: 180 }}
          />
        )}
      </Space>
      {view === 'todo' ? (
        <TodoList box={box} />
      ) : (
        <>
          <ErrorAlert error={tasks.error} onRetry={tasks.reload} />
          {phone ? (
            <div data-testid="task-cards">
              {(tasks.data?.items ?? []).map((task) => (
                <TaskCard key={task.id} task={task} />
              ))}
              <Pagination
                size="small"
                current={page}
                pageSize={pageSize}
                total={tasks.data?.total ?? 0}
                onChange={(p, s) => {
                  setPage(p);
                  setPageSize(s);
                }}
              />
            </div>
          ) : (
            <Table<Task>
              rowKey="id"
              size="middle"
              loading={tasks.loading}
              dataSource={tasks.data?.items ?? []}
              scroll={phone ? undefined : { x: 800 }}
              onRow={(r) => ({ onClick: () => navigate(`/tasks/${r.id}`), style: { cursor: 'pointer' } })}
              pagination={{
                current: page,
                pageSize,
                total: tasks.data?.total ?? 0,
                showSizeChanger: true,
                showTotal: (n) => t('common.total', { n }),
                onChange: (p, s) => {
                  setPage(p);
                  setPageSize(s);
                },
              }}
              columns={[
                {
                  title: t('task.field.title'),
                  dataIndex: 'title',
                  render: (v: string, r) => (
                    <Space size={4} wrap>
                      <Link to={`/tasks/${r.id}`} onClick={(e) => e.stopPropagation()}>
                        {text(v, r.titleKey, r.titleParams)}
                      </Link>
                      {r.overdue && <OverdueTag />}
                    </Space>
                  ),
                },
                { title: t('task.field.subject'), dataIndex: 'subject', width: 180, render: (_: unknown, r) => <SubjectTag subject={r.subject} /> },
                { title: t('task.field.status'), dataIndex: 'status', width: 110, render: (s: TaskStatus) => <TaskStatusTag status={s} /> },
                { title: t('task.field.priority'), dataIndex: 'priority', width: 90, render: (p: Task['priority']) => <TaskPriorityTag priority={p} /> },
                { title: t('task.field.assignee'), dataIndex: ['assigneeUnit', 'name'] },
                { title: t('task.field.origin'), dataIndex: 'creatorUnit', responsive: ['lg'], render: (_: unknown, r) => origin(r) },
                { title: t('task.field.due'), dataIndex: 'dueAt', width: 150, render: (v: number | null) => formatTime(v, lang) },
                { title: t('task.field.updated'), dataIndex: 'updatedAt', width: 150, responsive: ['md'], render: (v: number) => formatTime(v, lang) },
              ]}
            />
          )}
        </>
      )}
      <CreateTaskModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(task) => {
          setCreating(false);
          navigate(`/tasks/${task.id}`);
        }}
      />
    </div>
  );
}
