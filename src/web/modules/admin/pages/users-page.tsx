import { DownloadOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ROLE_LABELS, grantableRoles, type Role } from '../../../../common/roles.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe, useSession } from '../../../app/session.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { rulesFor } from '../../../app/form-rules.js';
import { IDENTITY_LIMITS } from '../../../../common/limits.js';
import { UnitSelect } from '../../../components/unit-select.js';
import { usersApi, type User } from '../api.js';
import { ImportUsersModal } from '../components/import-users-modal.js';
import { useUsers } from '../hooks.js';

const L = IDENTITY_LIMITS;

type ActiveFilter = 'all' | 'active' | 'inactive';
type Dialog = { kind: 'create' } | { kind: 'edit'; user: User } | { kind: 'disable' | 'enable' | 'password'; user: User } | { kind: 'import' } | null;

interface FormValues {
  username?: string;
  displayName: string;
  password?: string;
  unitId: string;
  roles: Role[];
  reason?: string;
}

/** Staff accounts in my jurisdiction: create, edit, deactivate/enable, reset passwords, import. */
export function UsersPage(_props: PageProps) {
  const { t, lang, label } = useI18n();
  const me = useMe();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const manage = can('user.manage');
  const [q, setQ] = useState('');
  const [active, setActive] = useState<ActiveFilter>('all');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const users = useUsers({ q: q || undefined, active: active === 'all' ? undefined : active === 'active', limit: pageSize, offset: (page - 1) * pageSize });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [form] = Form.useForm<FormValues>();
  const roleOptions = grantableRoles(me.roles).map((r) => ({ value: r, label: label(ROLE_LABELS[r]) }));

  // One write at a time from this page: the dialogs' save and the row actions.
  const action = useAction((fn: () => Promise<unknown>) => fn().then(() => true as const), {
    onSuccess: () => {
      message.success(t('common.done'));
      users.reload();
    },
    onError: (err) => message.error(errorText(err)),
  });
  const busy = action.busy;
  const act = async (fn: () => Promise<unknown>) => (await action.run(fn)) === true;

  const save = async () => {
    const v = await form.validateFields();
    const ok =
      dialog?.kind === 'create'
        ? await act(() =>
            usersApi.create({ username: v.username!.trim(), displayName: v.displayName.trim(), password: v.password!, unitId: v.unitId, roles: v.roles }),
          )
        : dialog?.kind === 'edit'
          ? await act(() =>
              usersApi.update(dialog.user.id, {
                displayName: v.displayName.trim(),
                unitId: v.unitId,
                roles: v.roles,
                ...(v.reason?.trim() ? { reason: v.reason.trim() } : {}),
              }),
            )
          : false;
    if (ok) setDialog(null);
  };

  const editing = dialog?.kind === 'edit' ? dialog.user : null;
  const target = dialog && 'user' in dialog ? dialog.user : null;

  return (
    <div data-testid="users-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <Typography.Title level={3} className="bw-page-title">
          {t('admin.users')}
        </Typography.Title>
        {manage && (
          <Space wrap>
            <Button icon={<DownloadOutlined />} href={usersApi.templateUrl}>
              {t('admin.importTemplate')}
            </Button>
            <Button icon={<UploadOutlined />} onClick={() => setDialog({ kind: 'import' })}>
              {t('admin.import')}
            </Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'create' })}>
              {t('admin.newUser')}
            </Button>
          </Space>
        )}
      </Space>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t('admin.searchUsers')} onSearch={(v) => (setQ(v.trim()), setPage(1))} style={{ width: 260 }} />
        <Segmented<ActiveFilter>
          value={active}
          onChange={(v) => (setActive(v), setPage(1))}
          options={[
            { value: 'all', label: t('common.all') },
            { value: 'active', label: t('common.active') },
            { value: 'inactive', label: t('common.inactive') },
          ]}
        />
      </Space>
      <ErrorAlert error={users.error} onRetry={users.reload} />
      <Table<User>
        rowKey="id"
        size="middle"
        loading={users.loading}
        dataSource={users.data?.items ?? []}
        scroll={{ x: 960 }}
        pagination={{
          current: page,
          pageSize,
          total: users.data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => t('common.total', { n }),
          onChange: (p, s) => (setPage(p), setPageSize(s)),
        }}
        columns={[
          // A login name is an identifier the person types, not a word of the interface.
          { title: t('admin.username'), dataIndex: 'username', render: (v: string) => <code translate="no">{v}</code> },
          { title: t('admin.displayName'), dataIndex: 'displayName' },
          { title: t('admin.unit'), dataIndex: ['unit', 'name'] },
          { title: t('admin.roles'), dataIndex: 'roles', render: (roles: Role[]) => roles.map((r) => <Tag key={r}>{label(ROLE_LABELS[r], r)}</Tag>) },
          {
            title: t('common.status'),
            key: 'status',
            render: (_: unknown, u) => (
              <Space size={4} wrap>
                <Tag color={u.active ? 'green' : 'default'}>{u.active ? t('common.active') : t('common.inactive')}</Tag>
                {u.lockedUntil && u.lockedUntil > Date.now() && <Tag color="red">{t('admin.locked', { until: formatTime(u.lockedUntil, lang) })}</Tag>}
                {u.totpEnabled && <Tag color="blue">{t('admin.totp')}</Tag>}
              </Space>
            ),
          },
          { title: t('admin.lastLogin'), dataIndex: 'lastLoginAt', responsive: ['lg'], render: (v: number | null) => formatTime(v, lang) },
          ...(manage
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, u: User) => (
                    <Space size={0} wrap>
                      <Button type="link" size="small" onClick={() => setDialog({ kind: 'edit', user: u })}>
                        {t('common.edit')}
                      </Button>
                      <Button type="link" size="small" onClick={() => setDialog({ kind: 'password', user: u })}>
                        {t('admin.resetPassword')}
                      </Button>
                      {u.active ? (
                        <Button type="link" size="small" danger onClick={() => setDialog({ kind: 'disable', user: u })}>
                          {t('common.disable')}
                        </Button>
                      ) : (
                        <Button type="link" size="small" onClick={() => setDialog({ kind: 'enable', user: u })}>
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
        title={editing ? t('admin.editUser') : t('admin.newUser')}
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
          initialValues={editing ? { displayName: editing.displayName, unitId: editing.unit.id, roles: editing.roles } : { roles: [] }}
        >
          {!editing && (
            <Form.Item
              name="username"
              label={t('admin.username')}
              rules={[{ required: true, pattern: /^[a-zA-Z][a-zA-Z0-9_.-]{2,31}$/, message: t('admin.usernameRule') }]}
            >
              <Input autoComplete="off" />
            </Form.Item>
          )}
          <Form.Item name="displayName" label={t('admin.displayName')} rules={rulesFor(L.displayName, { required: true, message: t('common.required') })}>
            <Input maxLength={L.displayName} />
          </Form.Item>
          {!editing && (
            <Form.Item
              name="password"
              label={t('admin.password')}
              rules={[{ required: true, min: L.passwordMin, message: t('admin.passwordRule', { n: L.passwordMin }) }, { max: L.passwordMax }]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          )}
          <Form.Item name="unitId" label={t('admin.unit')} rules={[{ required: true, message: t('common.required') }]}>
            <UnitSelect />
          </Form.Item>
          <Form.Item name="roles" label={t('admin.roles')} rules={[{ required: true, type: 'array', min: 1, message: t('common.required') }]}>
            <Select mode="multiple" options={roleOptions} />
          </Form.Item>
          {editing && (
            <Form.Item name="reason" label={t('common.reason')} rules={rulesFor(L.reason)}>
              <Input.TextArea rows={2} maxLength={L.reason} />
            </Form.Item>
          )}
        </Form>
      </Modal>
      <ReasonModal
        open={dialog?.kind === 'disable' || dialog?.kind === 'enable' || dialog?.kind === 'password'}
        title={
          dialog?.kind === 'password'
            ? `${t('admin.resetPassword')} · ${target?.displayName ?? ''}`
            : t(dialog?.kind === 'enable' ? 'admin.enableUserTitle' : 'admin.disableUserTitle', { name: target?.displayName ?? '' })
        }
        danger={dialog?.kind === 'disable'}
        onCancel={() => setDialog(null)}
        onSubmit={(v) =>
          act(() =>
            dialog?.kind === 'password'
              ? usersApi.resetPassword(target!.id, v.password, v.reason)
              : dialog?.kind === 'enable'
                ? usersApi.enable(target!.id, v.reason)
                : usersApi.disable(target!.id, v.reason),
          )
        }
      >
        {dialog?.kind === 'password' && (
          <Form.Item
            name="password"
            label={t('admin.newPassword')}
            rules={[{ required: true, min: L.passwordMin, message: t('admin.passwordRule', { n: L.passwordMin }) }, { max: L.passwordMax }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
      </ReasonModal>
      <ImportUsersModal open={dialog?.kind === 'import'} onClose={() => setDialog(null)} onImported={users.reload} />
    </div>
  );
}
