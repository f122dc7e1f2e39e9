import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Modal, Row, Skeleton, Space, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { formatTime } from '../../../app/format.js';
import { ApiError } from '../../../app/http.js';
import { useMessageText, useServerText } from '../../../app/bilingual.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe, useSession } from '../../../app/session.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { JurisdictionName } from '../../../components/jurisdiction-name.js';
import { UnitSelect } from '../../../components/unit-select.js';
import { FINAL_STATUSES, NEXT_STATUSES, tasksApi, type Task, type TaskEvent, type TaskStatus } from '../api.js';
import { OverdueTag, TaskPriorityTag, TaskStatusTag } from '../components/task-tags.js';
import { useTask } from '../hooks.js';
import { rulesFor } from '../../../app/form-rules.js';
import { TASK_LIMITS } from '../../../../common/tasks.js';
import { MESSAGES, type MessageKey } from '../../../../common/i18n.js';

type Dialog = { kind: 'cancel' } | { kind: 'handoff' } | null;

/** The next steps this user may take on the task (the server checks the same rules). */
function allowedMoves(task: Task, unitId: string, can: (c: 'task.work' | 'task.verify') => boolean): TaskStatus[] {
  const next = NEXT_STATUSES[task.status];
  if (task.status === 'reported') return can('task.verify') ? [...next] : [];
  return can('task.work') && task.assigneeUnit.id === unitId ? [...next] : [];
}

