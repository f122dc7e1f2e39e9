import type { Pair } from '../i18n-pair.js';

/** UI words of the zoning module, [Chinese, English]. Keys start with a module prefix. */
export const ZONING_MESSAGES = {
} as const satisfies Record<string, Pair>;
