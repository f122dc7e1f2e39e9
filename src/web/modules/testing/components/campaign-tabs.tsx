import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Descriptions,
  Drawer,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Timeline,
  Typography,
  Row,
  Col,
} from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { VULNERABLE_LABELS, type VulnerableFlag } from '../../../../common/geo.js';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { FigureTitle } from '../../../components/figure-title.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import {
  FLAG_KINDS,
  VULNERABLE_FOR_HOME,
  testingApi,
  type Campaign,
  type Flag,
  type FlagKind,
  type HomeSamplingResult,
  type Recheck,
  type RecheckStatus,
  type Tube,
  type TubeStatus,
  type Unsampled,
} from '../api.js';
import { useTestingErrorText } from '../errors.js';
import { useTestingEvents } from '../live.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { RecheckSampleModal } from './recheck-sample-modal.js';
import { TESTING_LIMITS } from '../../../../common/testing.js';
import { rulesFor } from '../../../app/form-rules.js';
import { useActorName } from '../../../app/actor-name.js';

const RECHECK_COLORS: Record<RecheckStatus, string> = { awaiting_sample: 'orange', sampled: 'blue', negative: 'green', positive: 'red' };
const RESULT_COLORS: Record<string, string> = { negative: 'green', positive: 'red', suspicious: 'volcano', invalid: 'default' };

/** Where a tube leads: its persons, their buildings and compounds, the site, sampler, times, results and rechecks. */
export function TraceDrawer({ tubeId, onClose }: { tubeId: string | null; onClose(): void }) {
  const { t, lang } = useI18n();
  const actorName = useActorName();
  const trace = useRemote((signal) => (tubeId ? testingApi.trace(tubeId, signal) : Promise.resolve(null)), [tubeId]);
  const d = trace.data;
  return (
    <Drawer
      open={!!tubeId}
      onClose={onClose}
      size="large"
      title={d ? t('testing.traceTitle', { barcode: d.tube.barcode ?? d.tube.id }) : t('testing.trace')}
      destroyOnHidden
    >
      <ErrorAlert error={trace.error} onRetry={trace.reload} />
      {d && (
        <Space orientation="vertical" style={{ width: '100%' }} size={16} data-testid="trace">
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('testing.campaign')}>{d.campaign.name}</Descriptions.Item>
            <Descriptions.Item label={t('testing.tubeStatus')}>
              <Tag>{t(`testing.tube.${d.tube.status}`)}</Tag> <Tag>{t(`testing.tubeKind.${d.tube.kind}`)}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('testing.result')}>
              {d.tube.result ? <Tag color={RESULT_COLORS[d.tube.result]}>{t(`testing.result.${d.tube.result}`)}</Tag> : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('testing.site')}>
              {d.site ? `${d.site.name}（${t(`testing.siteKind.${d.site.kind as 'tent'}`)}）` : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('testing.sampler')}>{actorName(d.sampler)}</Descriptions.Item>
            <Descriptions.Item label={t('testing.openedAt')}>{formatTime(d.tube.openedAt, lang)}</Descriptions.Item>
            {d.parent && <Descriptions.Item label={t('testing.parentTube')}>{d.parent.barcode}</Descriptions.Item>}
          </Descriptions>
          <Table
            size="small"
            rowKey={(p) => `${p.personId}:${p.scannedAt}`}
            dataSource={d.persons}
            pagination={false}
            title={() => t('testing.persons')}
            scroll={{ x: 640 }}
            columns={[
              { title: t('person.name'), dataIndex: 'nameMasked', render: (v: string, p) => <Link to={`/persons/${p.personId}`}>{v}</Link> },
              { title: t('testing.building'), key: 'b', render: (_: unknown, p) => p.building?.name ?? '—' },
              { title: t('testing.compound'), key: 'c', render: (_: unknown, p) => p.compound?.name ?? '—' },
              { title: t('testing.community'), key: 'm', render: (_: unknown, p) => p.community?.name ?? '—' },
              { title: t('common.time'), dataIndex: 'scannedAt', render: (v: number) => formatTime(v, lang) },
              { title: '', dataIndex: 'counted', render: (v: boolean) => (v ? null : <Tag>{t('testing.notCounted')}</Tag>) },
            ]}
          />
          {d.rechecks.length > 0 && (
            <Table
              size="small"
              rowKey="id"
              dataSource={d.rechecks}
              pagination={false}
              title={() => t('testing.tabRechecks')}
              columns={[
                { title: t('person.name'), dataIndex: 'nameMasked' },
                {
                  title: t('common.status'),
                  dataIndex: 'status',
                  render: (s: RecheckStatus) => <Tag color={RECHECK_COLORS[s]}>{t(`testing.recheck.${s}`)}</Tag>,
                },
              ]}
            />
          )}
          {d.results.length > 0 && (
            <Timeline
              items={d.results.map((r) => ({
                key: r.id,
                color: RESULT_COLORS[r.result] === 'green' ? 'green' : 'red',
                content: (
                  <span>
                    {t(`testing.result.${r.result}`)} · {r.lab} · {formatTime(r.resultedAt, lang)} {r.effective ? '' : '（×）'}
                  </span>
                ),
              }))}
            />
          )}
        </Space>
      )}
    </Drawer>
  );
}

