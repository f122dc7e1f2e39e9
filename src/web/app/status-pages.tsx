import { Button, Result } from 'antd';
import { Link } from 'react-router-dom';
import type { MessageKey } from '../../common/i18n.js';
import { useI18n } from './i18n.js';

// The 403 and 404 pages. antd's Result carries its illustrations inline, so these live in a chunk of
// their own instead of the first download every visitor pays for (issue 16, "Weight on weak networks").

function StatusPage({ status, text }: { status: '403' | '404'; text: MessageKey }) {
  const { t } = useI18n();
  return (
    <Result
      status={status}
      title={status}
      subTitle={t(text)}
      extra={
        <Link to="/">
          <Button type="primary">{t('common.backHome')}</Button>
        </Link>
      }
    />
  );
}

export const ForbiddenPage = () => <StatusPage status="403" text="common.forbidden" />;
export const NotFoundPage = () => <StatusPage status="404" text="common.notFound" />;
