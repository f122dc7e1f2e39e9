import { MESSAGES, type MessageKey } from '../../../common/i18n.js';
import { ApiError } from '../../app/http.js';
import { useI18n } from '../../app/i18n.js';
import { useErrorText } from '../../components/error-alert.js';

/** Words quarantine refusals in the interface language; unknown codes show the server's message. */
export function useQuarantineErrorText(): (err: unknown) => string {
  const base = useErrorText();
  const { t } = useI18n();
  return (err) => {
    if (err instanceof ApiError) {
      const k = `quarantine.error.${err.code}`;
      if (k in MESSAGES) return t(k as MessageKey);
    }
    return base(err);
  };
}
