import { Space, Tag, Tooltip, Typography } from 'antd';
import { Link } from 'react-router-dom';
import type { CaseKind, ClusterStatus, DetectionChannel, SpeedAggregate, SpeedKey, SpeedMeasure } from '../../../../common/cases.js';
import { CONTROL_STATUS_LABELS, type ControlStatus } from '../../../../common/control.js';
import { useI18n } from '../../../app/i18n.js';

const hours = (h: number) => (Math.round(h * 10) / 10).toString();

/** A case's kind: red for confirmed, orange for asymptomatic. */
export function KindTag({ kind }: { kind: CaseKind }) {
  const { t } = useI18n();
  return <Tag color={kind === 'confirmed' ? 'red' : 'orange'}>{t(`cases.kind.${kind}`)}</Tag>;
}

/** 管控内 (green: the response was ahead) / 社会面 (volcano: found in the community). */
export function ChannelTag({ channel }: { channel: DetectionChannel }) {
  const { t } = useI18n();
  return (
    <Tag color={channel === 'in_control' ? 'green' : 'volcano'} data-testid="channel-tag">
      {t(`cases.channel.${channel}`)}
    </Tag>
  );
}

export function ClusterStatusTag({ status }: { status: ClusterStatus }) {
  const { t } = useI18n();
  return <Tag color={status === 'active' ? 'red' : status === 'contained' ? 'gold' : 'default'}>{t(`clusters.status.${status}`)}</Tag>;
}

/** A control status label (管控状态), or the raw value when it is not one. */
export function ControlLabel({ status }: { status: string | null }) {
  const { label } = useI18n();
  if (!status) return <>—</>;
  const l = CONTROL_STATUS_LABELS[status as ControlStatus];
  return <Tag color={status.startsWith('quarantined') ? 'purple' : undefined}>{l ? label(l) : status}</Tag>;
}

/** One case's speed measure: hours against the target, red when over, green when met, grey while open. */
export function SpeedCell({ k, m }: { k: SpeedKey; m: SpeedMeasure }) {
  const { t } = useI18n();
  const color = m.met === null ? undefined : m.met ? 'green' : 'red';
  return (
    <Space orientation="vertical" size={0} data-testid={`speed-${k}`} data-met={m.met === null ? 'pending' : String(m.met)}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t(`cases.speed.${k}`)}
      </Typography.Text>
      <span>
        {m.hours === null ? (
          <Tag>{t('cases.speed.pending')}</Tag>
        ) : (
          <Tag color={color}>
            {t('cases.speed.hours', { h: hours(m.hours) })} {m.met === false ? `· ${t('cases.speed.over')}` : ''}
          </Tag>
        )}
      </span>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('cases.speed.target', { h: hours(m.targetHours) })}
      </Typography.Text>
    </Space>
  );
}

/** A cluster's aggregated speed measure: mean hours vs target (red when the mean is over), and how many cases met it. */
export function SpeedAggCell({ k, m }: { k: SpeedKey; m: SpeedAggregate }) {
  const { t } = useI18n();
  const over = m.meanHours !== null && m.meanHours > m.targetHours;
  return (
    <Tooltip title={`${t(`cases.speed.${k}`)} · ${t('cases.speed.target', { h: hours(m.targetHours) })}`}>
      <Space orientation="vertical" size={0} data-testid={`agg-${k}`} data-over={String(over)}>
        {m.meanHours === null ? (
          <Tag>{t('cases.speed.pending')}</Tag>
        ) : (
          <Tag color={over ? 'red' : 'green'}>{t('cases.speed.hours', { h: hours(m.meanHours) })}</Tag>
        )}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          ≤{hours(m.targetHours)}h · {t('cases.speed.metOf', { met: m.met, n: m.measured })}
        </Typography.Text>
      </Space>
    </Tooltip>
  );
}

/** A short link to a case (first 8 characters of its id). */
export function CaseLink({ id, text }: { id: string; text?: string }) {
  return (
    <Link to={`/cases/${id}`} data-testid="case-link">
      {text ?? id.slice(-8)}
    </Link>
  );
}
