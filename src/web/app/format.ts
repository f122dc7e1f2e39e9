import type { Lang } from '../../common/i18n.js';

/**
 * Times are shown in the city's time zone (the platform's default BULWARK_TZ), whatever the
 * browser's own zone: a deadline means the same minute for every unit reading it.
 */
export const PLATFORM_TZ = 'Asia/Shanghai';

const locale = (lang: Lang) => (lang === 'en' ? 'en-GB' : 'zh-CN');

/** `2026-11-29 14:05` style date and time of an epoch-ms instant. */
export function formatTime(ms: number | null | undefined, lang: Lang): string {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: PLATFORM_TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(ms));
}

/** A count with group separators (12,345). */
export function formatCount(n: number | null | undefined, lang: Lang): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(locale(lang)).format(n);
}
