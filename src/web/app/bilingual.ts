import type { Lang } from '../../common/i18n.js';
import { renderMessage, type MessageParam } from '../../common/message-text.js';
import { useI18n } from './i18n.js';

/**
 * Some server texts come in both languages, Chinese first and English after it: zoning's reasons
 * (`人口比 6（…）超过阈值 3 · Population ratio 6 (36 / 6) above 3`, `区域内新增病例…重新计算 A new case …`)
 * and the alerts that modules raise (`混管阳性：YC001 · Positive pool: YC001`).
 * Shows the half for the interface language; a text without an English half is shown as it is.
 * `separatorOnly`: split only at a ` · ` followed by English (alerts, which may also be a person's own
 * words and must never be cut elsewhere).
 */
export function pickHalf(text: string, lang: Lang, o: { separatorOnly?: boolean } = {}): string {
  if (o.separatorOnly) {
    // Alerts: the first ` · ` with Chinese before it and English starting right after it (the
    // English half may quote Chinese: a masked name, a task's title).
    const at = /[\u3000-\u9fff\uff00-\uffef][^]*? · (?=[A-Za-z])/.exec(text);
    if (!at) return text;
    const dot = at.index + at[0].length - 3;
    return lang === 'en' ? text.slice(dot + 3).trim() : text.slice(0, dot).trim();
  }
  // `中文 · English`: the last separator whose right side has no Chinese.
  const dot = text.lastIndexOf(' · ');
  if (dot > 0 && /[\u3000-\u9fff]/.test(text.slice(0, dot)) && !/[\u3000-\u9fff\uff00-\uffef]/.test(text.slice(dot + 3))) {
    return lang === 'en' ? text.slice(dot + 3).trim() : text.slice(0, dot).trim();
  }
  const m = /^(.*[\u3000-\u9fff\uff00-\uffef][^A-Za-z]*?)\s*(?:·\s*)?([A-Z][^\u3000-\u9fff\uff00-\uffef]*)$/s.exec(text);
  if (!m) return text;
  return lang === 'en' ? m[2].trim() : m[1].trim();
}

/**
 * The half of a server-written text (`中文 · English`: alerts, the titles and descriptions of tasks
 * that modules dispatch, the reasons of automatic status changes) for the interface language. Split
 * only at that separator, so what a person typed is shown whole.
 */
export function useServerText(): (text: string) => string {
  const { lang } = useI18n();
  return (text) => pickHalf(text, lang, { separatorOnly: true });
}

/**
 * A stored text for the interface language: a message key with its parameters (what modules write
 * since issue 15) is rendered from the dictionary, dates in the browser's time zone; a text without a
 * key (a person's own words, rows written before the keys) is shown as before, through `pickHalf`.
 */
export function showText(lang: Lang, text: string, key?: string | null, params?: Record<string, MessageParam> | null): string {
  return key ? renderMessage(lang, key, params, pickHalf(text, lang, { separatorOnly: true })) : pickHalf(text, lang, { separatorOnly: true });
}

/** `showText` in the interface language. */
export function useMessageText(): (text: string, key?: string | null, params?: Record<string, MessageParam> | null) => string {
  const { lang } = useI18n();
  return (text, key, params) => showText(lang, text, key, params);
}
