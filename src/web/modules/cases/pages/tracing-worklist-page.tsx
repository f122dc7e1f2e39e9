import { Card, Empty, List, Skeleton, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import type { MessageKey } from '../../../../common/i18n.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useLiveEvent } from '../../../app/live.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { Shortcuts } from '../../../components/shortcuts.js';
import { tracerWorklistApi, type TracerWorkItem } from '../worklist-api.js';

const MEASURE: Record<TracerWorkItem['measure'], MessageKey> = {
  coreInvestigation: 'worklist.tracing.measure.coreInvestigation',
  closeContactsIdentified: 'worklist.tracing.measure.closeContactsIdentified',
  contactToQuarantine: 'worklist.tracing.measure.contactToQuarantine',
};

/**
 * The tracer's worklist (流调工作台, issue 16): open cases whose core investigation or close contacts are
 * not yet recorded and contacts awaiting placement, earliest speed-target deadline first, each opening
 * its case. Cards, one column on a phone.
 */
export function TracingWorklistPage(_: PageProps) {
  const { t, lang } = useI18n();
  const r = useRemote((signal) => tracerWorklistApi.worklist(signal), []);
  useLiveEvent(['task.changed', 'system.clock.changed'], () => r.reload());
  const d = r.data;
  const kindLabel = (x: TracerWorkItem) =>
    t(x.kind === 'case' ? 'worklist.tracing.case' : x.category === 'secondary' ? 'worklist.tracing.contact.secondary' : 'worklist.tracing.contact.close');

  return (
    <div data-testid="tracing-worklist">
      <Typography.Title level={3} className="bw-page-title">
        {t('worklist.tracing.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('worklist.tracing.note')}</Typography.Paragraph>
      <Shortcuts paths={['/cases', '/clusters', '/companions', '/quarantine/stays', '/quarantine/travellers', '/tasks']} />
      <ErrorAlert error={r.error} onRetry={r.reload} />
      {!d ? (
        <Skeleton active />
      ) : (
        <>
          {d.truncated && <Typography.Paragraph type="warning">{t('landing.truncated')}</Typography.Paragraph>}
          <List
            grid={{ gutter: 12, xs: 1, sm: 1, md: 2, xl: 3 }}
            dataSource={d.items}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('landing.none')} /> }}
            renderItem={(x) => (
              <List.Item>
                <Card
                  size="small"
                  data-testid="tracing-item"
                  title={
                    <Link to={`/cases/${encodeURIComponent(x.caseId)}`}>
                      {kindLabel(x)} · {x.nameMasked}
                    </Link>
                  }
                  extra={x.overdue ? <Tag color="red">{t('landing.overdue')}</Tag> : null}
                >
                  {x.jurisdictionName && <div>{x.jurisdictionName}</div>}
                  <div>{t(MEASURE[x.measure], { hours: x.targetHours })}</div>
                  <Typography.Text type={x.overdue ? 'danger' : 'secondary'}>{t('landing.due', { time: formatTime(x.dueAt, lang) })}</Typography.Text>
                </Card>
              </List.Item>
            )}
          />
        </>
      )}
    </div>
  );
}
