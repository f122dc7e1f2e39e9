import { Select } from 'antd';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { controlApi } from '../api.js';

/**
 * Picks an APPROVED review record (研判记录) in the user's scope: what a `manual_review` basis must
 * name (never a free-typed or generated id). A form control (value = the record id). Other modules'
 * dialogs that cite a manual review use it too.
 */
export function ReviewSelect({ value, onChange, 'data-testid': testId }: { value?: string; onChange?(id: string): void; 'data-testid'?: string }) {
  const { t, lang } = useI18n();
  const reviews = useRemote((signal) => controlApi.reviews({ status: 'approved', limit: 200 }, signal), []);
  return (
    <Select
      value={value}
      onChange={onChange}
      loading={reviews.loading}
      placeholder={t('control.review.pick')}
      notFoundContent={t('control.review.none')}
      showSearch={{ optionFilterProp: 'label' }}
      options={(reviews.data?.items ?? []).map((r) => ({ value: r.id, label: `${r.subject} · ${r.reviewer.name} · ${formatTime(r.createdAt, lang)}` }))}
      data-testid={testId}
    />
  );
}
