import type { MessageKey } from '../../common/i18n.js';

/** A span of time for people: "3 小时 12 分" / "3 h 12 min", or minutes alone under an hour. */
export function formatDuration(ms: number, t: (key: MessageKey, params?: Record<string, string | number>) => string): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? t('duration.hm', { h, m }) : t('duration.m', { m });
}
