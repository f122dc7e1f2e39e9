import { Alert, Card, Descriptions, Empty, Space, Tag, Timeline, Typography } from 'antd';
import { formatTime } from '../../../app/format.js';
import { useServerText } from '../../../app/bilingual.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { controlApi, type Basis, type Explanation } from '../api.js';
import { StatusTag } from './status-tag.js';
import { usePresetName } from '../../../components/preset-name.js';
import { useActorName } from '../../../app/actor-name.js';
import { Link } from 'react-router-dom';
import { casesApi } from '../../cases/api.js';
import { testingApi } from '../../testing/api.js';
import { zoningApi } from '../../zoning/api.js';

/**
 * What a basis names, as people know it: a tube's barcode, a case's masked name and report day, a risk
 * area's name, a review record's subject; null for the other kinds (their type says enough). Never the
 * record's id.
 */
async function basisName(basis: Basis, signal: AbortSignal): Promise<string | null> {
  try {
    if (basis.type === 'tube' || basis.type === 'recheck') return (await testingApi.tube(basis.id, signal)).barcode;
    if (basis.type === 'case') {
      const c = await casesApi.get(basis.id, signal);
      return `${c.nameMasked}（${c.reportDate}）`;
    }
    if (basis.type === 'risk_area') return (await zoningApi.area(basis.id, signal)).name;
    if (basis.type === 'manual_review') return (await controlApi.review(basis.id, signal)).subject;
  } catch {
    // Not readable by this user (another district's record): the type alone.
  }
  return null;
}

/** Where a basis record can be opened, if it has a page. */
const basisLink = (basis: Basis): string | null =>
  basis.type === 'tube' || basis.type === 'recheck'
    ? `/testing/tubes/${basis.id}`
    : basis.type === 'case'
      ? `/cases/${basis.id}`
      : basis.type === 'risk_area'
        ? `/zoning/areas/${basis.id}`
        : null;

/** `阳性采样管 · YC0001234` (the barcode, the case or the area; never the record's id). */
export function BasisText({ basis }: { basis: Basis }) {
  const { t } = useI18n();
  const name = useRemote((signal) => basisName(basis, signal), [basis.type, basis.id]);
  const link = basisLink(basis);
  const text = name.data ? <Typography.Text code={basis.type === 'tube' || basis.type === 'recheck'}>{name.data}</Typography.Text> : null;
  return (
    <span data-testid="control-basis" data-basis-type={basis.type}>
      {t(`control.basis.${basis.type}`)}
      {text && <> · {link ? <Link to={link}>{text}</Link> : text}</>}
    </span>
  );
}

/**
 * "Why is this person under a measure": the current status with its basis and reason, then every
 * change, oldest first (the basis chain), with who made it, how (automatic / manual / bulk with its
 * approver) and the journal entry that records it.
 */
export function ControlStatusCard({ personId, reloadKey, extra }: { personId: string; reloadKey?: number; extra?: React.ReactNode }) {
  const { t, lang } = useI18n();
  const text = useServerText();
  const presetName = usePresetName();
  const actorName = useActorName();
  const ex = useRemote((signal) => controlApi.explain(personId, signal), [personId, reloadKey]);
  const e: Explanation | undefined = ex.data;
  return (
    <Card title={t('control.why')} extra={extra} loading={ex.loading && !e} data-testid="control-card">
      <ErrorAlert error={ex.error} onRetry={ex.reload} />
      {e && (
        <Space orientation="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('control.status')}>
              <Space size={4}>
                <StatusTag status={e.status} />
                {e.presetVersion && <Tag>{t('control.preset', { version: presetName(e.presetVersion) })}</Tag>}
              </Space>
            </Descriptions.Item>
            {e.basis && (
              <Descriptions.Item label={t('control.basis')}>
                <BasisText basis={e.basis} />
              </Descriptions.Item>
            )}
            {e.reason && <Descriptions.Item label={t('common.reason')}>{text(e.reason)}</Descriptions.Item>}
            {e.since !== null && <Descriptions.Item label={t('control.since')}>{formatTime(e.since, lang)}</Descriptions.Item>}
            {e.endsAt !== null && <Descriptions.Item label={t('control.endsAt')}>{formatTime(e.endsAt, lang)}</Descriptions.Item>}
          </Descriptions>
          {e.status === 'none' && !e.history.length && <Alert type="success" showIcon title={t('control.whyNone')} />}
          {(e.history.length > 0 || e.status !== 'none') && (
            <Typography.Title level={5} style={{ margin: 0 }}>
              {t('control.history')}
            </Typography.Title>
          )}
          {e.history.length === 0 ? (
            e.status !== 'none' && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('control.noHistory')} />
          ) : (
            <Timeline
              data-testid="control-history"
              items={e.history.map((c) => ({
                key: c.id,
                color: c.to === 'none' || c.to === 'released' ? 'green' : 'red',
                content: (
                  <div data-testid="control-change" data-to={c.to}>
                    <Space wrap size={4}>
                      <StatusTag status={c.from} />→<StatusTag status={c.to} />
                      <Tag>{t(`control.mode.${c.mode}`)}</Tag>
                    </Space>
                    <div>
                      {t('control.basis')}：<BasisText basis={c.basis} />
                    </div>
                    <div>
                      {t('common.reason')}：{text(c.reason)}
                    </div>
                    {c.endsAt !== null && (
                      <div>
                        {t('control.endsAt')}：{formatTime(c.endsAt, lang)}
                      </div>
                    )}
                    {c.bulkRequest && (
                      <div>{t('control.approvedBy', { requester: c.bulkRequest.requestedBy.name, approver: c.bulkRequest.approvedBy?.name ?? '—' })}</div>
                    )}
                    <Typography.Text type="secondary">
                      {t('control.changeBy', { actor: actorName(c.actor), at: formatTime(c.at, lang) })} · {t('control.journalSeq', { seq: c.journalSeq })}
                    </Typography.Text>
                  </div>
                ),
              }))}
            />
          )}
        </Space>
      )}
    </Card>
  );
}
