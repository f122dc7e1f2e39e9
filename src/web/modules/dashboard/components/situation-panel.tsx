import { InfoCircleOutlined } from '@ant-design/icons';
import { Card, Col, Progress, Row, Skeleton, Statistic, Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { MessageKey } from '../../../../common/i18n.js';
import { RISK_LEVEL_LABELS } from '../../../../common/zoning.js';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { SituationDto } from '../api.js';

/** One figure: what it counts (tooltip, with the time it was read), its value, and the list behind it. */
function Figure({
  id,
  label,
  help,
  value,
  link,
  danger,
  extra,
  asOf,
}: {
  id: string;
  label: MessageKey;
  help: MessageKey;
  value: number | null;
  link?: string;
  danger?: boolean;
  extra?: ReactNode;
  asOf: number;
}) {
  const { t, lang } = useI18n();
  const title = (
    <span>
      {link ? <Link to={link}>{t(label)}</Link> : t(label)}{' '}
      <Tooltip title={`${t(help)} · ${t('sit.asOf', { time: formatTime(asOf, lang) })}`}>
        <InfoCircleOutlined style={{ color: 'rgba(0,0,0,0.55)' }} aria-label={t(help)} />
      </Tooltip>
    </span>
  );
  return (
    <Card size="small" data-testid={`sit-${id}`}>
      <Statistic
        title={title}
        value={value === null ? '—' : formatCount(value, lang)}
        styles={danger && (value ?? 0) > 0 ? { content: { color: '#cf1322' } } : undefined}
      />
      {extra && <div style={{ marginTop: 4 }}>{extra}</div>}
    </Card>
  );
}

/** A section of figures that a role may see (the server sends null for one it may not read). */
function Section({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <div data-testid={testId} style={{ marginBottom: 16 }}>
      <Typography.Title level={5} style={{ marginBottom: 8 }}>
        {title}
      </Typography.Title>
      <Row gutter={[12, 12]} className="bw-stat-grid">
        {children}
      </Row>
    </div>
  );
}

const cell = (node: ReactNode, key: string) => (
  <Col key={key} xs={12} sm={8} xl={4}>
    {node}
  </Col>
);

/**
 * The situation home page's figures (GET /api/dashboard/situation): new infections by channel,
 * close contacts, persons under each measure, risk areas, the active round and overdue work. Each
 * figure links to its list and says, on hover, what it counts and when it was read.
 */
export function SituationPanel({ data, loading }: { data: SituationDto | undefined; loading: boolean }) {
  const { t, lang } = useI18n();
  if (!data) return loading ? <Skeleton active paragraph={{ rows: 6 }} /> : null;
  const asOf = data.asOf;
  const split = (inControl: number, community: number) => (
    <Typography.Text type="secondary" data-testid="sit-split">
      {t('sit.inControl')} {formatCount(inControl, lang)} · {t('sit.community')} {formatCount(community, lang)}
    </Typography.Text>
  );
  return (
    <div data-testid="situation">
      <Typography.Paragraph type="secondary" data-testid="sit-as-of">
        {t('sit.asOf', { time: formatTime(asOf, lang) })}
      </Typography.Paragraph>
      {data.infections && (
        <Section title={t('sit.infections')} testId="sit-infections">
          {cell(
            <Figure
              id="new-today"
              label="sit.newToday"
              help="sit.newToday.help"
              value={data.infections.today.total}
              link="/cases"
              danger
              asOf={asOf}
              extra={split(data.infections.today.inControl, data.infections.today.community)}
            />,
            'today',
          )}
          {cell(
            <Figure
              id="community-today"
              label="sit.communityToday"
              help="sit.communityToday.help"
              value={data.infections.today.community}
              link="/cases?channel=community"
              danger
              asOf={asOf}
            />,
            'community',
          )}
          {cell(
            <Figure
              id="new-yesterday"
              label="sit.newYesterday"
              help="sit.newYesterday.help"
              value={data.infections.yesterday.total}
              link="/cases"
              asOf={asOf}
              extra={split(data.infections.yesterday.inControl, data.infections.yesterday.community)}
            />,
            'yesterday',
          )}
          {cell(
            <Figure
              id="asymptomatic-today"
              label="sit.asymptomaticToday"
              help="sit.asymptomaticToday.help"
              value={data.infections.today.asymptomatic}
              link="/cases"
              asOf={asOf}
            />,
            'asym',
          )}
        </Section>
      )}
      {data.contacts && (
        <Section title={t('sit.contacts')} testId="sit-contacts">
          {cell(
            <Figure
              id="contacts-today"
              label="sit.contactsToday"
              help="sit.contactsToday.help"
              value={data.contacts.identifiedToday}
              link="/cases"
              asOf={asOf}
            />,
            'ct',
          )}
          {cell(
            <Figure
              id="contacts-yesterday"
              label="sit.contactsYesterday"
              help="sit.contactsYesterday.help"
              value={data.contacts.identifiedYesterday}
              link="/cases"
              asOf={asOf}
            />,
            'cy',
          )}
          {cell(
            <Figure
              id="contacts-placed"
              label="sit.contactsPlaced"
              help="sit.contactsPlaced.help"
              value={data.contacts.placedOfRecent}
              link="/quarantine/stays"
              asOf={asOf}
            />,
            'cp',
          )}
          {cell(
            <Figure
              id="contacts-awaiting"
              label="sit.contactsAwaiting"
              help="sit.contactsAwaiting.help"
              value={data.contacts.awaitingPlacement}
              link="/quarantine/stays"
              danger
              asOf={asOf}
            />,
            'ca',
          )}
        </Section>
      )}
      {data.measures && (
        <Section title={t('sit.measures')} testId="sit-measures">
          {cell(
            <Figure
              id="central"
              label="control.status.quarantined_central"
              help="sit.central.help"
              value={data.measures.quarantinedCentral}
              link="/control"
              asOf={asOf}
            />,
            'c',
          )}
          {cell(
            <Figure id="home" label="control.status.quarantined_home" help="sit.home.help" value={data.measures.quarantinedHome} link="/control" asOf={asOf} />,
            'h',
          )}
          {cell(
            <Figure
              id="monitored"
              label="control.status.home_monitored"
              help="sit.monitored.help"
              value={data.measures.homeMonitored}
              link="/control"
              asOf={asOf}
            />,
            'm',
          )}
          {cell(
            <Figure
              id="pending"
              label="control.status.pending_recheck"
              help="sit.pending.help"
              value={data.measures.pendingRecheck}
              link="/control"
              asOf={asOf}
            />,
            'p',
          )}
          {cell(<Figure id="sealed" label="control.status.sealed" help="sit.sealed.help" value={data.measures.sealed} link="/zoning/areas" asOf={asOf} />, 's')}
          {cell(
            <Figure
              id="controlled"
              label="control.status.controlled"
              help="sit.controlled.help"
              value={data.measures.controlled}
              link="/zoning/areas"
              asOf={asOf}
            />,
            'k',
          )}
        </Section>
      )}
      {data.areas && (
        <Section title={t('sit.areas')} testId="sit-areas">
          {cell(
            <Figure
              id="areas-published"
              label="sit.areasPublished"
              help="sit.areasPublished.help"
              value={data.areas.publishedToday}
              link="/zoning/areas"
              asOf={asOf}
              extra={<Typography.Text type="secondary">{t('sit.yesterdayN', { n: formatCount(data.areas.publishedYesterday, lang) })}</Typography.Text>}
            />,
            'ap',
          )}
          {cell(
            <Figure
              id="areas-lifted"
              label="sit.areasLifted"
              help="sit.areasLifted.help"
              value={data.areas.liftedToday}
              link="/zoning/areas"
              asOf={asOf}
              extra={<Typography.Text type="secondary">{t('sit.yesterdayN', { n: formatCount(data.areas.liftedYesterday, lang) })}</Typography.Text>}
            />,
            'al',
          )}
          {cell(
            <Figure
              id="areas-current"
              label="sit.areasCurrent"
              help="sit.areasCurrent.help"
              value={data.areas.current.high + data.areas.current.medium + data.areas.current.low}
              link="/zoning/map"
              asOf={asOf}
              extra={
                <span>
                  <Tag color="red">
                    {RISK_LEVEL_LABELS.high[lang === 'en' ? 'en' : 'zh']} {data.areas.current.high}
                  </Tag>
                  <Tag color="orange">
                    {RISK_LEVEL_LABELS.medium[lang === 'en' ? 'en' : 'zh']} {data.areas.current.medium}
                  </Tag>
                  <Tag color="blue">
                    {RISK_LEVEL_LABELS.low[lang === 'en' ? 'en' : 'zh']} {data.areas.current.low}
                  </Tag>
                </span>
              }
            />,
            'ac',
          )}
        </Section>
      )}
      <Section title={t('sit.work')} testId="sit-work">
        {data.testing !== undefined && (
          <Col xs={24} sm={16} xl={8}>
            <Card size="small" data-testid="sit-testing">
              <Typography.Text type="secondary">{t('sit.testing')}</Typography.Text>{' '}
              <Tooltip title={`${t('sit.testing.help')} · ${t('sit.asOf', { time: formatTime(asOf, lang) })}`}>
                <InfoCircleOutlined style={{ color: 'rgba(0,0,0,0.55)' }} aria-label={t('sit.testing.help')} />
              </Tooltip>
              {data.testing ? (
                <div>
                  <Link to={`/testing/campaigns/${data.testing.campaignId}`}>{data.testing.name}</Link>
                  {data.testing.overdue && (
                    <Tag color="red" style={{ marginLeft: 8 }}>
                      {t('sit.testingOverdue')}
                    </Tag>
                  )}
                  <Progress percent={data.testing.percent} size="small" data-testid="sit-testing-progress" />
                  <Typography.Text type="secondary">
                    {t('sit.testingFigures', {
                      sampled: formatCount(data.testing.sampled, lang),
                      target: formatCount(data.testing.target, lang),
                      deadline: formatTime(data.testing.deadline, lang),
                    })}
                  </Typography.Text>
                </div>
              ) : (
                <div>{t('sit.noRound')}</div>
              )}
            </Card>
          </Col>
        )}
        {data.overdue.tasks !== null &&
          cell(
            <Figure
              id="overdue-tasks"
              label="sit.overdueTasks"
              help="sit.overdueTasks.help"
              value={data.overdue.tasks}
              link="/tasks?box=all&overdue=1"
              danger
              asOf={asOf}
            />,
            'ot',
          )}
        {data.overdue.releases !== null &&
          cell(
            <Figure
              id="overdue-releases"
              label="sit.overdueReleases"
              help="sit.overdueReleases.help"
              value={data.overdue.releases}
              link="/quarantine/stays"
              danger
              asOf={asOf}
            />,
            'or',
          )}
      </Section>
    </div>
  );
}
