import { BulbOutlined } from '@ant-design/icons';
import { App, Button, Segmented, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { LEVEL_LABELS } from '../../../../common/geo.js';
import type { AreaDto, AreaStatus } from '../../../../common/zoning.js';
import { formatCount } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { zoningApi } from '../api.js';
import { usePlatformNow } from '../clock.js';
import { FlagMark, LevelTag, MeasureTags, NextStep, Stamp } from '../components/area-bits.js';
import { useZoningErrorText } from '../errors.js';
import { useZoningEvents } from '../live.js';
import { PROPOSE_CAPS } from '../permissions.js';

const TABS: readonly AreaStatus[] = ['proposed', 'published', 'lifted', 'rejected'];

/**
 * The risk-area workspace (风险区划定与解封): proposals made from the cases' residences and
 * places, waiting for review; published areas with their level, measures, basis, who proposed
 * and published them, and the next lifting step with a live countdown; then the history.
 * Each row opens the area, where it is adjusted, published, rejected, stepped down or lifted.
 */
export function AreasPage({ jurisdictionId }: PageProps) {
  const { t, lang, label } = useI18n();
  const { canAny } = useSession();
  const { message } = App.useApp();
  const errorText = useZoningErrorText();
  const [status, setStatus] = useState<AreaStatus>('proposed');
  const [page, setPage] = useState(1);
  const [busy, setBusy] = useState(false);
  const now = usePlatformNow();
  const list = useRemote((signal) => zoningApi.areas({ status, jurisdictionId, limit: 20, offset: (page - 1) * 20 }, signal), [status, jurisdictionId, page]);
  useZoningEvents(() => list.reload());

  const generate = async () => {
    setBusy(true);
    try {
      const r = await zoningApi.generate(jurisdictionId);
      message.success(t('zoning.generated', { n: r.created.length }));
      if (status === 'proposed') list.reload();
      else setStatus('proposed');
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="zoning-areas-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('zoning.areasTitle')}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented<AreaStatus>
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          options={TABS.map((s) => ({ value: s, label: t(`zoning.tab.${s}`) }))}
          data-testid="area-status-filter"
        />
        {canAny(PROPOSE_CAPS) && (
          <Button type="primary" icon={<BulbOutlined />} loading={busy} onClick={generate} data-testid="generate-proposals">
            {t('zoning.generate')}
          </Button>
        )}
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<AreaDto>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: status === 'proposed' ? t('zoning.noProposals') : t('zoning.noAreas') }}
        scroll={{ x: 1200 }}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(a) =>
          ({
            'data-testid': 'area-row',
            'data-id': a.id,
            'data-status': a.status,
            'data-level': a.level,
            'data-flagged': String(a.flagged),
            style: a.flagged ? { background: '#fff0f6' } : undefined,
          }) as React.HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('zoning.name'),
            dataIndex: 'name',
            render: (v: string, a) => (
              <Space orientation="vertical" size={0}>
                <Link to={`/zoning/areas/${a.id}`} data-testid="area-link">
                  {v}
                </Link>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {a.districtName}
                </Typography.Text>
              </Space>
            ),
          },
          { title: t('zoning.level'), dataIndex: 'level', width: 100, render: (_: unknown, a) => <LevelTag level={a.level} /> },
          {
            title: t('zoning.granularity'),
            dataIndex: 'granularity',
            width: 110,
            render: (_: unknown, a) => (
              <Space size={4} wrap>
                {label(LEVEL_LABELS[a.granularity])} × {a.nodeCount}
                <FlagMark flagged={a.flagged} justified={!!a.justification} />
              </Space>
            ),
          },
          { title: t('zoning.population'), dataIndex: 'population', width: 90, render: (n: number) => formatCount(n, lang) },
          { title: t('zoning.measures'), dataIndex: 'measures', render: (_: unknown, a) => <MeasureTags measures={a.measures} /> },
          {
            title: t('zoning.basis'),
            key: 'basis',
            width: 120,
            render: (_: unknown, a) => (
              <Space orientation="vertical" size={0}>
                <span>{t('zoning.basisCases', { n: a.basis.caseIds.length })}</span>
                {a.basis.contactIds.length > 0 && <span>{t('zoning.basisContacts', { n: a.basis.contactIds.length })}</span>}
              </Space>
            ),
          },
          {
            title: t('zoning.proposedBy'),
            key: 'stamps',
            width: 220,
            render: (_: unknown, a) => (
              <Space orientation="vertical" size={0} style={{ fontSize: 12 }}>
                <span>
                  {t('zoning.proposedBy')}: <Stamp stamp={a.proposedBy} />
                </span>
                {a.publishedBy && (
                  <span>
                    {t('zoning.publishedBy')}: <Stamp stamp={a.publishedBy} />
                  </span>
                )}
                {a.liftedBy && (
                  <span>
                    {t('zoning.liftedBy')}: <Stamp stamp={a.liftedBy} />
                  </span>
                )}
                {a.rejectedBy && (
                  <span>
                    {t('zoning.reject')}: <Stamp stamp={a.rejectedBy} /> · {a.rejectedBy.reason}
                  </span>
                )}
              </Space>
            ),
          },
          ...(status === 'published'
            ? [
                {
                  title: t('zoning.nextStep'),
                  key: 'next',
                  width: 230,
                  render: (_: unknown, a: AreaDto) => <NextStep schedule={a.schedule} now={now} compact />,
                },
              ]
            : []),
        ]}
      />
    </div>
  );
}
