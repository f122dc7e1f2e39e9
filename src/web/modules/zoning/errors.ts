import { MESSAGES, type MessageKey } from '../../../common/i18n.js';
import { ApiError } from '../../app/http.js';
import { useI18n } from '../../app/i18n.js';
import { useErrorText } from '../../components/error-alert.js';

/** The dictionary key wording a zoning error code, if there is one. */
function keyOf(code: string): MessageKey | undefined {
  const k = `zoning.error.${code}`;
  return k in MESSAGES ? (k as MessageKey) : undefined;
}

/** Words zoning refusals in the interface language; unknown codes show the server's message. */
export function useZoningErrorText(): (err: unknown) => string {
  const base = useErrorText();
  const { t } = useI18n();
  return (err) => {
    if (err instanceof ApiError) {
      const k = keyOf(err.code);
      return k ? t(k) : base(err);
    }
    return base(err);
  };
}
