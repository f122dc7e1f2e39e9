import { InfoCircleOutlined } from '@ant-design/icons';
import { Tooltip } from 'antd';
import { formatTime } from '../app/format.js';
import { useI18n } from '../app/i18n.js';

/**
 * The title of a figure on a summary card (issue 16): its label, and a tooltip saying what it counts
 * and as of when (the time the server read it, or the time the page loaded it). `asOf` is left out
 * only for a figure that is not live data (the report of one import).
 */
export function FigureTitle({ label, help, asOf }: { label: string; help: string; asOf?: number }) {
  const { t, lang } = useI18n();
  const tip = asOf === undefined || asOf === 0 ? help : `${help} · ${t('sit.asOf', { time: formatTime(asOf, lang) })}`;
  return (
    <span>
      {label}{' '}
      <Tooltip title={tip}>
        <InfoCircleOutlined style={{ color: 'rgba(0,0,0,0.55)' }} aria-label={tip} data-testid="figure-help" />
      </Tooltip>
    </span>
  );
}
