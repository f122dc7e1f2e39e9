import type { Pair } from '../i18n-pair.js';

/** UI words of the quarantine module, [Chinese, English]. Keys start with a module prefix. */
export const QUARANTINE_MESSAGES = {
} as const satisfies Record<string, Pair>;
