import { MESSAGES, type Lang, type MessageKey } from '../../common/i18n.js';
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

/** `<module>.error.<CODE>` keys of the dictionary by code (the first module's wording when two share a code). */
const MODULE_ERRORS = new Map<string, MessageKey>();
for (const k of Object.keys(MESSAGES) as MessageKey[]) {
  const code = /\.error\.([A-Z][A-Z0-9_]*)$/.exec(k)?.[1];
  if (code && !MODULE_ERRORS.has(code)) MODULE_ERRORS.set(code, k);
}

/** A status's own words, for a server message that has no Chinese half (never English in the Chinese interface). */
const BY_STATUS: Record<number, MessageKey> = {
  403: 'error.forbidden',
  404: 'error.notFound',
  409: 'error.conflict',
  400: 'error.validation',
  503: 'error.overloaded',
};

/** What to tell a person about an error. */
export function errorText(err: unknown, t: (k: MessageKey) => string, lang: Lang): string {
  if (!(err instanceof ApiError)) return t('error.generic');
  const key = KNOWN[err.code] ?? MODULE_ERRORS.get(err.code);
  if (key) return t(key);
  if (err.code.startsWith('HTTP_') || !err.message) return `${t('error.generic')} (${err.status})`;
  // A message in English only (`Cluster not found`) is not shown in the Chinese interface.
  if (lang !== 'en' && !/[\u4e00-\u9fff]/.test(err.message)) return BY_STATUS[err.status] ? t(BY_STATUS[err.status]!) : `${t('error.generic')} (${err.status})`;
  return pickMessageHalf(err.message, lang);
}