/** Single-tube rechecks of the campaign: who is pending, their task, the deadline, and the sampling of each. */
export function RechecksTab({ campaign, tick }: { campaign: Campaign; tick: number }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const [status, setStatus] = useState<RecheckStatus | undefined>(undefined);
  const [page, setPage] = useState(1);
  const list = useRemote(
    (signal) => testingApi.rechecks({ campaignId: campaign.id, status, limit: 20, offset: (page - 1) * 20 }, signal),
    [campaign.id, status, page, tick],
  );
  const [sampling, setSampling] = useState<Recheck | null>(null);
  const [trace, setTrace] = useState<string | null>(null);
  useTestingEvents(['testing.tube.reactive', 'testing.recheck.positive', 'testing.recheck.retracted'], () => list.reload());
  return (
    <div data-testid="rechecks-tab">
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          allowClear
          style={{ width: 200 }}
          placeholder={t('common.status')}
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          options={(['awaiting_sample', 'sampled', 'negative', 'positive'] as const).map((s) => ({ value: s, label: t(`testing.recheck.${s}`) }))}
        />
        <Button onClick={list.reload}>{t('common.refresh')}</Button>
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<Recheck>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        scroll={{ x: 900 }}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(r) => ({ 'data-testid': 'recheck-row', 'data-status': r.status, 'data-person': r.personId }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('person.name'),
            dataIndex: 'nameMasked',
            render: (v: string, r) => (can('person.read') ? <Link to={`/persons/${r.personId}`}>{v}</Link> : v),
          },
          { title: t('common.status'), dataIndex: 'status', render: (s: RecheckStatus) => <Tag color={RECHECK_COLORS[s]}>{t(`testing.recheck.${s}`)}</Tag> },
          {
            title: t('testing.recheckDue'),
            dataIndex: 'dueAt',
            render: (d: number, r) => (
              <Space size={4}>
                {formatTime(d, lang)}
                {r.overdue && <Tag color="red">{t('testing.overdue')}</Tag>}
              </Space>
            ),
          },
          {
            title: t('testing.recheckTask'),
            dataIndex: 'taskId',
            render: (id: string | null) =>
              id ? (
                <Link to={`/tasks/${id}`} data-testid="recheck-task">
                  {t('testing.recheckTask')}
                </Link>
              ) : (
                '—'
              ),
          },
          {
            title: t('testing.parentTube'),
            dataIndex: 'parentTubeId',
            render: (id: string) => (
              <Button size="small" type="link" onClick={() => setTrace(id)}>
                {t('testing.trace')}
              </Button>
            ),
          },
          {
            title: t('common.actions'),
            key: 'a',
            render: (_: unknown, r) =>
              r.status === 'awaiting_sample' && can('testing.sample') ? (
                <Button size="small" type="primary" onClick={() => setSampling(r)} data-testid="recheck-sample">
                  {t('testing.recheckSample')}
                </Button>
              ) : null,
          },
        ]}
      />
      <RecheckSampleModal recheck={sampling} onClose={() => setSampling(null)} onDone={list.reload} />
      <TraceDrawer tubeId={trace} onClose={() => setTrace(null)} />
    </div>
  );
}

