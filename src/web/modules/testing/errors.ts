import { MESSAGES, type MessageKey } from '../../../common/i18n.js';
import { pickMessageHalf } from '../../app/errors.js';
import { ApiError } from '../../app/http.js';
import { useI18n } from '../../app/i18n.js';
import { useErrorText } from '../../components/error-alert.js';

/** The dictionary key wording a testing error code, if there is one. */
function keyOf(code: string): MessageKey | undefined {
  const k = `testing.error.${code}`;
  return k in MESSAGES ? (k as MessageKey) : undefined;
}

/**
 * Words testing refusals in the interface language: ApiErrors, and the `{ code, message }` of a
 * rejected batch item or report row. Unknown codes show the server's message.
 */
export function useTestingErrorText(): (err: unknown) => string {
  const base = useErrorText();
  const { t, lang } = useI18n();
  return (err) => {
    if (err instanceof ApiError) {
      // Another activation of the campaign is under way (on this or another server).
      if (err.code === 'CAMPAIGN_NOT_PLANNED' && (err.details as { status?: string } | null)?.status === 'activating')
        return t('testing.error.CAMPAIGN_ACTIVATING');
      const k = keyOf(err.code);
      return k ? t(k) : base(err);
    }
    if (err && typeof err === 'object' && 'code' in err) {
      const e = err as { code: string | null; message?: string | null };
      const k = e.code ? keyOf(e.code) : undefined;
      if (k) return t(k);
      return pickMessageHalf(e.message ?? e.code ?? '', lang);
    }
    return base(err);
  };
}
