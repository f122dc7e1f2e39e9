import { DownloadOutlined } from '@ant-design/icons';
import { App, Button, Card, InputNumber, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { LEVEL_LABELS } from '../../../../common/geo.js';
import { FLAG_LABELS, type DetectorRowDto, type DistrictRollupDto } from '../../../../common/zoning.js';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { zoningApi } from '../api.js';
import { showText } from '../../../app/bilingual.js';
import { LevelTag, StatusTag } from '../components/area-bits.js';
import { useZoningErrorText } from '../errors.js';
import { useZoningEvents } from '../live.js';
import { PUBLISH_CAPS } from '../permissions.js';

const ratio = (r: number | null) => (r === null ? '—' : r.toFixed(1));
const FLAGGED_ROW = { background: '#fff1f0' };

/**
 * The 一刀切 detector report for HQ: per district, then per active or proposed area — the ratio
 * of its population to the evidence footprint, its granularity against the preset's, whether it
 * is kept past its lifting date, and persons under measures per active case. Flagged rows are
 * highlighted with their reasons; the threshold is set here and the report exported as XLSX.
 */
export function DetectorPage({ jurisdictionId }: PageProps) {
  const { t, lang, label } = useI18n();
  const { canAny } = useSession();
  const { message } = App.useApp();
  const errorText = useZoningErrorText();
  const report = useRemote((signal) => zoningApi.detector(jurisdictionId, signal), [jurisdictionId]);
  const [threshold, setThreshold] = useState<number | null>(null);
  const [saving, setSaving] = useState(false);
  useZoningEvents(() => report.reload());
  useEffect(() => {
    if (report.data && threshold === null) setThreshold(report.data.ratioThreshold);
  }, [report.data, threshold]);
  const r = report.data;
  const flaggedCount = r?.areas.filter((a) => a.flagged).length ?? 0;

  const saveThreshold = async () => {
    if (threshold === null) return;
    setSaving(true);
    try {
      await zoningApi.saveSettings(threshold);
      message.success(t('zoning.saved'));
      report.reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div data-testid="zoning-detector-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('zoning.detectorTitle')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('zoning.detectorIntro')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <span>{t('zoning.threshold')}</span>
        <InputNumber
          min={1}
          max={1000}
          step={0.5}
          value={threshold}
          onChange={(v) => setThreshold(v)}
          disabled={!canAny(PUBLISH_CAPS)}
          data-testid="threshold-input"
        />
        {canAny(PUBLISH_CAPS) && (
          <Button onClick={saveThreshold} loading={saving} disabled={threshold === null || threshold === r?.ratioThreshold} data-testid="threshold-save">
            {t('common.save')}
          </Button>
        )}
        <Button type="primary" icon={<DownloadOutlined />} href={zoningApi.detectorExportUrl(jurisdictionId)} download data-testid="detector-export">
          {t('zoning.export')}
        </Button>
        {r && (
          <Typography.Text type="secondary">
            {formatTime(r.generatedAt, lang)} · {t('zoning.flaggedAreas')} <span data-testid="flagged-count">{flaggedCount}</span>
          </Typography.Text>
        )}
      </Space>
      <ErrorAlert error={report.error} onRetry={report.reload} />

      <Card size="small" title={t('zoning.byDistrict')} style={{ marginBottom: 16 }}>
        <Table<DistrictRollupDto>
          size="small"
          rowKey="districtPath"
          loading={report.loading}
          dataSource={r?.districts ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          onRow={(d) =>
            ({
              'data-testid': 'district-row',
              'data-flagged': String(d.flagged),
              style: d.flagged > 0 ? FLAGGED_ROW : undefined,
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            { title: t('zoning.district'), dataIndex: 'districtName' },
            { title: t('zoning.areas'), dataIndex: 'areas' },
            {
              title: t('zoning.flaggedAreas'),
              dataIndex: 'flagged',
              render: (n: number) =>
                n > 0 ? (
                  <Typography.Text type="danger" strong>
                    {n}
                  </Typography.Text>
                ) : (
                  n
                ),
            },
            { title: t('zoning.areaPopulation'), dataIndex: 'population', render: (n: number) => formatCount(n, lang) },
            { title: t('zoning.evidencePopulation'), dataIndex: 'evidenceFootprint', render: (n: number) => formatCount(n, lang) },
            { title: t('zoning.ratio'), dataIndex: 'ratio', render: ratio },
            { title: t('zoning.pastLifting'), dataIndex: 'pastLifting' },
            { title: t('zoning.personsUnderMeasures'), dataIndex: 'personsUnderMeasure', render: (n: number) => formatCount(n, lang) },
            { title: t('zoning.activeCases'), dataIndex: 'activeCases' },
            { title: t('zoning.perCase'), dataIndex: 'personsPerActiveCase', render: ratio },
          ]}
        />
      </Card>

      <Card size="small" title={t('zoning.byArea')}>
        <Table<DetectorRowDto>
          size="small"
          rowKey="areaId"
          loading={report.loading}
          dataSource={r ? [...r.areas].sort((a, b) => Number(b.flagged) - Number(a.flagged) || (b.ratio ?? 0) - (a.ratio ?? 0)) : []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: t('zoning.detectorNone') }}
          scroll={{ x: 1450 }}
          onRow={(a) =>
            ({
              'data-testid': 'detector-row',
              'data-id': a.areaId,
              'data-flagged': String(a.flagged),
              style: a.flagged ? FLAGGED_ROW : undefined,
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            {
              title: t('zoning.name'),
              dataIndex: 'name',
              width: 170,
              fixed: 'left',
              render: (v: string, a) => (
                <Space orientation="vertical" size={0}>
                  <Link to={`/zoning/areas/${a.areaId}`}>{v}</Link>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {a.districtName}
                  </Typography.Text>
                </Space>
              ),
            },
            {
              title: t('zoning.level'),
              key: 'level',
              render: (_: unknown, a) => (
                <Space size={0} wrap>
                  <LevelTag level={a.level} />
                  <StatusTag status={a.status} />
                </Space>
              ),
            },
            { title: t('zoning.areaPopulation'), dataIndex: 'population', render: (n: number) => formatCount(n, lang) },
            { title: t('zoning.evidencePopulation'), dataIndex: 'evidenceFootprint', render: (n: number) => formatCount(n, lang) },
            {
              title: t('zoning.ratio'),
              dataIndex: 'ratio',
              render: (v: number | null, a) => (
                <Typography.Text
                  type={a.flags.some((f) => f.kind === 'ratio') ? 'danger' : undefined}
                  strong={a.flags.some((f) => f.kind === 'ratio')}
                  data-testid="detector-ratio"
                >
                  {ratio(v)}
                </Typography.Text>
              ),
            },
            {
              title: t('zoning.granularityVsPreset'),
              key: 'granularity',
              width: 120,
              render: (_: unknown, a) => {
                const coarse = a.flags.some((f) => f.kind === 'granularity');
                return (
                  <Typography.Text type={coarse ? 'danger' : undefined}>
                    {label(LEVEL_LABELS[a.granularity])}
                    {a.presetGranularity && ` / ${label(LEVEL_LABELS[a.presetGranularity])}`}
                  </Typography.Text>
                );
              },
            },
            {
              title: t('zoning.pastLifting'),
              dataIndex: 'pastLifting',
              render: (v: boolean) => (v ? <Tag color="red">{t('common.yes')}</Tag> : t('common.no')),
            },
            { title: t('zoning.personsUnderMeasures'), dataIndex: 'personsUnderMeasure', render: (n: number) => formatCount(n, lang) },
            { title: t('zoning.activeCases'), dataIndex: 'activeCases' },
            { title: t('zoning.perCase'), dataIndex: 'personsPerActiveCase', render: ratio },
            {
              title: t('zoning.reasons'),
              key: 'flags',
              width: 300,
              render: (_: unknown, a) => (
                <Space orientation="vertical" size={2}>
                  {a.flags.map((f) => (
                    <Space key={f.kind} orientation="vertical" size={0}>
                      <Tooltip title={showText(lang, f.message, f.messageKey, f.messageParams)}>
                        <Tag color="magenta" data-testid="detector-flag" data-kind={f.kind}>
                          {label(FLAG_LABELS[f.kind])}
                        </Tag>
                      </Tooltip>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {showText(lang, f.message, f.messageKey, f.messageParams)}
                      </Typography.Text>
                    </Space>
                  ))}
                  {a.justification && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('zoning.justification')}: {a.justification}
                    </Typography.Text>
                  )}
                  {a.needsJustification && (
                    <Typography.Text type="danger" style={{ fontSize: 12 }}>
                      {t('zoning.justifyTitle')}
                    </Typography.Text>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
