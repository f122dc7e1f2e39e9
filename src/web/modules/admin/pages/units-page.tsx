import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { UNIT_KINDS, UNIT_KIND_LABELS, type UnitKind } from '../../../../common/roles.js';
import type { ChosenJurisdiction } from '../../../app/jurisdiction.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { JurisdictionSelect } from '../../../components/jurisdiction-select.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { rulesFor } from '../../../app/form-rules.js';
import { IDENTITY_LIMITS as L } from '../../../../common/limits.js';
import { UnitSelect } from '../../../components/unit-select.js';
import { unitsApi, type CreateUnitInput, type Unit } from '../api.js';
import { useUnits } from '../hooks.js';

type Dialog = { kind: 'create' } | { kind: 'edit'; unit: Unit } | { kind: 'disable' | 'enable'; unit: Unit } | null;

/** The unit form: a create body, and a reason when editing. */
type FormValues = CreateUnitInput & { reason?: string };

/** Units (单位 / 专班) in my jurisdiction: create, edit, deactivate (refused while they have active members). */
export function UnitsPage({ jurisdictionId }: PageProps) {
  const { t, label } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const manage = can('user.manage');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const units = useUnits({ q: q || undefined, limit: pageSize, offset: (page - 1) * pageSize });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [form] = Form.useForm<FormValues>();

  // One write at a time from this page: the dialog's save and the row actions.
  const action = useAction((fn: () => Promise<unknown>) => fn().then(() => true as const), {
    onSuccess: () => {
      message.success(t('common.done'));
      units.reload();
    },
    onError: (err) => message.error(errorText(err)),
  });
  const busy = action.busy;
  const act = async (fn: () => Promise<unknown>) => (await action.run(fn)) === true;

  const editing = dialog?.kind === 'edit' ? dialog.unit : null;
  const target = dialog && 'unit' in dialog ? dialog.unit : null;

  const save = async () => {
    const v = await form.validateFields();
    const body = { name: v.name.trim(), kind: v.kind, jurisdictionId: v.jurisdictionId, parentUnitId: v.parentUnitId ?? null };
    const ok = editing
      ? await act(() => unitsApi.update(editing.id, { ...body, ...(v.reason?.trim() ? { reason: v.reason.trim() } : {}) }))
      : await act(() => unitsApi.create(body));
    if (ok) setDialog(null);
  };

  return (
    <div data-testid="units-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <Typography.Title level={3} className="bw-page-title">
          {t('admin.units')}
        </Typography.Title>
        {manage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'create' })}>
            {t('admin.newUnit')}
          </Button>
        )}
      </Space>
      <Input.Search allowClear placeholder={t('admin.searchUnits')} onSearch={(v) => (setQ(v.trim()), setPage(1))} style={{ width: 260, marginBottom: 12 }} />
      <ErrorAlert error={units.error} onRetry={units.reload} />
      <Table<Unit>
        rowKey="id"
        size="middle"
        loading={units.loading}
        dataSource={units.data?.items ?? []}
        scroll={{ x: 900 }}
        pagination={{
          current: page,
          pageSize,
          total: units.data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => t('common.total', { n }),
          onChange: (p, s) => (setPage(p), setPageSize(s)),
        }}
        columns={[
          { title: t('admin.unitName'), dataIndex: 'name' },
          { title: t('admin.unitKind'), dataIndex: 'kind', render: (k: UnitKind) => label(UNIT_KIND_LABELS[k], k) },
          { title: t('common.jurisdiction'), dataIndex: ['jurisdiction', 'name'] },
          { title: t('admin.parentUnit'), dataIndex: ['parentUnit', 'name'], responsive: ['lg'], render: (v?: string) => v ?? '—' },
          { title: t('admin.activeUsers'), dataIndex: 'activeUsers', align: 'right', width: 100 },
          {
            title: t('common.status'),
            dataIndex: 'active',
            width: 90,
            render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{a ? t('common.active') : t('common.inactive')}</Tag>,
          },
          ...(manage
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, u: Unit) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setDialog({ kind: 'edit', unit: u })}>
                        {t('common.edit')}
                      </Button>
                      {u.active ? (
                        <Button type="link" size="small" danger onClick={() => setDialog({ kind: 'disable', unit: u })}>
                          {t('common.disable')}
                        </Button>
                      ) : (
                        <Button type="link" size="small" onClick={() => setDialog({ kind: 'enable', unit: u })}>
                          {t('common.enable')}
                        </Button>
                      )}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        title={editing ? t('admin.editUnit') : t('admin.newUnit')}
        onCancel={() => setDialog(null)}
        onOk={save}
        confirmLoading={busy}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Form<FormValues>
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={
            editing
              ? { name: editing.name, kind: editing.kind, jurisdictionId: editing.jurisdiction.id, parentUnitId: editing.parentUnit?.id ?? null }
              : { kind: 'other', jurisdictionId }
          }
        >
          <Form.Item name="name" label={t('admin.unitName')} rules={rulesFor(L.unitName, { required: true, message: t('common.required') })}>
            <Input maxLength={L.unitName} />
          </Form.Item>
          <Form.Item name="kind" label={t('admin.unitKind')} rules={[{ required: true }]}>
            <Select options={UNIT_KINDS.map((k) => ({ value: k, label: label(UNIT_KIND_LABELS[k]) }))} />
          </Form.Item>
          <Form.Item
            name="jurisdictionId"
            label={t('common.jurisdiction')}
            rules={[{ required: true, message: t('common.required') }]}
            getValueFromEvent={(j: ChosenJurisdiction) => j.id}
          >
            <JurisdictionSelect style={{ width: '100%' }} valueLabel={editing?.jurisdiction.name} />
          </Form.Item>
          <Form.Item name="parentUnitId" label={t('admin.parentUnit')}>
            <UnitSelect allowClear exclude={editing?.id} />
          </Form.Item>
          {editing && (
            <Form.Item name="reason" label={t('common.reason')} rules={rulesFor(L.reason)}>
              <Input.TextArea rows={2} maxLength={L.reason} />
            </Form.Item>
          )}
        </Form>
      </Modal>
      <ReasonModal
        open={dialog?.kind === 'disable' || dialog?.kind === 'enable'}
        title={t(dialog?.kind === 'enable' ? 'admin.enableUnitTitle' : 'admin.disableUnitTitle', { name: target?.name ?? '' })}
        danger={dialog?.kind === 'disable'}
        onCancel={() => setDialog(null)}
        onSubmit={(v) => act(() => (dialog?.kind === 'enable' ? unitsApi.enable(target!.id, v.reason) : unitsApi.disable(target!.id, v.reason)))}
      />
    </div>
  );
}