/** One task: its fields, its whole history, and the buttons for what may happen next. */
export function TaskDetailPage(_props: PageProps) {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  // The module a task came from, as people call it (the module id is an internal identifier).
  const sourceLabel = (m: string) => (`task.source.${m}` in MESSAGES ? t(`task.source.${m}` as MessageKey) : t('task.source.other'));
  const text = useMessageText();
  // A module's note is `中文 · English` (a recheck's progress): the half for the interface language.
  const serverText = useServerText();
  const me = useMe();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const task = useTask(id);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [dialogForm] = Form.useForm<{ reason?: string; unitId?: string; note?: string }>();

  const run = async (key: string, fn: () => Promise<Task>) => {
    setBusy(key);
    try {
      const updated = await fn();
      task.setData(updated);
      setNote('');
      message.success({ key: 'task-action', content: t('common.done') });
      return true;
    } catch (err) {
      message.error(errorText(err));
      if (err instanceof ApiError && (err.code === 'TASK_TRANSITION_INVALID' || err.code === 'CONFLICT')) task.reload();
      return false;
    } finally {
      setBusy(null);
    }
  };

  if (!task.data) {
    return (
      <div>
        <Link to="/tasks">
          <ArrowLeftOutlined /> {t('task.back')}
        </Link>
        <ErrorAlert error={task.error} onRetry={task.reload} />
        {!task.error && <Skeleton active style={{ marginTop: 16 }} />}
      </div>
    );
  }
  const d = task.data;
  const moves = allowedMoves(d, me.unit.id, can);
  const open = !FINAL_STATUSES.includes(d.status);
  const canManage = open && can('task.assign');

  const moveLabel = (to: TaskStatus) => (d.status === 'reported' && to === 'in_progress' ? t('task.action.rework') : t(`task.action.${to as 'acknowledged'}`));

  const eventText = (e: TaskEvent) => {
    const parts = [t(`task.event.${e.kind}`)];
    if (e.kind === 'transition' && e.fromStatus && e.toStatus) parts.push(`${t(`task.status.${e.fromStatus}`)} → ${t(`task.status.${e.toStatus}`)}`);
    if (e.kind === 'handoff') parts.push(`${e.fromUnit?.name ?? ''} → ${e.unit?.name ?? ''}`);
    return parts.join(' · ');
  };

  return (
    <div data-testid="task-detail">
      <div>
        <Link to="/tasks">
          <ArrowLeftOutlined /> {t('task.back')}
        </Link>
      </div>
      <Space align="center" wrap style={{ margin: '12px 0' }}>
        <Typography.Title level={3} className="bw-page-title" style={{ marginBottom: 0 }} data-testid="task-title">
          {text(d.title, d.titleKey, d.titleParams)}
        </Typography.Title>
        <TaskStatusTag status={d.status} />
        <TaskPriorityTag priority={d.priority} />
        {d.overdue && <OverdueTag />}
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card size="small">
            <Descriptions
              column={{ xs: 1, sm: 2 }}
              size="small"
              items={[
                { key: 'assignee', label: t('task.field.assignee'), children: d.assigneeUnit.name },
                { key: 'creator', label: t('task.field.creator'), children: d.creatorUnit?.name ?? '—' },
                { key: 'jurisdiction', label: t('task.field.jurisdiction'), children: <JurisdictionName path={d.jurisdictionPath} /> },
                { key: 'source', label: t('task.field.source'), children: sourceLabel(d.sourceModule) },
                { key: 'due', label: t('task.field.due'), children: formatTime(d.dueAt, lang) },
                { key: 'created', label: t('task.field.created'), children: formatTime(d.createdAt, lang) },
                ...(d.cancelReason ? [{ key: 'cancel', label: t('task.field.cancelReason'), children: d.cancelReason }] : []),
              ]}
            />
            {d.description && (
              <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginTop: 8 }}>
                {text(d.description, d.descriptionKey, d.descriptionParams)}
              </Typography.Paragraph>
            )}
          </Card>
          <Card size="small" style={{ marginTop: 16 }} data-testid="task-actions">
            {open && (moves.length > 0 || can('task.work')) && (
              <Input.TextArea
                rows={2}
                maxLength={TASK_LIMITS.note}
                placeholder={t('task.noteLabel')}
                value={note}
                onChange={(e) => setNote(e.target.value)}
                style={{ marginBottom: 12 }}
                data-testid="task-note"
              />
            )}
            <Space wrap style={{ display: open ? undefined : 'none' }}>
              {moves.map((to) => (
                <Button
                  key={to}
                  type={to === 'in_progress' && d.status === 'reported' ? 'default' : 'primary'}
                  loading={busy === to}
                  disabled={!!busy && busy !== to}
                  data-testid={`task-action-${d.status === 'reported' && to === 'in_progress' ? 'rework' : to}`}
                  onClick={() => run(to, () => tasksApi.transition(d.id, to, note.trim() || undefined))}
                >
                  {moveLabel(to)}
                </Button>
              ))}
              {open && can('task.work') && (
                <Button
                  disabled={!note.trim() || !!busy}
                  loading={busy === 'comment'}
                  onClick={() => run('comment', () => tasksApi.comment(d.id, note.trim()))}
                >
                  {t('task.action.comment')}
                </Button>
              )}
              {canManage && <Button onClick={() => setDialog({ kind: 'handoff' })}>{t('task.action.handoff')}</Button>}
              {canManage && (
                <Button danger onClick={() => setDialog({ kind: 'cancel' })}>
                  {t('task.action.cancel')}
                </Button>
              )}
            </Space>
            {!open && (
              <Alert type={d.status === 'verified' ? 'success' : 'info'} showIcon title={t('task.finished', { status: t(`task.status.${d.status}`) })} />
            )}
            {open && moves.length === 0 && (
              <Alert type="info" showIcon style={{ marginTop: 12 }} title={d.status === 'reported' ? t('task.waitingVerify') : t('task.noActions')} />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={t('task.history')} data-testid="task-history">
            <Timeline
              items={(d.events ?? []).map((e) => ({
                key: e.id,
                color: e.kind === 'cancelled' || e.kind === 'overdue' ? '#cf1322' : e.toStatus === 'verified' ? '#389e0d' : '#1677ff',
                content: (
                  <div>
                    <Typography.Text strong>{eventText(e)}</Typography.Text>
                    <div>
                      <Typography.Text type="secondary">
                        {formatTime(e.at, lang)} · {t('task.by', { actor: e.actorId === null ? t('common.system') : e.actorName, unit: e.unit?.name ?? '' })}
                      </Typography.Text>
                    </div>
                    {e.note && <div style={{ whiteSpace: 'pre-wrap' }}>{serverText(e.note)}</div>}
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
      </Row>
      <Modal
        open={dialog !== null}
        title={dialog?.kind === 'cancel' ? t('task.action.cancel') : t('task.action.handoff')}
        okText={t('common.submit')}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: dialog?.kind === 'cancel', loading: busy === 'dialog' }}
        destroyOnHidden
        onCancel={() => setDialog(null)}
        onOk={async () => {
          const v = await dialogForm.validateFields();
          const ok =
            dialog?.kind === 'cancel'
              ? await run('dialog', () => tasksApi.cancel(d.id, v.reason!.trim()))
              : await run('dialog', () => tasksApi.handoff(d.id, v.unitId!, v.note!.trim()));
          if (ok) setDialog(null);
        }}
      >
        <Form form={dialogForm} layout="vertical" preserve={false}>
          {dialog?.kind === 'cancel' ? (
            <Form.Item name="reason" label={t('common.reason')} rules={rulesFor(TASK_LIMITS.note, { required: true, message: t('common.reasonRequired') })}>
              <Input.TextArea rows={3} maxLength={TASK_LIMITS.note} />
            </Form.Item>
          ) : (
            <>
              <Form.Item name="unitId" label={t('task.handoffTo')} rules={[{ required: true, message: t('common.required') }]}>
                <UnitSelect exclude={d.assigneeUnit.id} />
              </Form.Item>
              <Form.Item name="note" label={t('task.handoffNote')} rules={rulesFor(TASK_LIMITS.note, { required: true, message: t('common.reasonRequired') })}>
                <Input.TextArea rows={3} maxLength={TASK_LIMITS.note} />
              </Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </div>
  );
}
