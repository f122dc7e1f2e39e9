import { UploadOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, InputNumber, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import type { CompanionBatchDto, CompanionCandidateDto } from '../../../../server/modules/companions/companions.schemas.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { casesApi } from '../api.js';
import { CaseLink } from '../components/case-bits.js';

/** One batch's candidates with their evidence (cells and overlaps); accept → a contact of the case, reject with a reason. */
function BatchCandidates({ batchId }: { batchId: string }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const b = useRemote((signal) => casesApi.batch(batchId, signal), [batchId]);
  const [rejecting, setRejecting] = useState<CompanionCandidateDto | null>(null);
  const accept = async (c: CompanionCandidateDto) => {
    try {
      await casesApi.accept(batchId, c.id, { category: 'close' });
      b.reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };
  return (
    <>
      <ErrorAlert error={b.error} onRetry={b.reload} />
      <Table<CompanionCandidateDto>
        rowKey="id"
        size="small"
        loading={b.loading}
        dataSource={b.data?.candidates ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t('companions.noCandidates') }}
        onRow={(c) => ({ 'data-testid': 'candidate-row', 'data-decision': c.decision ?? 'pending' }) as React.HTMLAttributes<HTMLElement>}
        expandable={{
          expandedRowRender: (c) => (
            <Table
              rowKey={(o) => `${o.cell}-${o.from}`}
              size="small"
              pagination={false}
              dataSource={c.evidence}
              columns={[
                { title: t('companions.cells'), dataIndex: 'cell' },
                { title: t('cases.place.window'), key: 'w', render: (_: unknown, o) => `${formatTime(o.from, lang)} – ${formatTime(o.to, lang)}` },
                { title: t('companions.total'), dataIndex: 'minutes', render: (n: number) => t('companions.minutes', { n: Math.round(n) }) },
              ]}
            />
          ),
        }}
        columns={[
          {
            title: t('companions.subject'),
            dataIndex: 'subjectKey',
            render: (v: string) => <Typography.Text code>{v.length > 14 ? `${v.slice(0, 6)}…${v.slice(-4)}` : v}</Typography.Text>,
          },
          { title: t('companions.total'), dataIndex: 'totalMinutes', render: (n: number) => `${Math.round((n / 60) * 10) / 10} h` },
          { title: t('companions.overlaps'), dataIndex: 'overlapCount' },
          { title: t('companions.cells'), dataIndex: 'cells', render: (cells: string[]) => cells.length },
          {
            title: t('companions.decision'),
            key: 'd',
            render: (_: unknown, c) =>
              c.decision === 'accepted' ? (
                <Tag color="magenta">{t('companions.accepted')}</Tag>
              ) : c.decision === 'rejected' ? (
                <Tag title={c.note ?? ''}>{t('companions.rejected')}</Tag>
              ) : (
                <Space size={4}>
                  <Button size="small" type="primary" onClick={() => accept(c)} data-testid="candidate-accept">
                    {t('companions.accept')}
                  </Button>
                  <Button size="small" onClick={() => setRejecting(c)}>
                    {t('companions.reject')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <ReasonModal
        open={!!rejecting}
        title={t('companions.reject')}
        onCancel={() => setRejecting(null)}
        onSubmit={async (v) => {
          try {
            await casesApi.reject(batchId, rejecting!.id, v.reason);
            b.reload();
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      />
    </>
  );
}

/**
 * 时空伴随研判: import location pings (CSV), run detection for a case (every threshold adjustable),
 * then review each batch's candidates with their evidence. Nothing here changes anyone's status by
 * itself: an accepted candidate becomes a contact of the case through the normal contact flow.
 */
export function CompanionsPage(_: PageProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [page, setPage] = useState(1);
  const batches = useRemote((signal) => casesApi.batches({ page, pageSize: 20 }, signal), [page]);
  const cases = useRemote((signal) => casesApi.list({ limit: 200 }, signal), []);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ caseId: string; windowDays: number; minOverlapMinutes: number; minTotalMinutes: number }>();

  const detect = async () => {
    const v = await form.validateFields();
    const c = cases.data?.items.find((x) => x.id === v.caseId);
    if (!c) return;
    setBusy(true);
    try {
      await casesApi.detect({
        personId: c.personId,
        caseId: c.id,
        windowDays: v.windowDays,
        minOverlapMinutes: v.minOverlapMinutes,
        minTotalMinutes: v.minTotalMinutes,
      });
      setPage(1);
      batches.reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="companions-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('companions.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('companions.hint')}</Typography.Paragraph>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Form form={form} layout="inline" initialValues={{ windowDays: 14, minOverlapMinutes: 10, minTotalMinutes: 1800 }}>
          <Form.Item name="caseId" label={t('companions.case')} rules={[{ required: true, message: t('common.required') }]}>
            <Select
              data-testid="companions-case"
              showSearch={{ optionFilterProp: 'label' }}
              style={{ width: 260 }}
              loading={cases.loading}
              options={(cases.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.nameMasked} · ${c.reportDate}` }))}
            />
          </Form.Item>
          <Form.Item name="windowDays" label={t('companions.windowDays')}>
            <InputNumber min={1} max={60} />
          </Form.Item>
          <Form.Item name="minOverlapMinutes" label={t('companions.minOverlap')}>
            <InputNumber min={1} max={1440} />
          </Form.Item>
          <Form.Item name="minTotalMinutes" label={t('companions.minTotal')}>
            <InputNumber min={1} max={86400} />
          </Form.Item>
          <Button type="primary" onClick={detect} loading={busy} data-testid="companions-detect">
            {t('companions.detect')}
          </Button>
          <Upload
            accept=".csv,text/csv"
            showUploadList={false}
            customRequest={async ({ file, onSuccess, onError }) => {
              try {
                const r = await casesApi.importPings(file as File);
                message.success(t('companions.imported', { n: r.imported, r: r.rejected }));
                onSuccess?.(r);
              } catch (err) {
                message.error(errorText(err));
                onError?.(err as Error);
              }
            }}
          >
            <Button icon={<UploadOutlined />} style={{ marginLeft: 8 }}>
              {t('companions.import')}
            </Button>
          </Upload>
        </Form>
      </Card>
      <ErrorAlert error={batches.error} onRetry={batches.reload} />
      <Table<CompanionBatchDto>
        rowKey="id"
        loading={batches.loading}
        dataSource={batches.data?.items ?? []}
        locale={{ emptyText: t('companions.none') }}
        pagination={{ current: page, pageSize: 20, total: batches.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        expandable={{ expandedRowRender: (b) => <BatchCandidates batchId={b.id} /> }}
        columns={[
          { title: t('companions.batch'), dataIndex: 'createdAt', render: (v: number) => formatTime(v, lang) },
          { title: t('companions.case'), dataIndex: 'caseId', render: (id: string | null) => (id ? <CaseLink id={id} /> : '—') },
          {
            title: t('cases.place.window'),
            key: 'w',
            render: (_: unknown, b) => `${formatTime(b.params.from, lang)} – ${formatTime(b.params.to, lang)}`,
          },
          { title: t('companions.decision'), key: 'n', render: (_: unknown, b) => t('companions.candidates', { n: b.candidateCount, p: b.pendingCount }) },
        ]}
      />
    </div>
  );
}
