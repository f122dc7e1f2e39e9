import { Button, Card, Col, Empty, List, Progress, Row, Skeleton, Tag, Typography } from 'antd';
import { Link, useNavigate } from 'react-router-dom';
import { useMessageText } from '../../../app/bilingual.js';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useLiveEvent } from '../../../app/live.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { Shortcuts } from '../../../components/shortcuts.js';
import { todayApi, type TodayDto } from '../api.js';

type StayRow = NonNullable<TodayDto['testsDue']>[number];

/** A person under a quarantine measure, as a card line: masked name, where, which day. */
function StayItem({ row, extra }: { row: StayRow; extra: string }) {
  const { t } = useI18n();
  return (
    <List.Item>
      <List.Item.Meta
        title={
          <Link to={`/quarantine/stays/${encodeURIComponent(row.stayId)}`}>
            {row.nameMasked ?? t('today.maskedUnknown')} · {t(row.mode === 'home' ? 'today.mode.home' : 'today.mode.central')}
          </Link>
        }
        description={[row.place, t('today.dayOf', { day: row.day, total: row.totalDays }), extra].filter(Boolean).join(' · ')}
      />
      {row.overdue && <Tag color="red">{t('landing.overdue')}</Tag>}
    </List.Item>
  );
}

/**
 * The community worker's list for today (今日清单, issue 16): door-knocking in the active round by
 * compound (or building), home sampling to do, people due for tests (rechecks awaiting their sample,
 * home-quarantine tests due today) and stays ending, in
 * the worker's compounds (the top bar's jurisdiction narrows it). Cards, one column on a phone.
 */
export function TodayPage({ jurisdictionId }: PageProps) {
  const { t, lang } = useI18n();
  const me = useMe();
  const text = useMessageText();
  const navigate = useNavigate();
  const r = useRemote((signal) => todayApi.today(jurisdictionId, signal), [jurisdictionId]);
  useLiveEvent(['task.changed', 'testing.coverage', 'testing.campaign.changed', 'system.clock.changed'], () => r.reload());
  const d = r.data;
  const empty = <Typography.Text type="secondary">{t('landing.none')}</Typography.Text>;

  return (
    <div data-testid="today">
      <Typography.Title level={3} className="bw-page-title">
        {t('today.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('today.scope', { name: d?.jurisdiction.name || me.jurisdiction.name })}
        {d ? ` · ${t('landing.asOf', { time: formatTime(d.asOf, lang) })}` : ''}
      </Typography.Paragraph>
      <Shortcuts paths={['/doorknock', '/tasks', '/quarantine/stays', '/persons', '/notifications', '/situation']} />
      <ErrorAlert error={r.error} onRetry={r.reload} />
      {!d ? (
        <Skeleton active />
      ) : (
        <Row gutter={[16, 16]}>
          {
            <Col xs={24} lg={12}>
              <Card title={t('today.doorknock')} size="small" data-testid="today-doorknock">
                {d.doorknock ? (
                  <>
                    <Typography.Paragraph>
                      {t('today.roundSummary', {
                        campaign: d.doorknock.campaignName,
                        remaining: formatCount(d.doorknock.remaining, lang),
                        sampled: formatCount(d.doorknock.sampled, lang),
                        target: formatCount(d.doorknock.target, lang),
                      })}
                    </Typography.Paragraph>
                    <List
                      size="small"
                      dataSource={d.doorknock.places}
                      locale={{ emptyText: empty }}
                      renderItem={(p) => (
                        <List.Item>
                          <List.Item.Meta
                            title={p.name}
                            description={p.remaining ? t('today.placeRemaining', { n: formatCount(p.remaining, lang) }) : t('today.placeDone')}
                          />
                          <Progress type="circle" size={40} percent={p.target ? Math.floor((p.sampled / p.target) * 100) : 100} />
                        </List.Item>
                      )}
                    />
                    <Button type="primary" block onClick={() => navigate('/doorknock')}>
                      {t('today.startKnocking')}
                    </Button>
                  </>
                ) : (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('today.noRound')} />
                )}
              </Card>
            </Col>
          }
          {d.homeSampling && (
            <Col xs={24} lg={12}>
              <Card title={`${t('today.homeSampling')} (${d.homeSampling.length})`} size="small" data-testid="today-home-sampling">
                <List
                  size="small"
                  dataSource={d.homeSampling}
                  locale={{ emptyText: empty }}
                  renderItem={(x) => (
                    <List.Item>
                      <List.Item.Meta
                        title={<Link to={`/tasks/${encodeURIComponent(x.id)}`}>{text(x.title, x.titleKey, x.titleParams as never)}</Link>}
                        description={x.dueAt ? t('landing.due', { time: formatTime(x.dueAt, lang) }) : undefined}
                      />
                      {x.overdue && <Tag color="red">{t('landing.overdue')}</Tag>}
                    </List.Item>
                  )}
                />
              </Card>
            </Col>
          )}
          {d.rechecksDue && (
            <Col xs={24} lg={12}>
              <Card title={`${t('today.rechecksDue')} (${d.rechecksDue.length})`} size="small" data-testid="today-rechecks">
                <List
                  size="small"
                  dataSource={d.rechecksDue}
                  locale={{ emptyText: empty }}
                  renderItem={(x) => (
                    <List.Item>
                      <List.Item.Meta
                        title={x.taskId ? <Link to={`/tasks/${encodeURIComponent(x.taskId)}`}>{x.nameMasked}</Link> : x.nameMasked}
                        description={[x.place, t('landing.due', { time: formatTime(x.dueAt, lang) })].filter(Boolean).join(' · ')}
                      />
                      {x.overdue && <Tag color="red">{t('landing.overdue')}</Tag>}
                    </List.Item>
                  )}
                />
              </Card>
            </Col>
          )}
          {d.testsDue && (
            <Col xs={24} lg={12}>
              <Card title={`${t('today.testsDue')} (${d.testsDue.length})`} size="small" data-testid="today-tests">
                <List
                  size="small"
                  dataSource={d.testsDue}
                  locale={{ emptyText: empty }}
                  renderItem={(x) => <StayItem row={x} extra={t('today.testDay', { day: x.testDay ?? '' })} />}
                />
              </Card>
            </Col>
          )}
          {d.staysEnding && (
            <Col xs={24} lg={12}>
              <Card title={`${t('today.staysEnding')} (${d.staysEnding.length})`} size="small" data-testid="today-stays">
                <List
                  size="small"
                  dataSource={d.staysEnding}
                  locale={{ emptyText: empty }}
                  renderItem={(x) => <StayItem row={x} extra={t('today.endDay', { day: x.endDay })} />}
                />
              </Card>
            </Col>
          )}
        </Row>
      )}
    </div>
  );
}
