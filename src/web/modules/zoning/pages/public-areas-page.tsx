import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, List, Segmented, Skeleton, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Lang } from '../../../../common/i18n.js';
import { MEASURE_LABELS, RISK_LEVEL_LABELS } from '../../../../common/zoning.js';
import type { PublicAreaDto, PublicZoningDto } from '../../../../server/modules/zoning/zoning.schemas.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { loadPublicZoning, PUBLIC_GEOJSON_URL } from '../api.js';
import { LEVEL_COLORS, LEVEL_TAG_COLORS } from '../levels.js';

type State =
  | { kind: 'loading' }
  | { kind: 'ok'; value: PublicZoningDto }
  | { kind: 'busy'; seconds: number; stale: PublicZoningDto | null }
  | { kind: 'error'; stale: PublicZoningDto | null };

/** Reloads the list this often while the page is open (the server serves it from a cache). */
const REFRESH_MS = 60_000;

function AreaItem({ area }: { area: PublicAreaDto }) {
  const { t, lang, label } = useI18n();
  return (
    <List.Item
      data-testid="public-area"
      data-level={area.level}
      data-id={area.id}
      style={{ borderLeft: `4px solid ${LEVEL_COLORS[area.level]}`, paddingLeft: 12 }}
    >
      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
        <Space wrap>
          <Tag color={LEVEL_TAG_COLORS[area.level]} style={{ fontSize: 14, padding: '2px 8px' }}>
            {label(RISK_LEVEL_LABELS[area.level])}
          </Tag>
          <Typography.Text strong>{area.name}</Typography.Text>
        </Space>
        {(area.street || area.community) && (
          <Typography.Text data-testid="public-area-where">{[area.street, area.community].filter(Boolean).join(' · ')}</Typography.Text>
        )}
        {area.places.length > 0 && (
          <Typography.Text type="secondary" data-testid="public-area-places">
            {area.places.join('、')}
          </Typography.Text>
        )}
        <Space size={[0, 4]} wrap>
          {area.measures.map((m) => (
            <Tag key={m}>{label(MEASURE_LABELS[m], m)}</Tag>
          ))}
        </Space>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('publicAreas.since', { at: formatTime(area.publishedAt, lang) })}
        </Typography.Text>
        {area.levelSince !== area.publishedAt && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="public-level-since">
            {t('publicAreas.levelSince', { at: formatTime(area.levelSince, lang), level: label(RISK_LEVEL_LABELS[area.level]) })}
          </Typography.Text>
        )}
      </Space>
    </List.Item>
  );
}

/**
 * The public list of risk areas (风险区公示), no sign-in and no personal data: the current areas
 * by district with their measures and since when (no projected lifting date: residents read one as a promise), the recent history, and a GeoJSON
 * download. Under heavy load the server answers 503 with Retry-After: the page says so, counts the
 * seconds down and tries again by itself, keeping the last list it had on screen.
 */
