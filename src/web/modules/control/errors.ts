import type { MessageKey } from '../../../common/i18n.js';
import { ApiError } from '../../app/http.js';
import { useI18n } from '../../app/i18n.js';
import { useErrorText } from '../../components/error-alert.js';

/** Status-guard refusals worded in the interface language (the server words them in English). */
const KEYS: Record<string, MessageKey> = {
  CONTROL_SELF_APPROVAL: 'control.bulk.selfApproval',
  CONTROL_BULK_NOT_PENDING: 'control.bulk.notPending',
  CONTROL_BASIS_REQUIRED: 'control.basisRequired',
  CONTROL_TRANSITION_INVALID: 'control.transitionInvalid',
  CONTROL_REVIEW_SELF_APPROVAL: 'control.review.selfApproval',
  CONTROL_REVIEW_NOT_APPROVED: 'control.review.notApproved',
  CONTROL_REVIEW_NOT_PENDING: 'control.review.notPending',
  CONTROL_REVIEW_INVALID: 'control.review.invalid',
};

/** Like useErrorText, knowing the control module's codes. */
export function useControlErrorText(): (err: unknown) => string {
  const base = useErrorText();
  const { t } = useI18n();
  return (err) => (err instanceof ApiError && KEYS[err.code] ? t(KEYS[err.code]) : base(err));
}
