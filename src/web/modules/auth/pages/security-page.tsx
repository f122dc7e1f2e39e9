import { SafetyOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { authApi } from '../api.js';
import { IDENTITY_LIMITS } from '../../../../common/limits.js';

/**
 * Two-factor sign-in for the signed-in user: enrolling asks for the password again (a stolen
 * session is not enough to bind someone else's authenticator), shows the secret once, and turns the
 * factor on only after a current code from the app.
 */
export function SecurityPage(_props: PageProps) {
  const { t } = useI18n();
  const { me, refresh } = useSession();
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title={
        <Space>
          <SafetyOutlined />
          {t('security.title')}
        </Space>
      }
      style={{ maxWidth: 640 }}
    >
      {me?.totpEnabled ? (
        <Alert type="success" showIcon title={t('security.totpOn')} data-testid="totp-on" />
      ) : secret ? (
        <Form
          layout="vertical"
          onFinish={(v: { code: string }) =>
            run(async () => {
              await authApi.confirmTotp(v.code.trim());
              setSecret(null);
              await refresh();
            })
          }
        >
          <Typography.Paragraph>{t('security.scan')}</Typography.Paragraph>
          <Typography.Paragraph copyable={{ text: secret.secret }} code data-testid="totp-secret">
            {secret.secret}
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary" copyable={{ text: secret.otpauthUrl }}>
            {t('security.copyLink')}
          </Typography.Paragraph>
          <Form.Item name="code" label={t('login.totp')} rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('login.totpHint') }]}>
            <Input inputMode="numeric" autoComplete="one-time-code" maxLength={IDENTITY_LIMITS.totp} data-testid="totp-code" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('security.confirm')}
          </Button>
        </Form>
      ) : (
        <Form layout="vertical" onFinish={(v: { currentPassword: string }) => run(async () => setSecret(await authApi.enrolTotp(v.currentPassword)))}>
          <Typography.Paragraph>{t('security.intro')}</Typography.Paragraph>
          <Form.Item name="currentPassword" label={t('security.currentPassword')} rules={[{ required: true, message: t('security.currentPassword') }]}>
            <Input.Password autoComplete="current-password" data-testid="totp-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="totp-enrol">
            {t('security.enrol')}
          </Button>
        </Form>
      )}
      <div style={{ marginTop: 12 }}>
        <ErrorAlert error={error} />
      </div>
    </Card>
  );
}
