import { AlertOutlined, AuditOutlined, CheckSquareOutlined, EnvironmentOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Card, Col, Empty, Row, Skeleton, Statistic, Typography } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { JurisdictionFeatureProperties } from '../../../../common/geo.js';
import type { MessageKey } from '../../../../common/i18n.js';
import type { Capability } from '../../../../common/roles.js';
import { formatCount } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useJurisdictionFilter } from '../../../app/jurisdiction.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe, useSession } from '../../../app/session.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { BarChartView, ChoroplethMap } from '../../../components/lazy.js';
import { useChildrenGeojson } from '../../geo/hooks.js';
import type { DashboardSummary } from '../api.js';
import { useDashboardSummary } from '../hooks.js';

/** The counts, each linking to its page for those who may open it. */
const STATS: { key: keyof Omit<DashboardSummary, 'districts'>; label: MessageKey; icon: ReactNode; link: string; capability: Capability }[] = [
  { key: 'jurisdictions', label: 'dash.jurisdictions', icon: <EnvironmentOutlined />, link: '/geo', capability: 'geo.read' },
  { key: 'residents', label: 'dash.residents', icon: <TeamOutlined />, link: '/persons', capability: 'person.read' },
  { key: 'users', label: 'dash.users', icon: <UserOutlined />, link: '/admin/users', capability: 'user.read' },
  { key: 'openTasks', label: 'dash.openTasks', icon: <CheckSquareOutlined />, link: '/tasks?box=all', capability: 'task.work' },
  { key: 'journalEntries', label: 'dash.journalEntries', icon: <AuditOutlined />, link: '/journal', capability: 'journal.read' },
  { key: 'unacknowledgedAlerts', label: 'dash.unacknowledgedAlerts', icon: <AlertOutlined />, link: '/notifications', capability: 'notification.read' },
];

/**
 * The command dashboard: real counts from /api/dashboard/summary, population by district (bar
 * chart) and a map of the parts of the chosen jurisdiction (districts for the city) coloured by
 * population; clicking an area or a bar names it with its population.
 */
export function DashboardPage(_props: PageProps) {
  const { t, lang } = useI18n();
  const { current } = useJurisdictionFilter();
  const me = useMe();
  const { can } = useSession();
  const summary = useDashboardSummary(current?.id);
  const geo = useChildrenGeojson(current?.id, current?.level);
  const [selected, setSelected] = useState<Pick<JurisdictionFeatureProperties, 'id' | 'name' | 'population'> | null>(null);

  const districts = summary.data?.districts ?? [];
  const categories = useMemo(() => districts.map((d) => d.name), [districts]);
  const values = useMemo(() => districts.map((d) => d.population), [districts]);
  const highlight = selected ? districts.findIndex((d) => d.id === selected.id) : -1;
  const mapTitle = current?.level === 'city' ? t('dash.mapTitle') : `${current?.name ?? ''} · ${t('geo.childrenMap')}`;

  return (
    <div data-testid="dashboard">
      <Typography.Title level={3} className="bw-page-title">
        {t('dash.title')}
      </Typography.Title>
      {/* Counts and map follow the jurisdiction chosen in the top bar (the user's own scope by default). */}
      <Typography.Paragraph type="secondary">{t('dash.scopeNote', { name: current?.name ?? me.jurisdiction.name })}</Typography.Paragraph>
      <ErrorAlert error={summary.error} onRetry={summary.reload} />
      <Row gutter={[16, 16]} className="bw-stat-grid">
        {STATS.map((s) => (
          <Col key={s.key} xs={12} sm={8} xl={4}>
            <Card size="small" data-testid={`stat-${s.key}`}>
              <Statistic
                title={
                  <span>
                    {s.icon} {can(s.capability) ? <Link to={s.link}>{t(s.label)}</Link> : t(s.label)}
                  </span>
                }
                loading={!summary.data && summary.loading}
                value={summary.data ? formatCount(summary.data[s.key], lang) : '—'}
                styles={s.key === 'unacknowledgedAlerts' && (summary.data?.[s.key] ?? 0) > 0 ? { content: { color: '#cf1322' } } : undefined}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24} xl={10}>
          <Card title={t('dash.chartTitle')} size="small">
            {summary.data ? (
              districts.length ? (
                <BarChartView
                  data-testid="population-chart"
                  categories={categories}
                  values={values}
                  seriesName={t('common.population')}
                  highlight={highlight >= 0 ? highlight : undefined}
                  onClick={(i) => setSelected(districts[i])}
                />
              ) : (
                <Empty description={t('common.noData')} />
              )
            ) : (
              <Skeleton active paragraph={{ rows: 8 }} />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <Card title={mapTitle} size="small" extra={<span className="bw-hide-mobile">{t('dash.clickHint')}</span>}>
            <ErrorAlert error={geo.error} onRetry={geo.reload} />
            {geo.data ? (
              geo.data.features.length ? (
                <ChoroplethMap data-testid="district-map" collection={geo.data} selectedId={selected?.id} onSelect={setSelected} />
              ) : (
                <Empty description={t('map.empty')} />
              )
            ) : (
              !geo.error && <Skeleton active paragraph={{ rows: 8 }} />
            )}
            <Typography.Paragraph strong style={{ marginTop: 8, marginBottom: 0 }} data-testid="map-selection">
              {selected ? t('dash.selected', { name: selected.name, population: formatCount(selected.population, lang) }) : t('dash.clickHint')}
            </Typography.Paragraph>
          </Card>
        </Col>
      </Row>
    </div>
  );
}
