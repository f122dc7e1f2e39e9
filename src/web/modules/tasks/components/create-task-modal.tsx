import { App, DatePicker, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import type { ChosenJurisdiction } from '../../../app/jurisdiction.js';
import { useI18n } from '../../../app/i18n.js';
import { useJurisdictionFilter } from '../../../app/jurisdiction.js';
import { useSession } from '../../../app/session.js';
import { useErrorText } from '../../../components/error-alert.js';
import { JurisdictionSelect } from '../../../components/jurisdiction-select.js';
import { UnitSelect } from '../../../components/unit-select.js';
import { TASK_PRIORITIES, tasksApi, type Task, type TaskPriority } from '../api.js';
import { rulesFor } from '../../../app/form-rules.js';
import { TASK_LIMITS } from '../../../../common/tasks.js';

interface Values {
  title: string;
  description?: string;
  assigneeUnitId: string;
  jurisdiction: ChosenJurisdiction;
  priority: TaskPriority;
  /** A dayjs value from the picker; only its epoch ms is used. */
  dueAt?: { valueOf(): number } | null;
}

/** The "new task" form (needs task.assign): what, for which unit, where, how urgent, by when. */
export function CreateTaskModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(task: Task): void }) {
  const { t } = useI18n();
  const { me } = useSession();
  const { current } = useJurisdictionFilter();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const task = await tasksApi.create({
        title: v.title.trim(),
        ...(v.description?.trim() ? { description: v.description.trim() } : {}),
        assigneeUnitId: v.assigneeUnitId,
        jurisdictionPath: v.jurisdiction.path,
        priority: v.priority,
        ...(v.dueAt ? { dueAt: v.dueAt.valueOf() } : {}),
        sourceModule: 'manual',
      });
      message.success({ key: 'task-action', content: t('task.created') });
      form.resetFields();
      onCreated(task);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('task.new')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={busy}
      okText={t('common.submit')}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <Form<Values>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ priority: 'normal', assigneeUnitId: me?.unit.id, jurisdiction: current ?? undefined }}
        data-testid="create-task-form"
      >
        <Form.Item name="title" label={t('task.field.title')} rules={rulesFor(TASK_LIMITS.title, { required: true, message: t('common.required') })}>
          <Input maxLength={TASK_LIMITS.title} />
        </Form.Item>
        <Form.Item name="description" label={t('task.field.description')} rules={rulesFor(TASK_LIMITS.description)}>
          <Input.TextArea rows={3} maxLength={TASK_LIMITS.description} />
        </Form.Item>
        <Form.Item name="assigneeUnitId" label={t('task.field.assignee')} rules={[{ required: true, message: t('common.required') }]}>
          <UnitSelect data-testid="task-assignee" />
        </Form.Item>
        <Form.Item
          name="jurisdiction"
          label={t('task.field.jurisdiction')}
          rules={[{ required: true, message: t('common.required') }]}
          getValueProps={(j?: ChosenJurisdiction) => ({ value: j?.id })}
        >
          <JurisdictionSelect style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="priority" label={t('task.field.priority')} rules={[{ required: true }]}>
          <Select options={TASK_PRIORITIES.map((p) => ({ value: p, label: t(`task.priority.${p}`) }))} />
        </Form.Item>
        <Form.Item name="dueAt" label={t('task.field.due')}>
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
