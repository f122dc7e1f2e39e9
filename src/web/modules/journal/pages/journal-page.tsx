import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, DatePicker, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { journalApi, type JournalEntry, type JournalQuery, type VerifyResult } from '../api.js';
import { MESSAGES, type MessageKey } from '../../../../common/i18n.js';
import { useServerText } from '../../../app/bilingual.js';

/** Journal actions and entity types that have a label (src/common/messages/journal-actions.ts), for the filters. */
const LABELLED = (prefix: string) =>
  Object.keys(MESSAGES)
    .filter((k) => k.startsWith(prefix) && !k.endsWith('.other'))
    .map((k) => k.slice(prefix.length));
const ACTIONS = LABELLED('journal.action.');
const ENTITY_TYPES = LABELLED('journal.entity.');

const PAGE = 100;

interface Filters {
  entityType?: string;
  action?: string;
  actorId?: string;
  /** dayjs values from the range picker; only their epoch ms are used. */
  range?: [{ valueOf(): number } | null, { valueOf(): number } | null] | null;
}

/** The journal (who did what, where, why), newest first, and a check of its hash chain. */
export function JournalPage(_props: PageProps) {
  const { t, lang } = useI18n();
  const serverText = useServerText();
  // The dotted action id and the entity type are internal identifiers: people read their labels (the id stays in the row's details).
  const actionLabel = (a: string) => (`journal.action.${a}` in MESSAGES ? t(`journal.action.${a}` as MessageKey) : t('journal.action.other'));
  const entityLabel = (e: string) => (`journal.entity.${e}` in MESSAGES ? t(`journal.entity.${e}` as MessageKey) : t('journal.entity.other'));
  const [query, setQuery] = useState<JournalQuery>({});
  const [items, setItems] = useState<JournalEntry[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<unknown>(null);

  const load = useCallback(
    async (before?: number) => {
      setLoading(true);
      setError(null);
      try {
        const r = await journalApi.list({ ...query, before, limit: PAGE });
        setItems((prev) => (before ? [...prev, ...r.items] : r.items));
        setNextBefore(r.nextBefore);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [query],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const onFilter = (f: Filters) => {
    setQuery({
      entityType: f.entityType?.trim() || undefined,
      action: f.action?.trim() || undefined,
      actorId: f.actorId?.trim() || undefined,
      from: f.range?.[0]?.valueOf(),
      to: f.range?.[1] ? f.range[1].valueOf() + 1 : undefined,
    });
  };

  const runVerify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerify(await journalApi.verify());
    } catch (err) {
      setVerifyError(err);
    } finally {
      setVerifying(false);
    }
  };

  return (
    <div data-testid="journal">
      <Space style={{ width: '100%', justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <Typography.Title level={3} className="bw-page-title">
          {t('journal.title')}
        </Typography.Title>
        <Button icon={<SafetyCertificateOutlined />} loading={verifying} onClick={runVerify} data-testid="verify-chain">
          {t('journal.verify')}
        </Button>
      </Space>
      {verify && (
        <Alert
          style={{ marginBottom: 12 }}
          showIcon
          type={verify.ok ? 'success' : 'error'}
          data-testid="verify-result"
          title={
            verify.ok
              ? t('journal.verifyOk', { n: verify.entries })
              : t('journal.verifyBroken', { seq: verify.brokenSeq ?? '?', problem: verify.problem ?? '' })
          }
          description={
            verify.ok
              ? verify.signedHeads > 0
                ? t('journal.anchored', { heads: verify.signedHeads, seq: verify.anchoredSeq, rest: verify.unanchored })
                : t('journal.notAnchored')
              : undefined
          }
        />
      )}
      <ErrorAlert error={verifyError} />
      <Form<Filters> layout="inline" onFinish={onFilter} style={{ marginBottom: 12, rowGap: 8 }}>
        <Form.Item name="entityType">
          <Select
            placeholder={t('journal.entityType')}
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 160 }}
            options={ENTITY_TYPES.map((e) => ({ value: e, label: entityLabel(e) }))}
          />
        </Form.Item>
        <Form.Item name="action">
          <Select
            placeholder={t('journal.action')}
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 200 }}
            options={ACTIONS.map((a) => ({ value: a, label: actionLabel(a) }))}
          />
        </Form.Item>
        <Form.Item name="actorId">
          <Input placeholder={t('journal.actorId')} allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="range">
          <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('common.search')}
        </Button>
      </Form>
      <ErrorAlert error={error} onRetry={() => load()} />
      <Table<JournalEntry>
        rowKey="seq"
        size="small"
        loading={loading}
        dataSource={items}
        pagination={false}
        scroll={{ x: 1000 }}
        expandable={{
          expandedRowRender: (e) => (
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12 }}>
              {JSON.stringify(
                {
                  action: e.action,
                  entityType: e.entityType,
                  payload: e.payload,
                  entityId: e.entityId,
                  batchCount: e.batchCount,
                  batchDigest: e.batchDigest,
                  hash: e.hash,
                },
                null,
                2,
              )}
            </pre>
          ),
        }}
        columns={[
          { title: t('journal.seq'), dataIndex: 'seq', width: 80 },
          {
            title: t('common.time'),
            dataIndex: 'at',
            width: 170,
            // Domain time; when a demo or drill had moved it, the real time shows beside it.
            render: (v: number, e: JournalEntry) =>
              e.wallAt !== null && Math.abs(e.wallAt - v) >= 60_000 ? (
                <span data-testid="journal-wall-time">
                  {formatTime(v, lang)}
                  <br />
                  <Typography.Text type="warning" title={t('journal.wallDiffers', { wall: formatTime(e.wallAt, lang) })}>
                    {t('journal.wallAt')} {formatTime(e.wallAt, lang)}
                  </Typography.Text>
                </span>
              ) : (
                formatTime(v, lang)
              ),
          },
          {
            title: t('journal.actor'),
            dataIndex: 'actorName',
            width: 120,
            // A user's login name is an identifier; a module of the system (demo, testing) is 系统.
            render: (v: string, e: JournalEntry) => (e.actorId === null ? t('common.system') : <code translate="no">{v}</code>),
          },
          { title: t('journal.action'), dataIndex: 'action', render: (a: string) => <span data-action={a}>{actionLabel(a)}</span> },
          { title: t('journal.entityType'), dataIndex: 'entityType', width: 120, render: (v: string) => entityLabel(v) },
          { title: t('journal.path'), dataIndex: 'jurisdictionPath', responsive: ['lg'] },
          { title: t('common.reason'), dataIndex: 'reason', render: (v: string | null) => (v ? serverText(v) : '') },
        ]}
      />
      {nextBefore !== null && (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Button onClick={() => load(nextBefore)} loading={loading}>
            {t('common.loadMore')}
          </Button>
        </div>
      )}
    </div>
  );
}
