import { Tag } from 'antd';
import { useI18n } from '../../../app/i18n.js';
import { STATUS_COLORS, type ControlStatus } from '../api.js';

/** A control status as a coloured tag (stricter measures are redder). */
export function StatusTag({ status }: { status: ControlStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status]} data-testid="control-status" data-status={status}>
      {t(`control.status.${status}`)}
    </Tag>
  );
}