/** The campaign's tubes, newest first, searchable by barcode, each traceable. */
export function TubesTab({ campaign, tick }: { campaign: Campaign; tick: number }) {
  const { t, lang } = useI18n();
  const [barcode, setBarcode] = useState('');
  const [status, setStatus] = useState<TubeStatus | undefined>(undefined);
  const [page, setPage] = useState(1);
  const [trace, setTrace] = useState<string | null>(null);
  const list = useRemote(
    (signal) => testingApi.tubes({ campaignId: campaign.id, barcode: barcode || undefined, status, limit: 20, offset: (page - 1) * 20 }, signal),
    [campaign.id, barcode, status, page, tick],
  );
  return (
    <div data-testid="tubes-tab">
      <Space style={{ marginBottom: 12 }} wrap>
        <Input.Search allowClear placeholder={t('testing.barcode')} onSearch={(v) => (setBarcode(v.trim().toUpperCase()), setPage(1))} style={{ width: 220 }} />
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t('testing.tubeStatus')}
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          options={(['open', 'closed', 'received', 'resulted', 'awaiting_sample'] as const).map((s) => ({ value: s, label: t(`testing.tube.${s}`) }))}
        />
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<Tube>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        scroll={{ x: 900 }}
        pagination={{
          current: page,
          pageSize: 20,
          total: list.data?.total ?? 0,
          onChange: setPage,
          showTotal: (n) => (list.data?.totalCapped ? t('common.totalAtLeast', { n: formatCount(n, lang) }) : t('common.total', { n })),
        }}
        onRow={(r) => ({ 'data-testid': 'tube-row', 'data-barcode': r.barcode ?? '' }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('testing.barcode'), dataIndex: 'barcode', render: (v: string | null) => <Typography.Text code>{v ?? '—'}</Typography.Text> },
          { title: t('testing.tube'), dataIndex: 'kind', render: (k: Tube['kind']) => t(`testing.tubeKind.${k}`) },
          { title: t('testing.tubeStatus'), dataIndex: 'status', render: (s: TubeStatus) => <Tag>{t(`testing.tube.${s}`)}</Tag> },
          { title: t('testing.count'), key: 'n', render: (_: unknown, r) => `${r.count} / ${r.poolSize}` },
          {
            title: t('testing.result'),
            dataIndex: 'result',
            render: (r: Tube['result']) => (r ? <Tag color={RESULT_COLORS[r]}>{t(`testing.result.${r}`)}</Tag> : '—'),
          },
          { title: t('testing.openedAt'), dataIndex: 'openedAt', render: (v: number | null) => formatTime(v, lang) },
          {
            title: '',
            key: 'trace',
            render: (_: unknown, r) => (
              <Button size="small" type="link" onClick={() => setTrace(r.id)} data-testid="tube-trace">
                {t('testing.trace')}
              </Button>
            ),
          },
        ]}
      />
      <TraceDrawer tubeId={trace} onClose={() => setTrace(null)} />
    </div>
  );
}

/** Flags to review (kept and counted once): who was sampled twice, conflicting results, reused tubes, tubes over their pool. */
export function FlagsTab({ campaign, tick }: { campaign: Campaign; tick: number }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useTestingErrorText();
  const [kind, setKind] = useState<FlagKind | undefined>(undefined);
  const [showReviewed, setShowReviewed] = useState(false);
  const [page, setPage] = useState(1);
  const list = useRemote(
    (signal) => testingApi.flags(campaign.id, { kind, reviewed: showReviewed ? undefined : 'false', limit: 20, offset: (page - 1) * 20 }, signal),
    [campaign.id, kind, showReviewed, page, tick],
  );
  const [reviewing, setReviewing] = useState<Flag | null>(null);
  const [form] = Form.useForm<{ note: string }>();
  const [busy, setBusy] = useState(false);
  const review = async () => {
    if (!reviewing) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      await testingApi.reviewFlag(reviewing.id, v.note.trim());
      setReviewing(null);
      list.reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="flags-tab">
      <Space wrap style={{ marginBottom: 12 }}>
        {(list.data?.counts ?? []).map((c) => (
          <Tag
            key={c.kind}
            color={c.open ? 'orange' : 'default'}
            style={{ cursor: 'pointer' }}
            onClick={() => (setKind(kind === c.kind ? undefined : c.kind), setPage(1))}
            data-testid={`flag-count-${c.kind}`}
          >
            {t(`testing.flag.${c.kind}`)}：{c.open} / {c.total}
          </Tag>
        ))}
        <Select
          allowClear
          style={{ width: 240 }}
          placeholder={t('testing.flagKind')}
          value={kind}
          onChange={(v) => (setKind(v), setPage(1))}
          options={FLAG_KINDS.map((k) => ({ value: k, label: t(`testing.flag.${k}`) }))}
        />
        <Checkbox checked={showReviewed} onChange={(e) => (setShowReviewed(e.target.checked), setPage(1))}>
          {t('testing.flagShowReviewed')}
        </Checkbox>
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<Flag>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        scroll={{ x: 800 }}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(r) => ({ 'data-testid': 'flag-row', 'data-kind': r.kind }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('testing.flagKind'), dataIndex: 'kind', render: (k: FlagKind) => t(`testing.flag.${k}`) },
          {
            title: t('testing.flagSubject'),
            key: 's',
            render: (_: unknown, f) => <Typography.Text code>{String(f.detail.barcode ?? f.subjectKey)}</Typography.Text>,
          },
          { title: t('testing.flagOccurrences'), dataIndex: 'occurrences' },
          { title: t('common.time'), dataIndex: 'lastSeenAt', render: (v: number) => formatTime(v, lang) },
          {
            title: t('common.status'),
            key: 'r',
            render: (_: unknown, f) =>
              f.reviewedAt ? (
                <Typography.Text type="secondary">{t('testing.flagReviewed', { note: f.reviewNote ?? '' })}</Typography.Text>
              ) : can('testing.manage') ? (
                <Button size="small" onClick={() => setReviewing(f)}>
                  {t('testing.flagReview')}
                </Button>
              ) : (
                <Tag color="orange">{t('testing.flagOpen')}</Tag>
              ),
          },
        ]}
      />
      <Modal
        open={!!reviewing}
        title={t('testing.flagReviewTitle')}
        okText={t('common.submit')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: busy }}
        onOk={review}
        onCancel={() => setReviewing(null)}
        destroyOnHidden
      >
        {reviewing && <Typography.Paragraph>{t(`testing.flag.${reviewing.kind}`)}</Typography.Paragraph>}
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="note" label={t('testing.flagReviewNote')} rules={rulesFor(TESTING_LIMITS.note, { required: true, message: t('common.required') })}>
            <Input.TextArea rows={3} maxLength={TESTING_LIMITS.note} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

