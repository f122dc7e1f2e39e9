import { Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useI18n } from '../app/i18n.js';
import { rulesFor } from '../app/form-rules.js';
import { IDENTITY_LIMITS } from '../../common/limits.js';

interface Props {
  open: boolean;
  title: string;
  /** Extra fields above the reason (a new password…). */
  children?: React.ReactNode;
  danger?: boolean;
  /** The longest reason the route accepts (the identity routes' limit unless given). */
  max?: number;
  onCancel(): void;
  /** Receives every field; resolves true to close. */
  onSubmit(values: Record<string, string>): Promise<boolean>;
}

/** A confirmation that asks why (the reason goes to the journal with the change). */
export function ReasonModal({ open, title, children, danger, max = IDENTITY_LIMITS.reason, onCancel, onSubmit }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<Record<string, string>>();
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      open={open}
      title={title}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger, loading: busy }}
      destroyOnHidden
      onCancel={onCancel}
      onOk={async () => {
        const v = await form.validateFields();
        setBusy(true);
        try {
          if (await onSubmit({ ...v, reason: v.reason.trim() })) onCancel();
        } finally {
          setBusy(false);
        }
      }}
    >
      <Form form={form} layout="vertical" preserve={false}>
        {children}
        <Form.Item name="reason" label={t('common.reason')} rules={rulesFor(max, { required: true, message: t('common.reasonRequired') })}>
          <Input.TextArea rows={3} maxLength={max} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
