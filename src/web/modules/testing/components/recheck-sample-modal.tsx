import { Alert, App, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { uuid } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import { testingApi, type Recheck } from '../api.js';
import { useTestingErrorText } from '../errors.js';

interface Props {
  recheck: Recheck | null;
  onClose(): void;
  onDone(): void;
}

/**
 * Samples a single-tube recheck (单管复核): the new tube's barcode, and optionally the person's
 * resident code or ID number so the server checks it is the right person. One client id per
 * dialog, so a retried submit is answered `duplicate`.
 */
export function RecheckSampleModal({ recheck, onClose, onDone }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useTestingErrorText();
  const [form] = Form.useForm<{ barcode: string; person?: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [clientId, setClientId] = useState(uuid);

  const submit = async () => {
    if (!recheck) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const person = v.person?.trim();
    setBusy(true);
    setError(null);
    try {
      await testingApi.sampleRecheck(recheck.id, {
        clientId,
        barcode: v.barcode.trim().toUpperCase(),
        ...(person ? (/^BW[12]\./.test(person) ? { residentCode: person } : { idNumber: person.toUpperCase() }) : {}),
      });
      message.success(t('testing.recheckSampled'));
      setClientId(uuid());
      onDone();
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={!!recheck}
      title={recheck ? t('testing.recheckSampleTitle', { name: recheck.nameMasked }) : ''}
      okText={t('testing.recheckSample')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'recheck-sample-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      {recheck && <Typography.Paragraph type="secondary">{recheck.nameMasked}</Typography.Paragraph>}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="recheck-sample-error" />}
      <Form form={form} layout="vertical" preserve={false} data-testid="recheck-sample-form">
        <Form.Item
          name="barcode"
          label={t('testing.recheckBarcode')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: /^\s*[A-Za-z0-9]{8,20}\s*$/, message: t('sampler.badBarcode') },
          ]}
        >
          <Input autoFocus size="large" autoComplete="off" />
        </Form.Item>
        <Form.Item name="person" label={t('testing.personCode')}>
          <Input autoComplete="off" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