/** Door-knocking (敲门行动): a building's residents not yet sampled in the campaign. */
export function DoorTab({ campaign, tick }: { campaign: Campaign; tick: number }) {
  const { t, label } = useI18n();
  const [buildingId, setBuildingId] = useState<string | undefined>(undefined);
  const list = useRemote(
    (signal) => (buildingId ? testingApi.unsampled(campaign.id, buildingId, signal) : Promise.resolve(null)),
    [campaign.id, buildingId, tick],
  );
  const d: Unsampled | null | undefined = list.data;
  return (
    <div data-testid="door-tab">
      <Space style={{ marginBottom: 12 }} wrap>
        <JurisdictionSearch
          levels={['building']}
          value={buildingId}
          onChange={(v) => setBuildingId(typeof v === 'string' ? v : undefined)}
          placeholder={t('testing.doorPickBuilding')}
          style={{ width: 360 }}
          data-testid="door-building"
        />
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {d && (
        <>
          <Alert
            type={d.items.filter((i) => !i.exempt).length ? 'warning' : 'success'}
            showIcon
            style={{ marginBottom: 12 }}
            data-testid="door-summary"
            title={
              d.items.length
                ? t('testing.doorSummary', { name: d.building.name, target: d.target, sampled: d.sampled, missing: d.items.length })
                : t('testing.doorAll')
            }
          />
          {d.items.length > 0 && (
            <Table
              size="small"
              rowKey="personId"
              dataSource={d.items}
              pagination={d.items.length > 50 ? { pageSize: 50, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) } : false}
              scroll={{ x: 700 }}
              onRow={() => ({ 'data-testid': 'door-row' }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: t('person.name'), dataIndex: 'name' },
                { title: t('person.idNumber'), dataIndex: 'idNumberMasked' },
                { title: t('testing.doorAddress'), dataIndex: 'address', render: (a: string | null) => a ?? '—' },
                {
                  title: t('person.vulnerable'),
                  dataIndex: 'vulnerable',
                  render: (f: string[]) =>
                    f.map((x) => (
                      <Tag key={x} color="orange">
                        {label(VULNERABLE_LABELS[x as VulnerableFlag], x)}
                      </Tag>
                    )),
                },
                { title: '', dataIndex: 'exempt', render: (e: boolean) => (e ? <Tag>{t('testing.doorExempt')}</Tag> : null) },
              ]}
            />
          )}
        </>
      )}
    </div>
  );
}

