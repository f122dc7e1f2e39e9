import { Card, Col, Empty, Row, Skeleton, Typography } from 'antd';
import { useMemo, useState } from 'react';
import type { JurisdictionFeatureProperties } from '../../../../common/geo.js';
import { formatCount } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useJurisdictionFilter } from '../../../app/jurisdiction.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe } from '../../../app/session.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { BarChartView, ChoroplethMap } from '../../../components/lazy.js';
import { useChildrenGeojson } from '../../geo/hooks.js';
import { SituationPanel } from '../components/situation-panel.js';
import { useDashboardSummary, useSituation } from '../hooks.js';

/**
 * The situation home page (指挥首页): the figures an HQ asks for first each morning
 * (/api/dashboard/situation: new infections by channel, contacts, persons under each measure, risk
 * areas, the active round, overdue work), each clicking through to its list; below them the
 * population by district (bar chart) and a map of the parts of the chosen jurisdiction.
 */
export function DashboardPage(_props: PageProps) {
  const { t, lang } = useI18n();
  const { current } = useJurisdictionFilter();
  const me = useMe();
  const summary = useDashboardSummary(current?.id);
  const situation = useSituation(current?.id);
  const geo = useChildrenGeojson(current?.id, current?.level);
  const [selected, setSelected] = useState<Pick<JurisdictionFeatureProperties, 'id' | 'name' | 'population'> | null>(null);

  const districts = useMemo(() => summary.data?.districts ?? [], [summary.data]);
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
      <ErrorAlert error={situation.error} onRetry={situation.reload} />
      <SituationPanel data={situation.data} loading={situation.loading} />
      <ErrorAlert error={summary.error} onRetry={summary.reload} />
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
