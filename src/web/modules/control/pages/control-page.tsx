import { Alert, App, Button, Card, Col, Form, Input, Modal, Row, Segmented, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { FigureTitle } from '../../../components/figure-title.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe, useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { JurisdictionName } from '../../../components/jurisdiction-name.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { geoApi } from '../../geo/api.js';
import { controlApi, type BulkRequest, type BulkStatus, type ControlSummary } from '../api.js';
import { BasisText } from '../components/control-status-card.js';
import { ReviewPanel } from '../components/review-panel.js';
import { StatusTag } from '../components/status-tag.js';
import { useControlErrorText } from '../errors.js';
import { CONTROL_LIMITS } from '../../../../common/control.js';
import { rulesFor } from '../../../app/form-rules.js';

const COUNTED = ['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'sealed', 'controlled', 'released'] as const;

/** Persons per status in the chosen jurisdiction, and in each of its parts. */
function SummarySection({ jurisdictionId, reloadKey }: { jurisdictionId: string; reloadKey: number }) {
  const { t, lang } = useI18n();
  const data = useRemote(
    async (signal) => {
      const [own, children] = await Promise.all([controlApi.summary(jurisdictionId, signal), geoApi.children(jurisdictionId, signal)]);
      const parts = children.items.filter((c) => !['building', 'entrance'].includes(c.level)).slice(0, 60);
      const rows = await Promise.all(parts.map(async (c) => ({ id: c.id, name: c.name, summary: await controlApi.summary(c.id, signal) })));
      return { own, rows };
    },
    [jurisdictionId, reloadKey],
  );
  const own = data.data?.own;
  return (
    <Card title={t('control.summary')} style={{ marginBottom: 16 }} data-testid="control-summary">
      <ErrorAlert error={data.error} onRetry={data.reload} />
      <Row gutter={[16, 16]}>
        <Col xs={12} md={4}>
          <Statistic
            title={<FigureTitle label={t('control.underMeasure')} help={t('control.fig.underMeasure')} asOf={data.updatedAt} />}
            value={own ? formatCount(own.underMeasure, lang) : '—'}
            data-testid="summary-under-measure"
          />
        </Col>
        <Col xs={12} md={4}>
          <Statistic
            title={<FigureTitle label={t('control.underAreaMeasure')} help={t('control.fig.underAreaMeasure')} asOf={data.updatedAt} />}
            value={own ? formatCount(own.underAreaMeasure, lang) : '—'}
            data-testid="summary-under-area-measure"
          />
        </Col>
        {COUNTED.map((s) => (
          <Col xs={12} md={4} key={s}>
            <Statistic
              title={
                <FigureTitle label={t(`control.status.${s}`)} help={t('control.fig.status', { status: t(`control.status.${s}`) })} asOf={data.updatedAt} />
              }
              value={own ? formatCount(own.counts[s], lang) : '—'}
              data-testid={`summary-${s}`}
            />
          </Col>
        ))}
      </Row>
      {(data.data?.rows.length ?? 0) > 0 && (
        <Table<{ id: string; name: string; summary: ControlSummary }>
          style={{ marginTop: 16 }}
          size="small"
          rowKey="id"
          pagination={false}
          loading={data.loading}
          dataSource={data.data?.rows}
          scroll={{ x: 720 }}
          columns={[
            { title: t('common.jurisdiction'), dataIndex: 'name' },
            { title: t('control.underMeasure'), key: 'under', render: (_: unknown, r) => formatCount(r.summary.underMeasure, lang) },
            ...COUNTED.map((s) => ({
              title: t(`control.status.${s}`),
              key: s,
              render: (_: unknown, r: { summary: ControlSummary }) => formatCount(r.summary.counts[s], lang),
            })),
          ]}
        />
      )}
    </Card>
  );
}

/**
 * Control status (管控状态): counts per jurisdiction and the bulk change requests waiting for a
 * second approver. Approving applies the change; the requester cannot approve their own request
 * (the server refuses and the page shows why).
 */
export function ControlPage({ jurisdictionId }: PageProps) {
  const { t, lang } = useI18n();
  const me = useMe();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useControlErrorText();
  const [status, setStatus] = useState<BulkStatus>('pending');
  const [page, setPage] = useState(1);
  const list = useRemote((signal) => controlApi.bulkRequests({ status, limit: 20, offset: (page - 1) * 20 }, signal), [status, page]);
  const [approving, setApproving] = useState<BulkRequest | null>(null);
  const [rejecting, setRejecting] = useState<BulkRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  // Bumped after an approval, so the counts include the persons it changed.
  const [decided, setDecided] = useState(0);
  const [form] = Form.useForm<{ note?: string }>();
  const canApprove = can('status.approve-bulk');

  useEffect(() => setPage(1), [status]);

  const approve = async () => {
    if (!approving) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const { note } = v;
    setBusy(true);
    try {
      await controlApi.approve(approving.id, note?.trim() || undefined);
      message.success(t('control.bulk.approved'));
      setApproving(null);
      list.reload();
      setDecided((n) => n + 1);
    } catch (err) {
      const text = errorText(err);
      setRefusal(text);
      message.error(text);
      setApproving(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="control-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('control.title')}
      </Typography.Title>
      <SummarySection jurisdictionId={jurisdictionId} reloadKey={decided} />
      <Card
        title={t('control.bulkRequests')}
        extra={
          <Segmented<BulkStatus>
            value={status}
            onChange={setStatus}
            options={(['pending', 'applied', 'rejected'] as const).map((s) => ({ value: s, label: t(`control.bulk.${s === 'rejected' ? 'rejected' : s}`) }))}
            data-testid="bulk-status-filter"
          />
        }
      >
        <ErrorAlert error={list.error} onRetry={list.reload} />
        {refusal && (
          <Alert type="error" showIcon title={refusal} closable={{ onClose: () => setRefusal(null) }} style={{ marginBottom: 16 }} data-testid="bulk-refusal" />
        )}
        <Table<BulkRequest>
          rowKey="id"
          size="middle"
          loading={list.loading}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 960 }}
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
          onRow={(r) => ({ 'data-testid': 'bulk-row', 'data-id': r.id }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('control.changeTo'), dataIndex: 'to', render: (s: BulkRequest['to']) => <StatusTag status={s} /> },
            { title: t('control.bulk.persons'), dataIndex: 'personCount', render: (n: number) => formatCount(n, lang) },
            { title: t('control.basis'), dataIndex: 'basis', render: (b: BulkRequest['basis']) => <BasisText basis={b} /> },
            { title: t('common.reason'), dataIndex: 'reason', ellipsis: true },
            { title: t('common.jurisdiction'), dataIndex: 'jurisdictionPath', render: (p: string) => <JurisdictionName path={p} /> },
            {
              title: t('control.bulk.requestedBy'),
              key: 'by',
              render: (_: unknown, r) => (
                <Space orientation="vertical" size={0}>
                  <span>
                    {r.requestedBy.name} {r.requestedBy.id === me.id && <Tag color="blue">{t('control.bulk.ownRequest')}</Tag>}
                  </span>
                  <Typography.Text type="secondary">{formatTime(r.requestedAt, lang)}</Typography.Text>
                </Space>
              ),
            },
            {
              title: status === 'pending' ? t('common.actions') : t('control.bulk.decidedBy'),
              key: 'actions',
              render: (_: unknown, r) =>
                r.status === 'pending' ? (
                  canApprove && (
                    <Space>
                      <Button type="primary" size="small" data-testid="bulk-approve" onClick={() => (setRefusal(null), setApproving(r))}>
                        {t('control.bulk.approve')}
                      </Button>
                      <Button danger size="small" data-testid="bulk-reject" onClick={() => (setRefusal(null), setRejecting(r))}>
                        {t('control.bulk.reject')}
                      </Button>
                    </Space>
                  )
                ) : (
                  <Space orientation="vertical" size={0}>
                    <span>{(r.approvedBy ?? r.rejectedBy)?.name ?? '—'}</span>
                    <Typography.Text type="secondary">{r.approvalNote ?? r.rejectReason ?? ''}</Typography.Text>
                  </Space>
                ),
            },
          ]}
        />
      </Card>
      <ReviewPanel jurisdictionId={jurisdictionId} />
      <Modal
        open={!!approving}
        title={approving ? t('control.bulk.approveTitle', { n: approving.personCount, to: t(`control.status.${approving.to}`) }) : ''}
        okText={t('control.bulk.approve')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: busy }}
        onOk={approve}
        onCancel={() => setApproving(null)}
        destroyOnHidden
      >
        {approving && (
          <Typography.Paragraph>
            <BasisText basis={approving.basis} /> · {approving.reason}
          </Typography.Paragraph>
        )}
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="note" label={t('control.bulk.note')} rules={rulesFor(CONTROL_LIMITS.note)}>
            <Input.TextArea rows={3} maxLength={CONTROL_LIMITS.note} />
          </Form.Item>
        </Form>
      </Modal>
      <ReasonModal
        open={!!rejecting}
        title={t('control.bulk.rejectTitle')}
        danger
        onCancel={() => setRejecting(null)}
        onSubmit={async ({ reason }) => {
          try {
            await controlApi.reject(rejecting!.id, reason);
            message.success(t('control.bulk.rejectedDone'));
            list.reload();
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      />
    </div>
  );
}
