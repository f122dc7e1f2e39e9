import { Card, Col, Empty, List, Row, Skeleton, Statistic, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { FigureTitle } from '../../../components/figure-title.js';
import { useLiveEvent } from '../../../app/live.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { formatDuration } from '../../../components/duration.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { Shortcuts } from '../../../components/shortcuts.js';
import { labWorklistApi, type LabWorklistRow } from '../worklist-api.js';

const STAGE_COLOR: Record<LabWorklistRow['stage'], string> = { overdue: 'red', in_progress: 'blue', awaiting_receipt: 'default' };

/**
 * The lab technician's worklist (检测工作台, issue 16): tubes at the lab past the turnaround target,
 * those inside it (nearest due first) and those closed at a site but not yet received, each with the
 * time it has waited; the turnaround of the last 24 hours. Cards, one column on a phone.
 */
export function LabWorklistPage(_: PageProps) {
  const { t, lang } = useI18n();
  const r = useRemote((signal) => labWorklistApi.worklist(signal), []);
  useLiveEvent(['testing.tube.reactive', 'testing.coverage', 'system.clock.changed'], () => r.reload());
  const d = r.data;
  const stageLabel = (s: LabWorklistRow['stage']) =>
    t(s === 'overdue' ? 'worklist.lab.overdue' : s === 'in_progress' ? 'worklist.lab.inProgress' : 'worklist.lab.awaitingReceipt');

  return (
    <div data-testid="lab-worklist">
      <Typography.Title level={3} className="bw-page-title">
        {t('worklist.lab.title')}
      </Typography.Title>
      <Shortcuts paths={['/testing/lab', '/testing/campaigns', '/tasks', '/notifications']} />
      <ErrorAlert error={r.error} onRetry={r.reload} />
      {!d ? (
        <Skeleton active />
      ) : (
        <>
          <Typography.Paragraph type="secondary">
            {t('worklist.lab.target', { hours: d.target.hours })} · {t('landing.asOf', { time: formatTime(d.asOf, lang) })}
          </Typography.Paragraph>
          <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
            <Col xs={8}>
              <Statistic
                title={<FigureTitle label={t('worklist.lab.overdue')} help={t('worklist.lab.fig.overdue', { hours: d.target.hours })} asOf={d.asOf} />}
                value={formatCount(d.counts.overdue, lang)}
                styles={{ content: { color: d.counts.overdue ? '#cf1322' : undefined } }}
              />
            </Col>
            <Col xs={8}>
              <Statistic
                title={<FigureTitle label={t('worklist.lab.inProgress')} help={t('worklist.lab.fig.inProgress', { hours: d.target.hours })} asOf={d.asOf} />}
                value={formatCount(d.counts.inProgress, lang)}
              />
            </Col>
            <Col xs={8}>
              <Statistic
                title={<FigureTitle label={t('worklist.lab.awaitingReceipt')} help={t('worklist.lab.fig.awaitingReceipt')} asOf={d.asOf} />}
                value={formatCount(d.counts.awaitingReceipt, lang)}
              />
            </Col>
          </Row>
          <Typography.Paragraph data-testid="turnaround">
            {t('worklist.lab.turnaround', {
              n: formatCount(d.turnaround.resulted, lang),
              median: d.turnaround.medianMs === null ? '—' : formatDuration(d.turnaround.medianMs, t),
              over: formatCount(d.turnaround.overTarget, lang),
            })}
          </Typography.Paragraph>
          <List
            grid={{ gutter: 12, xs: 1, sm: 1, md: 2, xl: 3 }}
            dataSource={d.rows}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('landing.none')} /> }}
            renderItem={(x) => (
              <List.Item>
                <Card
                  size="small"
                  data-testid="lab-tube"
                  title={<Link to={`/testing/tubes/${encodeURIComponent(x.id)}`}>{x.barcode ?? t('worklist.lab.recheck')}</Link>}
                  extra={<Tag color={STAGE_COLOR[x.stage]}>{stageLabel(x.stage)}</Tag>}
                >
                  <div>{x.campaignName}</div>
                  <Typography.Text type="secondary">
                    {[
                      x.kind === 'recheck' ? t('worklist.lab.recheck') : t('worklist.lab.persons', { count: x.count, pool: x.poolSize }),
                      x.boxCode ? t('worklist.lab.box', { box: x.boxCode }) : null,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </Typography.Text>
                  <div>
                    {x.receivedAt !== null
                      ? `${t('worklist.lab.received', { time: formatTime(x.receivedAt, lang) })} · ${t('worklist.lab.elapsed', { duration: formatDuration(x.elapsedMs, t) })}`
                      : `${t('worklist.lab.closed', { time: formatTime(x.closedAt, lang) })} · ${t('worklist.lab.waiting', { duration: formatDuration(x.elapsedMs, t) })}`}
                  </div>
                  {x.dueAt !== null && (
                    <Typography.Text type={x.stage === 'overdue' ? 'danger' : 'secondary'}>
                      {t('landing.due', { time: formatTime(x.dueAt, lang) })}
                    </Typography.Text>
                  )}
                </Card>
              </List.Item>
            )}
          />
        </>
      )}
    </div>
  );
}
