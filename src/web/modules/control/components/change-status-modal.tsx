import { Alert, App, DatePicker, Form, Input, Modal, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { ReviewSelect } from './review-select.js';
import { useI18n } from '../../../app/i18n.js';
import { BASIS_TYPES, CONTROL_STATUSES, controlApi, type BasisType, type ControlStatus } from '../api.js';
import { AREA_MEASURE_STATUSES, CONTROL_LIMITS } from '../../../../common/control.js';
import { useControlErrorText } from '../errors.js';
import { rulesFor } from '../../../app/form-rules.js';

interface Values {
  to: ControlStatus;
  basisType: BasisType;
  basisId: string;
  reason: string;
  endsAt?: Dayjs | null;
}

interface Props {
  open: boolean;
  personIds: string[];
  onClose(): void;
  /** After the server accepted the change (applied or waiting for approval). */
  onDone?(outcome: 'applied' | 'pending'): void;
}

/**
 * A manual control-status change for one or more persons through the status guard: the new
 * status, the basis it rests on (type + record id) and a reason, all required. Above the bulk
 * threshold the server keeps it as a request for a second approver (202) and the dialog says so.
 */
export function ChangeStatusModal({ open, personIds, onClose, onDone }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useControlErrorText();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const basisType = Form.useWatch('basisType', form) ?? 'manual_review';

  const submit = async () => {
    // Invalid fields are shown on the form itself.
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      const out = await controlApi.change({
        personIds,
        to: v.to,
        basis: { type: v.basisType, id: v.basisId.trim() },
        reason: v.reason.trim(),
        endsAt: v.endsAt ? v.endsAt.valueOf() : undefined,
      });
      if ('bulkRequest' in out) {
        message.info(t('control.changePending'));
        onDone?.('pending');
      } else {
        message.success(t('control.changeApplied', { n: out.applied }));
        onDone?.('applied');
      }
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
      title={t('control.changeTitle', { n: personIds.length })}
      okText={t('common.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'change-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      <Alert type="info" showIcon title={t('control.changeHint')} style={{ marginBottom: 16 }} />
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="change-error" />}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ basisType: 'manual_review' }} data-testid="change-form">
        <Form.Item name="to" label={t('control.changeTo')} rules={[{ required: true, message: t('common.required') }]}>
          <Select
            options={CONTROL_STATUSES.filter((s) => !(AREA_MEASURE_STATUSES as readonly string[]).includes(s)).map((s) => ({
              value: s,
              label: t(`control.status.${s}`),
            }))}
            data-testid="change-to"
          />
        </Form.Item>
        <Form.Item name="basisType" label={t('control.basis')} rules={[{ required: true, message: t('common.required') }]}>
          <Select
            options={BASIS_TYPES.map((b) => ({ value: b, label: t(`control.basis.${b}`) }))}
            onChange={() => form.setFieldValue('basisId', undefined)}
            data-testid="change-basis-type"
          />
        </Form.Item>
        {basisType === 'manual_review' ? (
          // A manual review is an approved review record (研判记录), never a free-typed id.
          <Form.Item name="basisId" label={t('control.review.pick')} rules={[{ required: true, message: t('common.required') }]}>
            <ReviewSelect data-testid="change-review" />
          </Form.Item>
        ) : (
          <Form.Item
            name="basisId"
            label={t('control.basisId')}
            extra={t('control.basisIdHint')}
            rules={rulesFor(CONTROL_LIMITS.basisId, { required: true, message: t('common.required') })}
          >
            <Input maxLength={CONTROL_LIMITS.basisId} />
          </Form.Item>
        )}
        <Form.Item name="reason" label={t('common.reason')} rules={rulesFor(CONTROL_LIMITS.reason, { required: true, message: t('common.reasonRequired') })}>
          <Input.TextArea rows={3} maxLength={CONTROL_LIMITS.reason} />
        </Form.Item>
        <Form.Item name="endsAt" label={t('control.endsAt')}>
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
