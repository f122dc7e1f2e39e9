import { WarningOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { formatTime } from '../../../app/format.js';
import { useServerText } from '../../../app/bilingual.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { quarantineApi } from '../api.js';
import { useQuarantineErrorText } from '../errors.js';
import { ReleaseRequests } from '../components/release-requests.js';
import { PHASE_COLORS, ReleaseModal, TestDays } from './stays-page.js';
import { PresetName } from '../../../components/preset-name.js';

/** One stay (the overdue-release alert and task link here): where, day N of M, phases, test days, release. */
export function StayDetailPage(_: PageProps) {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const text = useServerText();
  const { can } = useSession();
  const canManage = can('quarantine.manage');
  const canRelease = canManage || can('quarantine.release-early');
  const [requestsKey, setRequestsKey] = useState(0);
  const stay = useRemote((signal) => quarantineApi.stay(id, signal), [id]);
  const [releasing, setReleasing] = useState(false);
  const [transferring, setTransferring] = useState(false);
  const { message } = App.useApp();
  const errorText = useQuarantineErrorText();
  const transfer = async () => {
    setTransferring(true);
    try {
      stay.setData({ ...(await quarantineApi.transfer(id)), personNameMasked: s?.personNameMasked, facilityName: s?.facilityName, roomNumber: s?.roomNumber });
      message.success(t('quarantine.transferRecorded'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setTransferring(false);
    }
  };
  const s = stay.data;
  const fmt = (ms: number) => formatTime(ms, lang);
  return (
    <div data-testid="quarantine-stay-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('quarantine.detail')} {s?.personNameMasked ? `· ${s.personNameMasked}` : ''}
      </Typography.Title>
      <Link to="/quarantine/stays">← {t('quarantine.stays')}</Link>
      <ErrorAlert error={stay.error} onRetry={stay.reload} />
      {s && (
        <Card
          style={{ marginTop: 12 }}
          extra={
            canRelease &&
            s.status === 'active' && (
              <Button danger={s.overdue} onClick={() => setReleasing(true)} data-testid="stay-release">
                {t('quarantine.release')}
              </Button>
            )
          }
        >
          <Descriptions column={{ xs: 1, md: 2 }} bordered size="small">
            <Descriptions.Item label={t('quarantine.person')}>{s.personNameMasked ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('quarantine.place')}>
              {s.mode === 'central' ? `${s.facilityName ?? '—'} ${s.roomNumber ? `· ${t('quarantine.room')} ${s.roomNumber}` : ''}` : t('quarantine.mode.home')}
            </Descriptions.Item>
            <Descriptions.Item label={t('quarantine.dayCounter')}>
              <span data-testid="stay-detail-day">
                {s.dayCounter.ended
                  ? t('quarantine.dayEnded', { total: s.dayCounter.total })
                  : t('quarantine.dayOf', { day: s.dayCounter.day, total: s.dayCounter.total })}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('quarantine.phase')}>
              <Space size={4}>
                <Tag color={PHASE_COLORS[s.phase]}>{t(`quarantine.phase.${s.phase}`)}</Tag>
                {s.overdue && (
                  <Tag color="red" icon={<WarningOutlined />}>
                    {t('quarantine.overdue')}
                  </Tag>
                )}
                {s.resultTaskId && s.status === 'active' && <Tag color="gold">{t('quarantine.resultPending')}</Tag>}
                {s.transfer.due && (
                  <Tag color="orange" data-testid="stay-transfer-due">
                    {t('quarantine.transferDue')}
                  </Tag>
                )}
                {s.transfer.due && canManage && (
                  <Button size="small" type="primary" loading={transferring} onClick={transfer} data-testid="stay-transfer">
                    {t('quarantine.transferDone')}
                  </Button>
                )}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('quarantine.exposureDate')}>{s.exposureDay}</Descriptions.Item>
            <Descriptions.Item label={t('quarantine.endDay')}>{s.endDay}</Descriptions.Item>
            <Descriptions.Item label={t('quarantine.category')}>{t(`quarantine.category.${s.category}`)}</Descriptions.Item>
            <Descriptions.Item label={t('quarantine.preset')}>
              <PresetName label={s.preset.version} />
            </Descriptions.Item>
            <Descriptions.Item label={t('quarantine.plan')} span={2}>
              <Space orientation="vertical" size={0}>
                {s.phases.map((p) => (
                  <span key={p.phase}>
                    {t('quarantine.phaseDays', { phase: t(`quarantine.phase.${p.phase}`), days: p.days, last: p.lastDay })} · {fmt(p.endsAt)}
                  </span>
                ))}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('quarantine.testDays')} span={2}>
              <TestDays
                stay={s}
                canManage={canManage}
                onChanged={(x) => stay.setData({ ...s, ...x, personNameMasked: s.personNameMasked, facilityName: s.facilityName, roomNumber: s.roomNumber })}
              />
            </Descriptions.Item>
            <Descriptions.Item label={t('quarantine.basis')} span={2}>
              {t(`control.basis.${s.basis.type}`)} · {text(s.reason)}
            </Descriptions.Item>
            {s.placedDay && <Descriptions.Item label={t('quarantine.placedDay')}>{s.placedDay}</Descriptions.Item>}
            {s.releasedAt && (
              <Descriptions.Item label={t('quarantine.statusReleased')} span={2}>
                {fmt(s.releasedAt)} · {s.releaseReason}
                {s.releaseOverride ? ` (${t('quarantine.earlyReleased')})` : ''}
              </Descriptions.Item>
            )}
          </Descriptions>
        </Card>
      )}
      {s && <ReleaseRequests stayId={s.id} reloadKey={requestsKey} onDecided={() => stay.reload()} />}
      <ReleaseModal stay={releasing ? (s ?? null) : null} onClose={() => setReleasing(false)} onDone={() => (setRequestsKey((k) => k + 1), stay.reload())} />
    </div>
  );
}
