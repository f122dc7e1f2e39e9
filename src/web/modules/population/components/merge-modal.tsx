import { Alert, Form, Input, Modal, Select, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { exactIdentifierKind } from '../../../../common/person-search.js';
import { checkReason, REASON_MAX_CHARS } from '../../../../common/reason.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { useErrorText } from '../../../components/error-alert.js';
import { personsApi } from '../../persons/api.js';
import { populationApi, type PersonDetail } from '../api.js';

interface Props {
  open: boolean;
  person: PersonDetail;
  onClose(): void;
  onMerged(into: PersonDetail): void;
}

/**
 * Merges a non-resident record into the resident it turned out to be (journaled; both histories
 * stay; the stricter control status is kept). The resident is found with the person search
 * (name, pinyin initials, or an exact full ID number); a reason is required.
 */
/** The purpose journaled when the merge target is looked up by a full ID number (a disclosure). */
const MERGE_SEARCH_PURPOSE = '查找要合并到的人员记录 · Finding the record to merge into';

export function MergeModal({ open, person, onClose, onMerged }: Props) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ intoPersonId: string; reason: string }>();
  const [q, setQ] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const found = useRemote(
    (signal) =>
      q.length >= 1
        ? personsApi.list({ q, pageSize: 20, purpose: exactIdentifierKind(q) ? MERGE_SEARCH_PURPOSE : undefined }, signal)
        : Promise.resolve({ items: [], total: 0 }),
    [q],
  );
  const options = useMemo(
    () =>
      (found.data?.items ?? [])
        .filter((p) => p.resident && p.id !== person.id)
        .map((p) => ({ value: p.id, label: `${p.name} · ${p.idNumberMasked} · ${p.address?.text ?? p.location.text}` })),
    [found.data, person.id],
  );

  const submit = async () => {
    // Invalid fields are shown on the form itself.
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      await populationApi.merge(person.id, v.intoPersonId, v.reason.trim());
      onMerged(await populationApi.get(v.intoPersonId));
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('population.mergeTitle', { name: person.name })}
      okText={t('population.merge')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, danger: true }}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('population.mergeHint')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="merge-error" />}
      <Form form={form} layout="vertical" preserve={false} data-testid="merge-form">
        <Form.Item name="intoPersonId" label={t('population.mergeTarget')} rules={[{ required: true, message: t('population.mergeTargetRequired') }]}>
          <Select
            showSearch={{ filterOption: false, onSearch: (v) => setQ(v.trim()) }}
            placeholder={t('population.mergeTargetPlaceholder')}
            options={options}
            loading={found.loading && !!q}
            notFoundContent={q ? t('common.noData') : null}
            data-testid="merge-target"
          />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('common.reason')}
          rules={[
            { required: true, whitespace: true, message: t('person.reasonRule') },
            {
              validator: async (_, v: string) => {
                if (v?.trim() && !checkReason(v).ok) throw new Error(t('person.reasonRule'));
              },
            },
          ]}
        >
          <Input.TextArea rows={3} maxLength={REASON_MAX_CHARS} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
