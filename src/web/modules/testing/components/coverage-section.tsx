import { InfoCircleOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Progress, Row, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import type { MessageKey } from '../../../../common/i18n.js';
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { testingApi, type Campaign, type CoverageCollection, type CoverageNode } from '../api.js';
import { useTestingEvents } from '../live.js';
import { CoverageMap } from './lazy.js';

const pct = (c: number) => `${(c * 100).toFixed(1)}%`;

/** One coverage figure: its value, and on hover what it counts and when it was read. */
function CovFigure({
  id,
  label,
  help,
  value,
  color,
  asOf,
}: {
  id: string;
  label: MessageKey;
  help: MessageKey;
  value: string | null | undefined;
  color?: string;
  asOf: number | undefined;
}) {
  const { t, lang } = useI18n();
  return (
    <Col xs={12} md={6} lg={3}>
      <Statistic
        title={
          <span>
            {t(label)}{' '}
            <Tooltip title={`${t(help)} · ${t('testing.cov.asOf', { at: formatTime(asOf, lang) })}`}>
              <InfoCircleOutlined style={{ color: 'rgba(0,0,0,0.55)' }} aria-label={t(help)} data-testid={`${id}-help`} />
            </Tooltip>
          </span>
        }
        value={value ?? '—'}
        styles={color ? { content: { color } } : undefined}
        data-testid={id}
      />
    </Col>
  );
}

/** The payload of a `testing.coverage` event. */
interface CoverageEvent {
  campaignId: string;
  at: number;
  totals: { target: number; sampled: number; resulted: number; positiveTubes: number; pendingRecheck: number };
  compounds: { id: string; path: string; target: number; sampled: number; resulted: number; positiveTubes: number; pendingRecheck: number; coverage: number }[];
  truncated: boolean;
}

/**
 * Live coverage of a campaign at one node of its tree (the top by default): the counters, the
 * rate and the estimated finish against the deadline, a map of compounds coloured by coverage, and
 * the node's parts to drill into. `testing.coverage` events recolour the map at once and re-read
 * the numbers (at most once a second); a positive pool or recheck re-reads them too.
 */
export function CoverageSection({ campaign, onActivity }: { campaign: Campaign; onActivity?: () => void }) {
  const { t, lang } = useI18n();
  const [trail, setTrail] = useState<{ id: string; name: string }[]>([]);
  const nodeId = trail.length ? trail[trail.length - 1].id : undefined;
  const coverage = useRemote((signal) => testingApi.coverage(campaign.id, nodeId, signal), [campaign.id, nodeId]);
  const level = coverage.data && ['compound', 'building', 'entrance'].includes(coverage.data.jurisdiction.level) ? 'building' : 'compound';
  const geo = useRemote((signal) => testingApi.coverageGeojson(campaign.id, { rootId: nodeId, level }, signal), [campaign.id, nodeId, level]);
  const [collection, setCollection] = useState<CoverageCollection | null>(null);
  const [liveAt, setLiveAt] = useState<number | null>(null);
  useEffect(() => setCollection(geo.data ?? null), [geo.data]);

  // Re-reads the numbers at most once a second however many events arrive.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadSoon = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      coverage.reload();
      onActivity?.();
    }, 1000);
  }, [coverage, onActivity]);
  useEffect(() => () => clearTimeout(pending.current), []);
  // Scans and lab results both publish `testing.coverage` (at most once per campaign per second).

  useTestingEvents(
    ['testing.coverage', 'testing.tube.reactive', 'testing.recheck.positive', 'testing.recheck.retracted'],
    (topic, data) => {
      if (data && 'campaignId' in data && data.campaignId !== campaign.id) return;
      if (topic === 'testing.coverage' && data) {
        const ev = data as unknown as CoverageEvent;
        setLiveAt(ev.at);
        const changed = new Map(ev.compounds.map((c) => [c.id, c]));
        setCollection((prev) =>
          prev
            ? {
                ...prev,
                features: prev.features.map((f) => {
                  const c = changed.get(f.properties.id);
                  return c
                    ? {
                        ...f,
                        properties: {
                          ...f.properties,
                          target: c.target,
                          sampled: c.sampled,
                          resulted: c.resulted,
                          positiveTubes: c.positiveTubes,
                          pendingRecheck: c.pendingRecheck,
                          coverage: c.coverage,
                        },
                      }
                    : f;
                }),
              }
            : prev,
        );
        // Buildings are not in the event: re-read them when drilled that far.
        if (level === 'building') geo.reload();
      }
      reloadSoon();
    },
    { onOpen: () => (coverage.reload(), geo.reload()) },
  );

  const c = coverage.data;
  const finish = c ? (c.remaining === 0 ? t('testing.done') : c.estimatedFinishAt ? formatTime(c.estimatedFinishAt, lang) : t('testing.noEstimate')) : '—';
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="coverage-section">
      <ErrorAlert error={coverage.error} onRetry={coverage.reload} />
      {trail.length > 0 && (
        <Space wrap>
          <Button size="small" onClick={() => setTrail((tr) => tr.slice(0, -1))}>
            {t('testing.drillUp')}
          </Button>
          <Typography.Text>{trail.map((n) => n.name).join(' / ')}</Typography.Text>
        </Space>
      )}
      <Card
        size="small"
        title={c ? `${t('testing.coverage')} · ${c.jurisdiction.name}` : t('testing.coverage')}
        extra={
          liveAt ? (
            <Tag color="green">
              {t('testing.live')} · {t('testing.updatedAt', { at: formatTime(liveAt, lang) })}
            </Tag>
          ) : undefined
        }
      >
        {/* Persons and tubes in rows of their own: one figure, one unit, one percentage. */}
        <Typography.Text type="secondary">{t('testing.cov.persons')}</Typography.Text>
        <Row gutter={[16, 16]} data-testid="cov-persons">
          <CovFigure id="cov-target" label="testing.target" help="testing.cov.help.target" value={c && formatCount(c.target, lang)} asOf={c?.asOf} />
          <CovFigure id="cov-sampled" label="testing.sampled" help="testing.cov.help.sampled" value={c && formatCount(c.sampled, lang)} asOf={c?.asOf} />
          <CovFigure id="cov-rate" label="testing.coverage" help="testing.cov.help.coverage" value={c && pct(c.coverage)} asOf={c?.asOf} />
          <CovFigure id="cov-resulted" label="testing.resulted" help="testing.cov.help.resulted" value={c && formatCount(c.resulted, lang)} asOf={c?.asOf} />
          <CovFigure id="cov-negative" label="testing.negative" help="testing.cov.help.negative" value={c && formatCount(c.negative, lang)} asOf={c?.asOf} />
          <CovFigure
            id="cov-pending"
            label="testing.pendingRecheck"
            help="testing.cov.help.pending"
            value={c && formatCount(c.pendingRecheck, lang)}
            color={c?.pendingRecheck ? '#d46b08' : undefined}
            asOf={c?.asOf}
          />
          <CovFigure
            id="cov-remaining"
            label="testing.remaining"
            help="testing.cov.help.remaining"
            value={c && formatCount(c.remaining, lang)}
            asOf={c?.asOf}
          />
          {c && c.invalid > 0 && (
            <CovFigure
              id="cov-invalid"
              label="testing.invalidResults"
              help="testing.cov.help.invalid"
              value={formatCount(c.invalid, lang)}
              color="#d46b08"
              asOf={c.asOf}
            />
          )}
          {c && c.doorToDoor.target > 0 && (
            <>
              <CovFigure
                id="cov-door-target"
                label="testing.doorToDoorTarget"
                help="testing.cov.help.doorTarget"
                value={formatCount(c.doorToDoor.target, lang)}
                asOf={c.asOf}
              />
              <CovFigure
                id="cov-door-sampled"
                label="testing.doorToDoorDone"
                help="testing.cov.help.doorDone"
                value={formatCount(c.doorToDoor.sampled, lang)}
                asOf={c.asOf}
              />
            </>
          )}
        </Row>
        <Typography.Text type="secondary" style={{ display: 'block', marginTop: 12 }}>
          {t('testing.cov.tubes')}
        </Typography.Text>
        <Row gutter={[16, 16]} data-testid="cov-tubes">
          <CovFigure
            id="cov-positive"
            label="testing.positiveTubes"
            help="testing.cov.help.positiveTubes"
            value={c && formatCount(c.positiveTubes, lang)}
            color={c?.positiveTubes ? '#cf1322' : undefined}
            asOf={c?.asOf}
          />
        </Row>
        {c && c.doorToDoor.target > 0 && (
          <Alert type="warning" showIcon style={{ marginTop: 12 }} title={t('testing.doorToDoorHint')} data-testid="cov-door-hint" />
        )}
        {c && (
          <div style={{ marginTop: 12 }}>
            {/* The bar without its own number: the coverage figure above is the one percentage. */}
            <Progress percent={Math.min(100, Math.round(c.coverage * 1000) / 10)} showInfo={false} status={c.remaining === 0 ? 'success' : 'active'} />
            <Space wrap size="large" data-testid="cov-estimate">
              <span>
                {t('testing.rate')}：{t('testing.ratePerHour', { n: formatCount(Math.round(c.recentRatePerHour ?? c.ratePerHour), lang) })}
              </span>
              <span>
                {t('testing.estimatedFinish')}：{finish}
              </span>
              <span>
                {t('testing.deadlineAt')}：{formatTime(c.deadlineAt, lang)}
              </span>
              {c.onTrack !== null && c.remaining > 0 && <Tag color={c.onTrack ? 'green' : 'red'}>{c.onTrack ? t('testing.onTrack') : t('testing.late')}</Tag>}
            </Space>
          </div>
        )}
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('testing.coverageMap')}>
            <ErrorAlert error={geo.error} onRetry={geo.reload} />
            {collection && (
              <CoverageMap
                collection={collection}
                viewKey={`${campaign.id}:${nodeId ?? ''}:${level}`}
                contextId={coverage.data?.jurisdiction.id}
                data-testid="coverage-map"
              />
            )}
            {!collection && !geo.error && <Alert type="info" title={t('map.loading')} />}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('testing.children')}>
            <Table<CoverageNode>
              size="small"
              rowKey={(r) => r.jurisdiction.id}
              dataSource={c?.children ?? []}
              pagination={(c?.children.length ?? 0) > 15 ? { pageSize: 15, showSizeChanger: false } : false}
              scroll={{ x: 560 }}
              onRow={(r) =>
                ({
                  'data-testid': 'cov-child',
                  'data-name': r.jurisdiction.name,
                  style: r.jurisdiction.level === 'entrance' ? undefined : { cursor: 'pointer' },
                  onClick: () => r.jurisdiction.level !== 'entrance' && setTrail((tr) => [...tr, { id: r.jurisdiction.id, name: r.jurisdiction.name }]),
                }) as React.HTMLAttributes<HTMLElement>
              }
              columns={[
                { title: t('common.jurisdiction'), key: 'name', render: (_: unknown, r) => r.jurisdiction.name },
                { title: t('testing.sampled'), key: 's', render: (_: unknown, r) => `${formatCount(r.sampled, lang)} / ${formatCount(r.target, lang)}` },
                {
                  title: t('testing.coverage'),
                  key: 'c',
                  width: 140,
                  // The same percentage as the coverage figure (one decimal), not a second rounding of it.
                  render: (_: unknown, r) => (
                    <Progress size="small" percent={Math.min(100, Math.round(r.coverage * 1000) / 10)} format={() => pct(r.coverage)} />
                  ),
                },
                { title: t('testing.positiveTubes'), dataIndex: 'positiveTubes', render: (n: number) => (n ? <Tag color="red">{n}</Tag> : 0) },
                { title: t('testing.pendingRecheck'), dataIndex: 'pendingRecheck', render: (n: number) => (n ? <Tag color="orange">{n}</Tag> : 0) },
                {
                  title: t('testing.poolMode'),
                  key: 'pool',
                  render: (_: unknown, r) => <span data-testid="cov-child-pool">{t(`testing.poolMode.${r.poolSize}`)}</span>,
                },
                {
                  title: t('testing.doorToDoor'),
                  key: 'door',
                  render: (_: unknown, r) =>
                    r.doorToDoor.target ? (
                      <Tag
                        color="magenta"
                        data-testid="cov-child-door"
                      >{`${formatCount(r.doorToDoor.sampled, lang)} / ${formatCount(r.doorToDoor.target, lang)}`}</Tag>
                    ) : (
                      '—'
                    ),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