/** Home sampling (上门采样): tasks for vulnerable residents not yet sampled, to their community. */
export function HomeTab({ campaign }: { campaign: Campaign }) {
  const { t, label } = useI18n();
  const errorText = useTestingErrorText();
  const { can } = useSession();
  const [form] = Form.useForm<{ jurisdictionId: string; flags: string[]; dueHours?: number | null }>();
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<{ result?: HomeSamplingResult; error?: string } | null>(null);
  const run = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setOut(null);
    try {
      setOut({
        result: await testingApi.homeSampling(campaign.id, {
          jurisdictionId: v.jurisdictionId,
          flags: v.flags,
          ...(v.dueHours ? { dueHours: v.dueHours } : {}),
        }),
      });
    } catch (err) {
      setOut({ error: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  if (!can('testing.manage')) return <Empty description={t('error.forbidden')} />;
  return (
    <div data-testid="home-tab" style={{ maxWidth: 640 }}>
      <Typography.Paragraph type="secondary">{t('testing.homeIntro')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        initialValues={{ flags: ['bedridden', 'elderly_alone', 'dialysis'], jurisdictionId: campaign.scope[0]?.jurisdictionId }}
      >
        <Form.Item name="jurisdictionId" label={t('testing.homeWhere')} rules={[{ required: true, message: t('common.required') }]}>
          <Select options={campaign.scope.map((s) => ({ value: s.jurisdictionId, label: s.name }))} />
        </Form.Item>
        <Form.Item name="flags" label={t('testing.homeFlags')} rules={[{ required: true, message: t('common.required') }]}>
          <Select mode="multiple" options={VULNERABLE_FOR_HOME.map((f) => ({ value: f, label: label(VULNERABLE_LABELS[f], f) }))} />
        </Form.Item>
        <Form.Item name="dueHours" label={t('task.field.due')}>
          <InputNumber min={1} max={72} addonAfter="h" placeholder={String(Math.max(1, Math.round((campaign.deadlineAt - Date.now()) / 3_600_000)))} />
        </Form.Item>
        <Button type="primary" onClick={run} loading={busy} disabled={campaign.status !== 'active'} data-testid="home-run">
          {t('testing.homeRun')}
        </Button>
      </Form>
      {out?.error && <Alert type="error" showIcon title={out.error} style={{ marginTop: 12 }} />}
      {out?.result && <Alert type="success" showIcon style={{ marginTop: 12 }} data-testid="home-outcome" title={t('testing.homeDone', { ...out.result })} />}
    </div>
  );
}

/** Tubes and swabs the campaign needs (an API the supplies module will read too). */
export function SuppliesTab({ campaign }: { campaign: Campaign }) {
  const { t, lang } = useI18n();
  const [margin, setMargin] = useState(0.1);
  const [prevalence, setPrevalence] = useState(0.0001);
  const s = useRemote((signal) => testingApi.supplies(campaign.id, { margin, prevalence }, signal), [campaign.id, margin, prevalence]);
  return (
    <div data-testid="supplies-tab">
      <Space wrap style={{ marginBottom: 12 }}>
        <span>{t('testing.supplyMargin')}</span>
        <InputNumber min={0} max={1} step={0.05} value={margin} onChange={(v) => v !== null && setMargin(v)} />
        <span>{t('testing.supplyPrevalence')}</span>
        <InputNumber min={0} max={1} step={0.0001} value={prevalence} onChange={(v) => v !== null && setPrevalence(v)} />
      </Space>
      <ErrorAlert error={s.error} onRetry={s.reload} />
      {s.data && (
        <Card size="small">
          <Row gutter={16}>
            <Col xs={12} md={6}>
              <Statistic
                title={<FigureTitle label={t('testing.target')} help={t('testing.fig.supplyTarget')} asOf={s.updatedAt} />}
                value={formatCount(s.data.target, lang)}
              />
            </Col>
            <Col xs={12} md={6}>
              <Statistic
                title={<FigureTitle label={t('testing.supplyTubes')} help={t('testing.fig.supplyTubes')} asOf={s.updatedAt} />}
                value={formatCount(s.data.tubes, lang)}
              />
            </Col>
            <Col xs={12} md={6}>
              <Statistic
                title={<FigureTitle label={t('testing.supplySwabs')} help={t('testing.fig.supplySwabs')} asOf={s.updatedAt} />}
                value={formatCount(s.data.swabs, lang)}
              />
            </Col>
            <Col xs={12} md={6}>
              <Statistic
                title={<FigureTitle label={t('testing.supplyRecheckTubes')} help={t('testing.fig.supplyRecheckTubes')} asOf={s.updatedAt} />}
                value={formatCount(s.data.expectedRecheckTubes, lang)}
              />
            </Col>
          </Row>
          <Table
            style={{ marginTop: 12 }}
            size="small"
            rowKey="poolSize"
            pagination={false}
            dataSource={s.data.byPoolSize}
            columns={[
              { title: t('testing.poolSize'), dataIndex: 'poolSize', render: (n: 1 | 5 | 10 | 20) => t(`testing.pool.${n}`) },
              { title: t('testing.supplyPersons'), dataIndex: 'persons', render: (n: number) => formatCount(n, lang) },
              { title: t('testing.supplyTubes'), dataIndex: 'tubes', render: (n: number) => formatCount(n, lang) },
            ]}
          />
        </Card>
      )}
    </div>
  );
}