export function PublicAreasPage() {
  const { t, lang, setLang, label } = useI18n();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const last = useRef<PublicZoningDto | null>(null);
  const [attempt, setAttempt] = useState(0);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  useEffect(() => {
    const ctrl = new AbortController();
    loadPublicZoning(ctrl.signal)
      .then((r) => {
        if (r.ok) {
          last.current = r.value;
          setState({ kind: 'ok', value: r.value });
        } else if (r.status === 503 || r.status === 429) setState({ kind: 'busy', seconds: r.retryAfter ?? 5, stale: last.current });
        else setState({ kind: 'error', stale: last.current });
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [attempt]);

  // Busy: count down, then ask again. Otherwise refresh once a minute.
  useEffect(() => {
    if (state.kind === 'busy') {
      const id = setTimeout(() => (state.seconds <= 1 ? retry() : setState({ ...state, seconds: state.seconds - 1 })), 1000);
      return () => clearTimeout(id);
    }
    if (state.kind === 'ok') {
      const id = setTimeout(retry, REFRESH_MS);
      return () => clearTimeout(id);
    }
    return undefined;
  }, [state, retry]);

  const data = state.kind === 'ok' ? state.value : state.kind === 'busy' || state.kind === 'error' ? state.stale : null;
  const total = data?.districts.reduce((n, d) => n + d.areas.length, 0) ?? 0;

  return (
    <div className="bw-public" data-testid="public-areas" style={{ minHeight: '100vh', background: '#f5f5f5', padding: '24px 12px' }}>
      <div style={{ maxWidth: 760, margin: '0 auto' }}>
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }}>
          <Space>
            <span className="bw-logo-mark">铜</span>
            <Typography.Text strong>{t('app.shortName')}</Typography.Text>
          </Space>
          <Segmented<Lang>
            size="small"
            value={lang}
            onChange={setLang}
            options={[
              { label: '中文', value: 'zh-CN' },
              { label: 'EN', value: 'en' },
            ]}
          />
        </Space>
        <Card style={{ marginBottom: 16 }}>
          <Typography.Title level={3} style={{ marginTop: 0 }}>
            {t('publicAreas.title')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('publicAreas.intro')}</Typography.Paragraph>
          <Space wrap>
            {data && (
              <Typography.Text type="secondary" data-testid="public-updated" data-version={data.version}>
                {t('publicAreas.updatedAt', { at: formatTime(data.generatedAt, lang) })} · {t('publicAreas.version', { v: data.version })}
              </Typography.Text>
            )}
            <Button icon={<DownloadOutlined />} href={PUBLIC_GEOJSON_URL} download="risk-areas.geojson" data-testid="public-geojson">
              {t('publicAreas.geojson')}
            </Button>
          </Space>
        </Card>

        {state.kind === 'busy' && (
          <Alert
            type="warning"
            showIcon
            title={t('publicAreas.busy', { seconds: state.seconds })}
            description={t('publicAreas.retryIn')}
            action={
              <Button size="small" onClick={retry}>
                {t('publicAreas.retryNow')}
              </Button>
            }
            style={{ marginBottom: 16 }}
            data-testid="public-busy"
            data-seconds={state.seconds}
          />
        )}
        {state.kind === 'error' && (
          <Alert
            type="error"
            showIcon
            title={t('publicAreas.error')}
            action={
              <Button size="small" onClick={retry}>
                {t('common.retry')}
              </Button>
            }
            style={{ marginBottom: 16 }}
            data-testid="public-error"
          />
        )}
        {state.kind === 'loading' && <Skeleton active />}

        {data && total === 0 && (
          <Card style={{ marginBottom: 16 }}>
            <Empty description={t('publicAreas.none')} data-testid="public-none" />
          </Card>
        )}
        {data?.districts
          .filter((d) => d.areas.length > 0)
          .map((d) => (
            <Card
              key={d.districtCode}
              title={t('publicAreas.district', { name: d.districtName, n: d.areas.length })}
              style={{ marginBottom: 16 }}
              data-testid="public-district"
            >
              <List dataSource={d.areas} renderItem={(a) => <AreaItem area={a} />} />
            </Card>
          ))}

        {data && (
          <Card title={t('publicAreas.history')} style={{ marginBottom: 16 }} data-testid="public-history">
            {data.history.length === 0 ? (
              <Typography.Text type="secondary">{t('publicAreas.historyNone')}</Typography.Text>
            ) : (
              <List
                size="small"
                dataSource={data.history.slice(0, 50)}
                renderItem={(h) => (
                  <List.Item data-testid="public-history-item" data-kind={h.kind}>
                    <Space wrap>
                      <Typography.Text type="secondary">{formatTime(h.at, lang)}</Typography.Text>
                      <Typography.Text strong>{h.name}</Typography.Text>
                      <span>
                        {h.kind === 'lifted' ? t('publicAreas.event.lifted') : t(`publicAreas.event.${h.kind}`, { level: label(RISK_LEVEL_LABELS[h.level]) })}
                      </span>
                    </Space>
                  </List.Item>
                )}
              />
            )}
          </Card>
        )}
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center', fontSize: 12 }}>
          {t('publicAreas.privacy')}
        </Typography.Paragraph>
      </div>
    </div>
  );
}
