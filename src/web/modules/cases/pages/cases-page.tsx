import { Button, Card, Form, Input, Modal, Segmented, Select, Space, Table, Tabs, Typography, App } from 'antd';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import type { AssistDto, AssistStatus, CaseDto, CaseKind, DetectionChannel } from '../../../../common/cases.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useLiveEvent } from '../../../app/live.js';
import { pagesKey } from '../../../app/query.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { toApiError, useRemote } from '../../../app/use-remote.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { JurisdictionSelect } from '../../../components/jurisdiction-select.js';
import { casesApi, type CaseListItem, type RecheckListItem } from '../api.js';
import { AssistTable } from '../components/assist-table.js';
import { ChannelTag, KindTag } from '../components/case-bits.js';
import { ConfirmRecheckModal } from '../components/confirm-recheck-modal.js';
import { CASE_LIMITS } from '../../../../common/cases.js';
import { PresetName } from '../../../components/preset-name.js';

type Tab = 'cases' | 'rechecks' | 'assists';

/**
 * 感染者: the scoped case list (newest report first, keyset pages, one filter at a time), the
 * positive rechecks waiting to be confirmed as cases, and the cross-region requests (协查).
 * `?recheck=<id>` (from a task or notification) opens the confirmation of that recheck.
 */
export function CasesPage(_: PageProps) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = (params.get('tab') as Tab | null) ?? (params.get('recheck') ? 'rechecks' : 'cases');
  return (
    <div data-testid="cases-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('cases.title')}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k })}
        items={[
          { key: 'cases', label: t('cases.tab.cases'), children: <CaseList /> },
          {
            key: 'rechecks',
            label: <span data-testid="tab-rechecks">{t('cases.tab.rechecks')}</span>,
            children: <PendingRechecks openId={params.get('recheck')} />,
          },
          { key: 'assists', label: <span data-testid="tab-assists">{t('cases.tab.assists')}</span>, children: <Assists /> },
        ]}
      />
    </div>
  );
}

type Filter = { kind?: CaseKind; channel?: DetectionChannel };

function CaseList() {
  const { t, lang } = useI18n();
  const [params] = useSearchParams();
  // `?channel=community` (from the home page's figures) opens the list filtered.
  const [filter, setFilter] = useState<Filter>(() => {
    const c = params.get('channel');
    return c === 'community' || c === 'in_control' ? { channel: c } : {};
  });
  const [order, setOrder] = useState<'newest' | 'oldest'>('newest');
  // Keyset pages (`nextCursor`), accumulated by TanStack Query; a new filter starts from the first page.
  const list = useInfiniteQuery({
    queryKey: pagesKey('/api/cases', filter),
    queryFn: ({ pageParam, signal }) => casesApi.list({ ...filter, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => {
    const all = (list.data?.pages ?? []).flatMap((p) => p.items);
    return order === 'newest' ? all : [...all].reverse();
  }, [list.data, order]);
  const listError = list.error ? toApiError(list.error) : null;
  const filterValue = filter.kind ?? filter.channel ?? 'all';
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented
          value={filterValue}
          data-testid="case-filter"
          onChange={(v) => {
            setFilter(v === 'confirmed' || v === 'asymptomatic' ? { kind: v } : v === 'in_control' || v === 'community' ? { channel: v } : {});
          }}
          options={[
            { value: 'all', label: t('cases.filter.all') },
            { value: 'confirmed', label: t('cases.kind.confirmed') },
            { value: 'asymptomatic', label: t('cases.kind.asymptomatic') },
            { value: 'in_control', label: t('cases.channel.in_control') },
            { value: 'community', label: t('cases.channel.community') },
          ]}
        />
        <Select
          value={order}
          onChange={setOrder}
          style={{ width: 200 }}
          aria-label={t('cases.sortHint')}
          options={[
            { value: 'newest', label: t('cases.sort.newest') },
            { value: 'oldest', label: t('cases.sort.oldest') },
          ]}
        />
      </Space>
      <ErrorAlert error={listError} onRetry={() => void list.refetch()} />
      <Table<CaseListItem>
        rowKey="id"
        size="middle"
        loading={list.isFetching && !list.isFetchingNextPage}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 1000 }}
        locale={{ emptyText: t('cases.noCases') }}
        onRow={(c) => ({ 'data-testid': 'case-row', 'data-id': c.id }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('cases.name'), dataIndex: 'nameMasked', render: (v: string, c) => <Link to={`/cases/${c.id}`}>{v}</Link> },
          { title: t('cases.kind'), dataIndex: 'kind', render: (k: CaseKind) => <KindTag kind={k} /> },
          { title: t('cases.channel'), dataIndex: 'detectionChannel', render: (v: DetectionChannel) => <ChannelTag channel={v} /> },
          { title: t('cases.reportDate'), dataIndex: 'reportDate' },
          { title: t('cases.onsetDate'), dataIndex: 'onsetDate', render: (v: string | null) => v ?? '—' },
          { title: t('cases.residence'), dataIndex: 'jurisdictionPath', render: (p: string, c) => <span title={p}>{c.jurisdictionName ?? p}</span> },
          { title: t('cases.clinicalStatus'), dataIndex: 'clinicalStatus', render: (s: CaseDto['clinicalStatus']) => t(`cases.clinical.${s}`) },
          { title: t('cases.presetVersion'), dataIndex: 'presetVersion', render: (v: string) => <PresetName label={v} /> },
          { title: t('cases.confirmedAt'), dataIndex: 'confirmedAt', render: (v: number) => formatTime(v, lang) },
        ]}
      />
      {list.hasNextPage && (
        <Button style={{ marginTop: 12 }} onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('common.loadMore')}
        </Button>
      )}
    </>
  );
}

