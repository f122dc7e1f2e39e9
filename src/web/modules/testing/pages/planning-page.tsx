import { Alert, Card, Col, InputNumber, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { formatCount } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { testingApi, type CapacityRow, type PoolAdvice } from '../api.js';
import { SuppliesTab } from '../components/campaign-tabs.js';

/** Rounds hours for display (one decimal). */
const hours = (h: number | null) => (h === null ? null : Math.round(h * 10) / 10);

function CapacityCard({ jurisdictionId }: { jurisdictionId: string }) {
  const { t, lang } = useI18n();
  const [campaignId, setCampaignId] = useState<string | undefined>(undefined);
  const [throughput, setThroughput] = useState(44);
  const [hoursAvail, setHoursAvail] = useState<number | null>(null);
  const campaigns = useRemote((signal) => testingApi.campaigns({ limit: 100 }, signal), []);
  const plan = useRemote(
    (signal) =>
      testingApi.capacity({ jurisdictionId: campaignId ? undefined : jurisdictionId, campaignId, throughput, hours: hoursAvail ?? undefined }, signal),
    [jurisdictionId, campaignId, throughput, hoursAvail],
  );
  const rowCols = [
    { title: t('common.jurisdiction'), key: 'j', render: (_: unknown, r: CapacityRow) => r.jurisdiction.name },
    { title: t('planning.persons'), dataIndex: 'persons', render: (n: number) => formatCount(n, lang) },
    { title: t('planning.sitesCount'), dataIndex: 'sites' },
    { title: t('planning.lanes'), dataIndex: 'lanes' },
    { title: t('planning.hoursNeeded'), dataIndex: 'hoursNeeded', render: (h: number | null) => hours(h) ?? <Tag color="red">{t('planning.noLane')}</Tag> },
    { title: t('planning.lanesNeeded'), dataIndex: 'lanesNeeded' },
    {
      title: '',
      key: 's',
      render: (_: unknown, r: CapacityRow) =>
        r.short ? <Tag color="red">{t('planning.shortLanes', { n: r.shortLanes })}</Tag> : <Tag color="green">{t('planning.ok')}</Tag>,
    },
  ];
  const p = plan.data;
  return (
    <Card title={t('planning.capacity')} data-testid="capacity" style={{ marginBottom: 16 }}>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select
          allowClear
          style={{ width: 280 }}
          placeholder={t('planning.campaign')}
          value={campaignId}
          onChange={setCampaignId}
          options={(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.name}（${t(`testing.status.${c.status}`)}）` }))}
        />
        <span>{t('planning.throughput')}</span>
        <InputNumber min={1} max={1000} value={throughput} onChange={(v) => v && setThroughput(v)} />
        <span>{t('planning.hours')}</span>
        <InputNumber min={0.5} max={240} step={0.5} value={hoursAvail} placeholder={p ? String(p.hoursAvailable) : '24'} onChange={(v) => setHoursAvail(v)} />
      </Space>
      <ErrorAlert error={plan.error} onRetry={plan.reload} />
      {p && (
        <>
          <Alert
            type={p.total.short ? 'error' : 'success'}
            showIcon
            style={{ marginBottom: 12 }}
            title={`${t('planning.total')}：${t('planning.persons')} ${formatCount(p.total.persons, lang)} · ${t('planning.lanes')} ${p.total.lanes} · ${t('planning.hoursNeeded')} ${hours(p.total.hoursNeeded) ?? '—'} / ${p.hoursAvailable} h${p.total.short ? ` · ${t('planning.shortLanes', { n: p.total.shortLanes })}` : ''}`}
            data-testid="capacity-total"
          />
          <Table
            size="small"
            rowKey={(r) => r.jurisdiction.id}
            dataSource={p.rows}
            columns={rowCols}
            pagination={p.rows.length > 15 ? { pageSize: 15 } : false}
            scroll={{ x: 760 }}
          />
          {p.sites.length > 0 && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {t('planning.sitesShort')}
              </Typography.Title>
              <Table
                size="small"
                rowKey="id"
                dataSource={p.sites}
                pagination={p.sites.length > 10 ? { pageSize: 10 } : false}
                columns={[
                  { title: t('testing.siteName'), dataIndex: 'name' },
                  { title: t('planning.lanes'), dataIndex: 'lanes' },
                  { title: t('planning.persons'), dataIndex: 'persons', render: (n: number) => formatCount(n, lang) },
                  { title: t('planning.hoursNeeded'), dataIndex: 'hoursNeeded', render: (h: number | null) => hours(h) ?? '—' },
                  {
                    title: '',
                    dataIndex: 'short',
                    render: (s: boolean) => (s ? <Tag color="red">{t('planning.short')}</Tag> : <Tag color="green">{t('planning.ok')}</Tag>),
                  },
                ]}
              />
            </>
          )}
        </>
      )}
    </Card>
  );
}

function PoolCard() {
  const { t, lang } = useI18n();
  const [prevalence, setPrevalence] = useState(0.001);
  const [population, setPopulation] = useState(1_000_000);
  const [area, setArea] = useState<'none' | 'sealed' | 'controlled' | 'elsewhere'>('none');
  const advice = useRemote(
    (signal) => testingApi.poolSize({ prevalence, population, ...(area === 'none' ? {} : { area }) }, signal),
    [prevalence, population, area],
  );
  const a = advice.data;
  return (
    <Card title={t('planning.pool')} data-testid="pool-advisor" style={{ marginBottom: 16 }}>
      <Space wrap style={{ marginBottom: 12 }}>
        <span>{t('planning.prevalence')}</span>
        <InputNumber min={0} max={1} step={0.0005} value={prevalence} onChange={(v) => v !== null && setPrevalence(v)} />
        <span>{t('planning.population')}</span>
        <InputNumber min={0} max={100_000_000} step={10_000} value={population} onChange={(v) => v !== null && setPopulation(v)} style={{ width: 160 }} />
        <Select
          value={area}
          onChange={setArea}
          style={{ width: 200 }}
          data-testid="pool-area"
          options={[
            { value: 'none', label: t('testing.area.none') },
            { value: 'sealed', label: t('control.status.sealed') },
            { value: 'controlled', label: t('control.status.controlled') },
            { value: 'elsewhere', label: t('testing.area.elsewhere') },
          ]}
        />
      </Space>
      <ErrorAlert error={advice.error} onRetry={advice.reload} />
      {a && (
        <>
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 12 }}
            title={t('planning.recommended', { pool: t(`testing.poolMode.${a.recommended as 0 | 1 | 5 | 10 | 20}`) })}
            data-testid="pool-recommended"
          />
          <Table
            size="small"
            rowKey="poolSize"
            pagination={false}
            dataSource={a.options}
            scroll={{ x: 700 }}
            onRow={(r) => (r.poolSize === a.recommended ? { style: { background: '#f6ffed' } } : {})}
            columns={[
              { title: t('testing.poolSize'), dataIndex: 'poolSize', render: (n: 0 | 1 | 5 | 10 | 20) => t(`testing.poolMode.${n}`) },
              { title: t('testing.rankCombined'), dataIndex: 'rank' },
              { title: t('testing.heldAtDoor'), dataIndex: 'heldAtDoor', render: (n: number) => formatCount(n, lang) },
              {
                title: t('testing.sensitivity'),
                key: 'se',
                render: (_: unknown, r: PoolAdvice['options'][number]) => (
                  <span title={r.sensitivitySource}>
                    {`${Math.round(r.sensitivity * 100)}%`} {r.sensitivityLocal && <Tag>{t('testing.localParameter')}</Tag>}
                  </span>
                ),
              },
              { title: t('planning.testsPerPerson'), dataIndex: 'testsPerPerson', render: (v: number) => v.toFixed(3) },
              { title: t('planning.expectedTests'), dataIndex: 'expectedTests', render: (n: number) => formatCount(n, lang) },
              { title: t('planning.firstStageTubes'), dataIndex: 'firstStageTubes', render: (n: number) => formatCount(n, lang) },
              { title: t('planning.recheckTubes'), dataIndex: 'expectedRecheckTubes', render: (n: number) => formatCount(n, lang) },
              { title: t('planning.saved'), dataIndex: 'tubesSavedVsSingle', render: (n: number) => formatCount(n, lang) },
            ]}
          />
        </>
      )}
    </Card>
  );
}

function NeedsCard() {
  const { t } = useI18n();
  const campaigns = useRemote((signal) => testingApi.campaigns({ limit: 100 }, signal), []);
  const [id, setId] = useState<string | undefined>(undefined);
  const c = campaigns.data?.items.find((x) => x.id === id);
  return (
    <Card title={t('planning.needs')} data-testid="needs">
      <Select
        style={{ width: 320, marginBottom: 12 }}
        placeholder={t('testing.campaign')}
        value={id}
        onChange={setId}
        options={(campaigns.data?.items ?? []).map((x) => ({ value: x.id, label: `${x.name}（${t(`testing.status.${x.status}`)}）` }))}
      />
      {c && <SuppliesTab campaign={c} />}
    </Card>
  );
}

/** Before and during a campaign: the capacity planner, the pool-size advisor and the tube/swab needs. */
export function PlanningPage({ jurisdictionId }: PageProps) {
  const { t } = useI18n();
  return (
    <div data-testid="planning-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('planning.title')}
      </Typography.Title>
      <CapacityCard jurisdictionId={jurisdictionId} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <PoolCard />
        </Col>
        <Col xs={24} xl={10}>
          <NeedsCard />
        </Col>
      </Row>
    </div>
  );
}
