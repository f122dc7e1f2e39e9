import { App, Form, Input, Modal, Radio, Typography } from 'antd';
import { useState } from 'react';
import type { CaseDto, CaseKind } from '../../../../common/cases.js';
import { useI18n } from '../../../app/i18n.js';
import { useErrorText } from '../../../components/error-alert.js';
import { casesApi, type RecheckDto } from '../api.js';
import { CASE_LIMITS } from '../../../../common/cases.js';

interface Props {
  recheck: RecheckDto | null;
  onCancel(): void;
  onDone(c: CaseDto): void;
}

/**
 * THE confirmation flow (复核阳性确认): a positive single-tube recheck becomes a confirmed or
 * asymptomatic case; the pool tube, the recheck and the case stay linked on the server.
 */
export function ConfirmRecheckModal({ recheck, onCancel, onDone }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ kind: CaseKind; onsetDate?: string; reason: string }>();
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      open={!!recheck}
      title={t('cases.confirm.title')}
      okText={t('cases.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'confirm-submit' } as never}
      destroyOnHidden
      onCancel={onCancel}
      onOk={async () => {
        if (!recheck) return;
        const v = await form.validateFields();
        setBusy(true);
        try {
          const c = await casesApi.confirm({ handoverId: recheck.id, kind: v.kind, onsetDate: v.onsetDate || null, reason: v.reason.trim() });
          message.success(t('cases.confirm.done'));
          onDone(c);
        } catch (err) {
          message.error(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      {recheck && (
        <Typography.Paragraph>
          {recheck.nameMasked} · {t('cases.recheckTube')} {recheck.tubeId.slice(-8)}
        </Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ kind: 'confirmed' }} data-testid="confirm-form">
        <Form.Item name="kind" label={t('cases.confirm.kind')} rules={[{ required: true }]}>
          <Radio.Group options={(['confirmed', 'asymptomatic'] as const).map((k) => ({ value: k, label: t(`cases.kind.${k}`) }))} data-testid="confirm-kind" />
        </Form.Item>
        <Form.Item name="onsetDate" label={t('cases.onsetDate')}>
          <Input type="date" data-testid="confirm-onset" />
        </Form.Item>
        <Form.Item name="reason" label={t('cases.reason')} rules={[{ required: true, whitespace: true, message: t('common.reasonRequired') }]}>
          <Input.TextArea rows={2} maxLength={CASE_LIMITS.reason} data-testid="confirm-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
