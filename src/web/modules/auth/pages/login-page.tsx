import { LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { errorText } from '../../../app/errors.js';
import { formatTime } from '../../../app/format.js';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import { landingPath } from '../../../app/landing.js';
import { useSession } from '../../../app/session.js';
import { LanguageSwitch } from '../../../components/language-switch.js';
import { IDENTITY_LIMITS } from '../../../../common/limits.js';

interface Values {
  username: string;
  password: string;
  totp?: string;
}

/**
 * Sign-in: username and password; the authenticator code field appears when the server answers
 * TOTP_REQUIRED. Says why sign-in failed (wrong credentials, locked until when, too many tries)
 * and, after a session ended, that it expired.
 */
export function LoginPage() {
  const { t, lang } = useI18n();
  const { status, expired, login } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [needTotp, setNeedTotp] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from;
  const target = from && from.startsWith('/') && !from.startsWith('/login') ? from : '/';

  if (status === 'signed-in') return <Navigate to={target} replace />;

  const describe = (err: unknown): string => {
    if (!(err instanceof ApiError)) return t('error.generic');
    const d = (err.details ?? {}) as { until?: number; retryAfter?: number };
    switch (err.code) {
      case 'ACCOUNT_LOCKED':
        return d.until ? t('login.locked', { until: formatTime(d.until, lang) }) : t('login.lockedNoTime');
      case 'RATE_LIMITED':
        return t('login.rateLimited', { seconds: d.retryAfter ?? 60 });
      default:
        return errorText(err, t, lang);
    }
  };

  const onFinish = async (v: Values) => {
    setBusy(true);
    setProblem(null);
    try {
      const me = await login({ username: v.username.trim(), password: v.password, ...(v.totp ? { totp: v.totp.trim() } : {}) });
      // Each role lands on its work (issue 16); a page asked for before signing in still wins.
      navigate(target === '/' ? landingPath(me.roles) : target, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'TOTP_REQUIRED') {
        setNeedTotp(true);
        setProblem(null);
      } else setProblem(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="bw-login">
      <a className="bw-skip" href="#bw-main">
        {t('top.skip')}
      </a>
      <nav aria-label={t('top.nav')} className="bw-login-lang">
        <LanguageSwitch />
      </nav>
      {/* A plain panel, not antd's Card: Card pulls in Tabs and Menu, a fifth of the sign-in page's weight. */}
      <main className="bw-login-card" id="bw-main" tabIndex={-1}>
        <Typography.Title level={1} className="bw-login-title">
          {t('app.shortName')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('login.subtitle')}</Typography.Paragraph>
        {expired && !problem && <Alert type="warning" showIcon title={t('login.expired')} style={{ marginBottom: 16 }} data-testid="login-expired" />}
        {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 16 }} data-testid="login-error" />}
        <Form<Values> layout="vertical" onFinish={onFinish} requiredMark={false} disabled={busy}>
          <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('common.required') }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('common.required') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          {needTotp && (
            <Form.Item
              name="totp"
              label={t('login.totp')}
              extra={t('login.totpHint')}
              rules={[{ required: true, pattern: /^\d{6}$/, message: t('login.totpHint') }]}
            >
              <Input prefix={<SafetyOutlined />} inputMode="numeric" autoComplete="one-time-code" maxLength={IDENTITY_LIMITS.totp} autoFocus />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('login.submit')}
          </Button>
        </Form>
      </main>
    </div>
  );
}
