import { Table, Typography, Space } from 'antd';
import { Link } from 'react-router-dom';
import { SPEED_KEYS } from '../../../../common/cases.js';
import type { ClusterBoard } from '../../../../server/modules/cases/cases.schemas.js';

type ClusterBoardItem = ClusterBoard['items'][number];
import { useI18n } from '../../../app/i18n.js';
import { useLiveEvent } from '../../../app/live.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { casesApi } from '../api.js';
import { ClusterStatusTag, SpeedAggCell } from '../components/case-bits.js';
import { PresetName } from '../../../components/preset-name.js';

/**
 * The cluster board (一起疫情看板): every cluster not yet extinguished in the user's scope, with
 * days since its last case, the share found inside control (管控内), open contacts and the four
 * speed measures (mean hours vs the target of the cluster's preset version; red when over).
 */
export function ClusterBoardPage(_: PageProps) {
  const { t } = useI18n();
  const board = useRemote((signal) => casesApi.board(signal), []);
  // Days since the last case move with the (demo) clock.
  useLiveEvent(['system.clock.changed'], () => board.reload());
  return (
    <div data-testid="cluster-board-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('clusters.board')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('clusters.hint')}</Typography.Paragraph>
      <ErrorAlert error={board.error} onRetry={board.reload} />
      <Table<ClusterBoardItem>
        rowKey="id"
        loading={board.loading}
        dataSource={board.data?.items ?? []}
        pagination={false}
        scroll={{ x: 1300 }}
        locale={{ emptyText: t('clusters.none') }}
        onRow={(k) => ({ 'data-testid': 'cluster-row', 'data-id': k.id }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('clusters.name'),
            dataIndex: 'name',
            fixed: 'left',
            width: 220,
            render: (v: string, k) => (
              <Space orientation="vertical" size={0}>
                <Link to={`/clusters/${k.id}`} data-testid="cluster-link">
                  {v}
                </Link>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  <span title={k.jurisdictionPath}>{k.jurisdictionName ?? k.jurisdictionPath}</span> · <PresetName label={k.presetVersion} />
                </Typography.Text>
              </Space>
            ),
          },
          { title: t('clusters.status'), dataIndex: 'status', render: (s: ClusterBoardItem['status']) => <ClusterStatusTag status={s} /> },
          { title: t('clusters.cases'), dataIndex: 'cases', render: (n: number) => <span data-testid="cluster-cases">{n}</span> },
          { title: t('clusters.daysSinceLast'), dataIndex: 'daysSinceLastCase', render: (n: number) => <span data-testid="cluster-days">{n}</span> },
          {
            title: t('clusters.inControlShare'),
            dataIndex: 'inControlShare',
            render: (v: number) => <span data-testid="cluster-in-control">{Math.round(v * 1000) / 10}%</span>,
          },
          {
            title: t('clusters.openContacts'),
            dataIndex: 'openContacts',
            render: (n: number, k) => (
              <Space orientation="vertical" size={0}>
                <span data-testid="cluster-open-contacts">{n}</span>
                {k.uncontrolledContacts > 0 && (
                  <Typography.Text type="danger" style={{ fontSize: 12 }}>
                    {t('clusters.uncontrolled', { n: k.uncontrolledContacts })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          ...SPEED_KEYS.map((key) => ({
            title: t(`cases.speed.${key}`),
            key,
            width: 150,
            render: (_: unknown, k: ClusterBoardItem) => <SpeedAggCell k={key} m={k.speed[key]} />,
          })),
        ]}
      />
    </div>
  );
}
