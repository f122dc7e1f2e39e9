import type { Lang } from '../../common/i18n.js';

/**
 * Times are shown in the city's time zone (the platform's default BULWARK_TZ), whatever the
 * browser's own zone: a deadline means the same minute for every unit reading it.
 */
export const PLATFORM_TZ = 'Asia/Shanghai';

const locale = (lang: Lang) => (lang === 'en' ? 'en-GB' : 'zh-CN');

const timeParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: PLATFORM_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * THE date and time format of the interface, in both languages: `2026-11-29 14:05` (a calendar day
 * alone is written `2026-11-29`, as days travel: one format everywhere, issue 16). Never an ISO
 * timestamp with its `T`, never the locale's `2026/11/29` beside a `2026-11-29`.
 */
export function formatTime(ms: number | null | undefined, _lang?: Lang): string {
  if (ms === null || ms === undefined) return '—';
  const p = Object.fromEntries(timeParts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A count with group separators (12,345). */
export function formatCount(n: number | null | undefined, lang: Lang): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(locale(lang)).format(n);
}
