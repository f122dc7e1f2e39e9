import { Alert, Card, Col, Row, Slider, Space, Switch, Table, Typography } from 'antd';
import { Skeleton } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ZoningMapDto } from '../../../../common/zoning.js';
import { PLATFORM_TZ } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { zoningApi } from '../api.js';
import { usePlatformNow } from '../clock.js';
import { FlagMark, LevelTag, StatusTag } from '../components/area-bits.js';
import type { ZoningMapPlace } from '../components/zoning-map.js';
import { useZoningEvents } from '../live.js';

// MapLibre is large: the map loads in its own chunk, only when drawn.
const ZoningMap = lazy(() => import('../components/zoning-map.js').then((m) => ({ default: m.ZoningMap })));

/** How many past days the time slider reaches back. */
const DAYS_BACK = 30;
const DAY_MS = 86_400_000;

/** YYYY-MM-DD of an instant in the platform's zone. */
function dayOf(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: PLATFORM_TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

type MapArea = ZoningMapDto['areas'][number];

/**
 * The risk-area map: entrances, buildings and compounds coloured by their effective level (the
 * highest of the areas covering each), a time slider that shows the zoning of any of the past
 * days as rebuilt by the server from the areas' history, and a layer with the 一刀切 detector's
 * flags. The areas of the day are listed beside it.
 */
export function ZoningMapPage({ jurisdictionId }: PageProps) {
  const { t } = useI18n();
  const now = usePlatformNow(60_000);
  // 0 = today; −n = n days ago. The slider moves only on release, so dragging loads nothing.
  const [offset, setOffset] = useState(0);
  const [dragging, setDragging] = useState<number | null>(null);
  const [flags, setFlags] = useState(true);
  const date = offset === 0 ? undefined : dayOf(now + offset * DAY_MS);
  const data = useRemote((signal) => zoningApi.map({ jurisdictionId, date }, signal), [jurisdictionId, date]);
  useZoningEvents(() => {
    if (offset === 0) data.reload();
  });

  const covered = useMemo<ZoningMapPlace[]>(() => {
    const published = new Set((data.data?.areas ?? []).filter((a) => a.status === 'published').map((a) => a.id));
    return (data.data?.features.features ?? []).map((f) => {
      // The server sends an effective level for every covered place; one covered by proposals only has none yet.
      const proposedOnly = !f.properties.areaIds.some((id) => published.has(id));
      return {
        id: f.properties.jurisdictionId,
        name: f.properties.name,
        level: f.properties.level,
        effective: proposedOnly ? null : f.properties.effectiveLevel,
        proposed: proposedOnly,
        flagged: f.properties.flagged,
        geometry: f.geometry as ZoningMapPlace['geometry'],
      };
    });
  }, [data.data]);
  // For orientation the map draws the neighbours and parents of the largest covered places in grey.
  const contextIds = useMemo(() => {
    const rank: Record<string, number> = { compound: 0, building: 1, entrance: 2 };
    return [...covered].sort((x, y) => (rank[x.level] ?? 9) - (rank[y.level] ?? 9)).map((p) => p.id);
  }, [covered]);
  const shownDay = data.data?.date ?? dayOf(now + offset * DAY_MS);
  const marks = { [-DAYS_BACK]: `-${DAYS_BACK}`, [-14]: '-14', [-7]: '-7', 0: t('zoning.asOfToday') };

  return (
    <div data-testid="zoning-map-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('zoning.mapTitle')}
      </Typography.Title>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Row gutter={16} align="middle">
          <Col xs={24} md={16}>
            <Typography.Text strong>{t('zoning.asOf')}: </Typography.Text>
            <Typography.Text data-testid="map-date" data-offset={offset}>
              {offset === 0 && dragging === null
                ? `${t('zoning.asOfToday')} (${shownDay})`
                : t('zoning.asOfDay', { day: dragging === null ? shownDay : dayOf(now + dragging * DAY_MS) })}
            </Typography.Text>
            <Slider
              min={-DAYS_BACK}
              max={0}
              marks={marks}
              value={dragging ?? offset}
              onChange={(v) => setDragging(v)}
              onChangeComplete={(v) => {
                setDragging(null);
                setOffset(v);
              }}
              tooltip={{ formatter: (v) => dayOf(now + (v ?? 0) * DAY_MS) }}
              data-testid="map-slider"
            />
          </Col>
          <Col xs={24} md={8}>
            <Space>
              <Switch checked={flags} onChange={setFlags} data-testid="flags-switch" />
              {t('zoning.showFlags')}
            </Space>
          </Col>
        </Row>
      </Card>
      <ErrorAlert error={data.error} onRetry={data.reload} />
      <Row gutter={16}>
        <Col xs={24} lg={16}>
          <Card size="small" style={{ marginBottom: 16 }}>
            {data.data && covered.length === 0 ? (
              <Alert type="info" showIcon title={t('zoning.mapEmpty')} data-testid="map-empty" />
            ) : (
              <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: 420 }} />}>
                <ZoningMap places={covered} contextIds={contextIds} viewKey={jurisdictionId} showFlags={flags} data-testid="zoning-map" />
              </Suspense>
            )}
            {data.data?.truncated && <Alert type="warning" showIcon title={t('map.truncated', { n: covered.length })} style={{ marginTop: 8 }} />}
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card size="small" title={t('zoning.mapAreas', { n: data.data?.areas.length ?? 0 })}>
            <Table<MapArea>
              size="small"
              rowKey="id"
              loading={data.loading}
              dataSource={data.data?.areas ?? []}
              pagination={false}
              locale={{ emptyText: t('zoning.mapEmpty') }}
              onRow={(a) => ({ 'data-testid': 'map-area-row', 'data-id': a.id, 'data-flagged': String(a.flagged) }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: t('zoning.name'), dataIndex: 'name', render: (v: string, a) => <Link to={`/zoning/areas/${a.id}`}>{v}</Link> },
                {
                  title: t('zoning.level'),
                  key: 'level',
                  render: (_: unknown, a) => (
                    <Space size={0} wrap>
                      <LevelTag level={a.level} />
                      <FlagMark flagged={flags && a.flagged} />
                    </Space>
                  ),
                },
                { title: t('zoning.status'), dataIndex: 'status', render: (_: unknown, a) => <StatusTag status={a.status} /> },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
