import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, DatePicker, Form, Input, InputNumber, Modal, Progress, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { POOL_SIZES, testingApi, type Campaign, type CampaignStatus, type CreateCampaignInput } from '../api.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { useTestingErrorText } from '../errors.js';
import { TESTING_LIMITS } from '../../../../common/testing.js';
import { rulesFor } from '../../../app/form-rules.js';

export const CAMPAIGN_STATUS_COLORS: Record<CampaignStatus, string> = { planned: 'default', active: 'processing', closed: 'success' };

const EXEMPTABLE = ['quarantined_central', 'quarantined_home', 'pending_recheck', 'home_monitored'] as const;

/** The new-campaign form: the request body (sealedPoolMode: one tube per household 0, or a single tube 1), with the times picked as Dayjs. */
type NewCampaign = Omit<CreateCampaignInput, 'startsAt' | 'deadlineAt'> & { startsAt?: Dayjs | null; deadlineAt?: Dayjs | null };

function CreateCampaignModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(c: Campaign): void }) {
  const { t } = useI18n();
  const errorText = useTestingErrorText();
  const [form] = Form.useForm<NewCampaign>();
  const action = useAction((v: NewCampaign) =>
    testingApi.createCampaign({
      name: v.name.trim(),
      scopeJurisdictionIds: v.scopeJurisdictionIds,
      poolSize: v.poolSize,
      sealedPoolMode: v.sealedPoolMode,
      exemptStatuses: v.exemptStatuses as never,
      ...(v.startsAt ? { startsAt: v.startsAt.valueOf() } : {}),
      ...(v.deadlineAt ? { deadlineAt: v.deadlineAt.valueOf() } : {}),
      ...(v.recheckHours ? { recheckHours: v.recheckHours } : {}),
    }),
  );
  const busy = action.busy;
  const error = action.error ? errorText(action.error) : null;
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const c = await action.run(v);
    if (c === undefined) return;
    onCreated(c);
  };
  return (
    <Modal
      open={open}
      title={t('testing.newCampaign')}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'campaign-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
      width={640}
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="campaign-error" />}
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ poolSize: 10, sealedPoolMode: 0, exemptStatuses: ['quarantined_central', 'quarantined_home'] }}
        data-testid="campaign-form"
      >
        <Form.Item
          name="name"
          label={t('testing.campaignName')}
          rules={rulesFor(TESTING_LIMITS.campaignName, { required: true, message: t('common.required') })}
        >
          <Input placeholder={t('testing.campaignNamePlaceholder')} />
        </Form.Item>
        <Form.Item name="scopeJurisdictionIds" label={t('testing.scope')} rules={[{ required: true, message: t('common.required') }]}>
          <JurisdictionSearch multiple data-testid="campaign-scope" />
        </Form.Item>
        <Space wrap>
          <Form.Item name="startsAt" label={t('testing.startsAt')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
          <Form.Item name="deadlineAt" label={t('testing.deadlineAt')} extra={t('testing.deadlineHint')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
        </Space>
        <Form.Item name="poolSize" label={t('testing.poolSize')}>
          <Segmented options={POOL_SIZES.map((n) => ({ value: n, label: t(`testing.pool.${n}`) }))} data-testid="campaign-pool" />
        </Form.Item>
        <Form.Item name="sealedPoolMode" label={t('testing.sealedPoolMode')} extra={t('testing.sealedPoolModeHint')}>
          <Segmented options={([0, 1] as const).map((n) => ({ value: n, label: t(`testing.poolMode.${n}`) }))} data-testid="campaign-sealed-pool" />
        </Form.Item>
        <Form.Item name="exemptStatuses" label={t('testing.exemptStatuses')}>
          <Select mode="multiple" options={EXEMPTABLE.map((s) => ({ value: s, label: t(`control.status.${s}`) }))} />
        </Form.Item>
        <Form.Item name="recheckHours" label={t('testing.recheckHours')}>
          <InputNumber min={1} max={72} placeholder="12" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 已逾期 beside the status of a planned or active campaign whose deadline has passed (the server decides, on the domain clock). */
export function PastDeadlineTag({ campaign }: { campaign: Pick<Campaign, 'pastDeadline'> }) {
  const { t } = useI18n();
  if (!campaign.pastDeadline) return null;
  return (
    <Tooltip title={t('testing.pastDeadlineHint')}>
      <Tag color="error" data-testid="campaign-past-deadline">
        {t('testing.pastDeadline')}
      </Tag>
    </Tooltip>
  );
}

/** Campaigns overlapping the user's jurisdiction, newest first, with their coverage target; new ones are planned here. */
export function CampaignsPage(_: PageProps) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [status, setStatus] = useState<CampaignStatus | 'all'>('all');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const list = useRemote(
    (signal) => testingApi.campaigns({ status: status === 'all' ? undefined : status, limit: 20, offset: (page - 1) * 20 }, signal),
    [status, page],
  );

  return (
    <div data-testid="campaigns-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('testing.campaigns')}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented<CampaignStatus | 'all'>
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          options={[
            { value: 'all', label: t('common.all') },
            ...(['planned', 'active', 'closed'] as const).map((s) => ({ value: s, label: t(`testing.status.${s}`) })),
          ]}
        />
        {can('testing.manage') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-campaign">
            {t('testing.newCampaign')}
          </Button>
        )}
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<Campaign>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('testing.noCampaign') }}
        scroll={{ x: 900 }}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(c) => ({ 'data-testid': 'campaign-row', 'data-id': c.id }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('testing.campaignName'), dataIndex: 'name', render: (v: string, c) => <Link to={`/testing/campaigns/${c.id}`}>{v}</Link> },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (s: CampaignStatus, c) => (
              <Space size={4} wrap>
                <Tag color={CAMPAIGN_STATUS_COLORS[s]}>{t(`testing.status.${s}`)}</Tag>
                <PastDeadlineTag campaign={c} />
              </Space>
            ),
          },
          { title: t('testing.scope'), dataIndex: 'scope', render: (sc: Campaign['scope']) => sc.map((j) => j.name).join('、') },
          { title: t('testing.poolSize'), dataIndex: 'poolSize', render: (n: Campaign['poolSize']) => t(`testing.poolMode.${n}`) },
          { title: t('testing.target'), dataIndex: 'targetTotal', render: (n: number, c) => (c.status === 'planned' ? '—' : formatCount(n, lang)) },
          {
            title: t('testing.deadlineAt'),
            dataIndex: 'deadlineAt',
            render: (d: number, c) => (
              <Space orientation="vertical" size={0}>
                <span>{formatTime(d, lang)}</span>
                {c.status === 'active' && (
                  <Progress
                    size="small"
                    percent={Math.min(100, Math.max(0, Math.round((100 * (Date.now() - c.startsAt)) / Math.max(1, d - c.startsAt))))}
                    showInfo={false}
                  />
                )}
              </Space>
            ),
          },
        ]}
      />
      <CreateCampaignModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(c) => {
          message.success(t('testing.created'));
          setCreating(false);
          navigate(`/testing/campaigns/${c.id}`);
        }}
      />
    </div>
  );
}
