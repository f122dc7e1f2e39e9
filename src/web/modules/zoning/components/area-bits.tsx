import { WarningOutlined } from '@ant-design/icons';
import { Space, Tag, Tooltip, Typography } from 'antd';
import {
  AREA_STATUS_LABELS,
  MEASURE_LABELS,
  RISK_LEVEL_LABELS,
  type ActorStampDto,
  type AreaStatus,
  type LiftingScheduleDto,
  type MeasureKind,
  type RiskLevel,
} from '../../../../common/zoning.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { zoningApi } from '../api.js';
import { pickHalf } from '../../../app/bilingual.js';
import { splitDuration } from '../clock.js';
import { LEVEL_TAG_COLORS } from '../levels.js';

/** A risk level as a coloured tag. */
export function LevelTag({ level }: { level: RiskLevel | 'lifted' }) {
  const { t, label } = useI18n();
  if (level === 'lifted') return <Tag color="green">{t('zoning.lifted')}</Tag>;
  return (
    <Tag color={LEVEL_TAG_COLORS[level]} data-testid="area-level" data-level={level}>
      {label(RISK_LEVEL_LABELS[level])}
    </Tag>
  );
}

const STATUS_COLORS: Record<AreaStatus, string> = { proposed: 'processing', published: 'red', lifted: 'green', rejected: 'default' };

export function StatusTag({ status }: { status: AreaStatus }) {
  const { label } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status]} data-testid="area-status" data-status={status}>
      {label(AREA_STATUS_LABELS[status])}
    </Tag>
  );
}

export function MeasureTags({ measures }: { measures: readonly MeasureKind[] }) {
  const { label, t } = useI18n();
  if (!measures.length) return <Typography.Text type="secondary">{t('common.none')}</Typography.Text>;
  return (
    <Space size={[0, 4]} wrap>
      {measures.map((m) => (
        <Tag key={m}>{label(MEASURE_LABELS[m], m)}</Tag>
      ))}
    </Space>
  );
}

/** Who did it and when (`市指挥长 · 2026-11-29 14:05`). */
export function Stamp({ stamp }: { stamp: ActorStampDto | null }) {
  const { t, lang } = useI18n();
  if (!stamp) return <>—</>;
  // A stamp left by the system names its component (demo, zoning.lifting): shown as 系统.
  return <>{t('zoning.byAt', { name: stamp.id === null ? t('zoning.system') : stamp.name || t('zoning.system'), at: formatTime(stamp.at, lang) })}</>;
}

/** A flagged marker with the detector's reason, if any. */
export function FlagMark({ flagged, justified }: { flagged: boolean; justified?: boolean }) {
  const { t } = useI18n();
  if (!flagged) return null;
  return (
    <Tooltip title={justified ? t('zoning.justified') : t('zoning.flagged')}>
      <Tag color={justified ? 'purple' : 'magenta'} icon={<WarningOutlined />} data-testid="area-flagged">
        {t('zoning.flagged')}
      </Tag>
    </Tooltip>
  );
}

/**
 * The next lifting step with a live countdown on the platform clock: what the area becomes, when,
 * what it still needs (a negative round), and "due" / "overdue" once the time has come.
 */
export function NextStep({ schedule, now, compact }: { schedule: LiftingScheduleDto | null; now: number; compact?: boolean }) {
  const { t, lang, label } = useI18n();
  if (!schedule?.next || schedule.dueAt === null) return <Typography.Text type="secondary">{t('zoning.noNextStep')}</Typography.Text>;
  const to = schedule.next.to === 'lifted' ? t('zoning.lifted') : label(RISK_LEVEL_LABELS[schedule.next.to]);
  const left = schedule.dueAt - now;
  let countdown: React.ReactNode;
  if (left > 0) {
    const d = splitDuration(left);
    countdown = (
      <Typography.Text data-testid="countdown" data-due="false">
        {t('zoning.countdownLeft', { d: d.d, h: d.h, m: d.m, s: d.s })}
      </Typography.Text>
    );
  } else if (schedule.overdue) {
    const d = splitDuration(-left);
    countdown = (
      <Typography.Text type="danger" strong data-testid="countdown" data-due="overdue">
        {t('zoning.overdue', { d: d.d, h: d.h })}
      </Typography.Text>
    );
  } else {
    countdown = (
      <Typography.Text type="warning" strong data-testid="countdown" data-due="true">
        {t('zoning.due')}
      </Typography.Text>
    );
  }
  return (
    <Space orientation="vertical" size={0} data-testid="next-step">
      <span>{t('zoning.nextStepTo', { to, at: formatTime(schedule.dueAt, lang) })}</span>
      {countdown}
      {!compact && schedule.negativeRound && (
        <Space
          orientation="vertical"
          size={0}
          data-testid="lifting-round"
          data-campaign={schedule.negativeRound.campaignId ?? ''}
          data-passed={String(schedule.negativeRound.passed)}
        >
          <Typography.Text type="secondary">
            {t('zoning.requiresNegativeRound', { day: schedule.negativeRound.dayNumber, date: schedule.negativeRound.day })}
          </Typography.Text>
          {schedule.negativeRound.campaignId ? (
            <Typography.Text type={schedule.negativeRound.passed ? 'success' : 'secondary'} data-testid="lifting-round-progress">
              {t('zoning.roundProgress', {
                target: schedule.negativeRound.target,
                sampled: schedule.negativeRound.sampled,
                negative: schedule.negativeRound.negative,
                positive: schedule.negativeRound.positive,
              })}
              {schedule.negativeRound.passed ? ` ✓ ${t('zoning.roundPassed')}` : ''}{' '}
              <a href={`/testing/campaigns/${schedule.negativeRound.campaignId}`}>{t('zoning.roundOpen')}</a>
            </Typography.Text>
          ) : (
            <Typography.Text type="secondary">{t('zoning.roundNotStarted')}</Typography.Text>
          )}
        </Space>
      )}
      {!compact && schedule.countyClear && !schedule.countyClear.clear && (
        <Typography.Text type="warning" data-testid="county-blocking">
          {t('zoning.countyBlocking', { names: schedule.countyClear.blocking.map((b) => b.name).join('、') })}
        </Typography.Text>
      )}
      {!compact && schedule.lastCase && (
        <Typography.Text type="secondary" data-testid="reset-reason">
          {t('zoning.countdownFrom')}: {pickHalf(schedule.lastCase.reason, lang)}
        </Typography.Text>
      )}
    </Space>
  );
}

/** The cases behind an area, by masked name (read from the cases API; ids when it refuses). */
export function CaseRefs({ ids }: { ids: readonly string[] }) {
  const { t } = useI18n();
  const cases = useRemote((signal) => Promise.all(ids.slice(0, 20).map((id) => zoningApi.caseBrief(id, signal).catch(() => null))), [ids.join(',')]);
  if (!ids.length) return <Typography.Text type="secondary">{t('common.none')}</Typography.Text>;
  return (
    <Space size={[0, 4]} wrap data-testid="area-basis">
      {ids.slice(0, 20).map((id, i) => {
        const c = cases.data?.[i];
        return <Tag key={id}>{c ? `${c.nameMasked} · ${c.reportDate}` : id.slice(-8)}</Tag>;
      })}
      {ids.length > 20 && <Typography.Text type="secondary">+{ids.length - 20}</Typography.Text>}
    </Space>
  );
}