function PendingRechecks({ openId }: { openId: string | null }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const list = useRemote((signal) => casesApi.pendingRechecks(signal), []);
  // A new positive recheck appears without a reload.
  useLiveEvent(['testing.recheck.positive'], () => list.reload());
  const [open, setOpen] = useState<RecheckListItem | null>(null);
  useEffect(() => {
    if (openId && list.data) setOpen(list.data.items.find((r) => r.id === openId) ?? null);
  }, [openId, list.data]);
  return (
    <>
      <Typography.Paragraph type="secondary">{t('cases.rechecks.hint')}</Typography.Paragraph>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<RecheckListItem>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t('cases.rechecks.none') }}
        onRow={(r) => ({ 'data-testid': 'recheck-row', 'data-id': r.id }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('cases.name'), dataIndex: 'nameMasked' },
          { title: t('cases.residence'), dataIndex: 'jurisdictionPath', render: (p: string, r) => <span title={p}>{r.jurisdictionName ?? p}</span> },
          { title: t('cases.rechecks.resolvedAt'), dataIndex: 'resolvedAt', render: (v: number | null) => formatTime(v, lang) },
          { title: t('cases.rechecks.handoverAt'), dataIndex: 'handoverAt', render: (v: number | null) => formatTime(v, lang) },
          {
            title: t('common.actions'),
            key: 'a',
            render: (_: unknown, r) =>
              can('case.manage') && (
                <Button type="primary" size="small" onClick={() => setOpen(r)} data-testid="confirm-recheck">
                  {t('cases.confirm')}
                </Button>
              ),
          },
        ]}
      />
      <ConfirmRecheckModal recheck={open} onCancel={() => setOpen(null)} onDone={(c) => navigate(`/cases/${c.id}`)} />
    </>
  );
}

function Assists() {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [direction, setDirection] = useState<'all' | 'outgoing' | 'incoming'>('all');
  const [status, setStatus] = useState<AssistStatus | undefined>(undefined);
  const list = useRemote(
    (signal) => casesApi.assists({ direction: direction === 'all' ? undefined : direction, status, limit: 200 }, signal),
    [direction, status],
  );
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm();
  return (
    <Card size="small">
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented
          value={direction}
          onChange={setDirection}
          options={[
            { value: 'all', label: t('cases.filter.all') },
            { value: 'outgoing', label: t('cases.assist.outgoing') },
            { value: 'incoming', label: t('cases.assist.incoming') },
          ]}
        />
        <Select
          allowClear
          placeholder={t('cases.assist.status')}
          value={status}
          onChange={setStatus}
          style={{ width: 140 }}
          options={(['pending', 'sent', 'answered', 'closed'] as const).map((s) => ({ value: s, label: t(`cases.assist.${s}`) }))}
        />
        {can('case.manage') && <Button onClick={() => setAdding(true)}>{t('cases.assist.recordIncoming')}</Button>}
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <AssistTable items={list.data?.items ?? []} loading={list.loading} onChanged={list.reload} />
      <Modal
        open={adding}
        title={t('cases.assist.recordIncoming')}
        destroyOnHidden
        onCancel={() => setAdding(false)}
        onOk={async () => {
          const v = await form.validateFields();
          try {
            await casesApi.recordIncoming({
              region: v.region,
              subjectName: v.subjectName,
              jurisdictionId: v.jurisdictionId,
              category: v.category ?? null,
              note: v.note || null,
              externalRef: v.externalRef || null,
            });
            setAdding(false);
            list.reload();
          } catch (err) {
            message.error(errorText(err));
          }
        }}
      >
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="region" label={t('cases.assist.region')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={CASE_LIMITS.region} />
          </Form.Item>
          <Form.Item name="subjectName" label={t('cases.assist.subjectName')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={CASE_LIMITS.personName} />
          </Form.Item>
          <Form.Item name="jurisdictionId" label={t('cases.assist.where')} rules={[{ required: true }]} getValueFromEvent={(j: { id: string }) => j.id}>
            <JurisdictionSelect />
          </Form.Item>
          <Form.Item name="category" label={t('cases.contact.category')}>
            <Select
              allowClear
              options={[
                { value: 'close', label: t('cases.category.close') },
                { value: 'secondary', label: t('cases.category.secondary') },
                { value: 'case', label: t('clusters.graph.case') },
              ]}
            />
          </Form.Item>
          <Form.Item name="externalRef" label={t('cases.assist.externalRef')}>
            <Input maxLength={CASE_LIMITS.externalRef} />
          </Form.Item>
          <Form.Item name="note" label={t('cases.contact.note')}>
            <Input.TextArea rows={2} maxLength={CASE_LIMITS.note} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

export type { AssistDto };
