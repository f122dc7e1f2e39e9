import type { Pair } from '../i18n-pair.js';

/** UI words of the cases module, [Chinese, English]. Keys start with a module prefix. */
export const CASES_MESSAGES = {
} as const satisfies Record<string, Pair>;
