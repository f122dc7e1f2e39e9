import { Alert, Button } from 'antd';
import { errorText } from '../app/errors.js';
import { useI18n } from '../app/i18n.js';

/** An error from a load, worded for a person, with a retry button when one is given. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, lang } = useI18n();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      title={errorText(error, t, lang)}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
      style={{ marginBottom: 16 }}
    />
  );
}

/** A hook returning a function that words an error for `message.error(...)`. */
export function useErrorText(): (err: unknown) => string {
  const { t, lang } = useI18n();
  return (err) => errorText(err, t, lang);
}
