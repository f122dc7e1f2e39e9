import type { Lang, MessageKey } from '../../common/i18n.js';
import { ApiError } from './http.js';

/** Codes the interface words itself; others show the server's message. */
const KNOWN: Record<string, MessageKey> = {
  NETWORK: 'error.network',
  FORBIDDEN: 'error.forbidden',
  NOT_FOUND: 'error.notFound',
  CONFLICT: 'error.conflict',
  VALIDATION_FAILED: 'error.validation',
  OVERLOADED: 'error.overloaded',
  SESSION_EXPIRED: 'login.expired',
  UNAUTHENTICATED: 'login.expired',
  TASK_TRANSITION_INVALID: 'task.transitionInvalid',
  TASK_NOT_ASSIGNEE: 'task.notAssignee',
  ALERT_ALREADY_ACKNOWLEDGED: 'notif.alreadyAcked',
  INVALID_CREDENTIALS: 'login.invalid',
  TOTP_INVALID: 'login.totpInvalid',
};

/**
 * Server messages are often bilingual, `中文 (English)`: show the half that fits the language.
 * Single-language messages are shown as they are.
 */
export function pickMessageHalf(message: string, lang: Lang): string {
  const m = /^(.*[\u4e00-\u9fff].*?)\s*\(([^()]*[A-Za-z][^()]*)\)\s*$/.exec(message);
  if (!m) return message;
  return lang === 'en' ? m[2] : m[1];
}

/** What to tell a person about an error. */
export function errorText(err: unknown, t: (k: MessageKey) => string, lang: Lang): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  const key = KNOWN[err.code];
  if (key) return t(key);
  if (err.code.startsWith('HTTP_') || !err.message) return `${t('error.generic')} (${err.status})`;
  return pickMessageHalf(err.message, lang);
}
