import type { Lang } from '../../../common/i18n.js';

/**
 * The zoning server writes some texts in both languages, Chinese first and English after it
 * (`人口比 6（…）超过阈值 3 · Population ratio 6 (36 / 6) above 3`, `区域内新增病例…重新计算 A new case …`).
 * Shows the half for the interface language; a text without an English half is shown as it is.
 */
export function pickHalf(text: string, lang: Lang): string {
  // `中文 · English`: the last separator whose right side has no Chinese.
  const dot = text.lastIndexOf(' · ');
  if (dot > 0 && /[\u3000-\u9fff]/.test(text.slice(0, dot)) && !/[\u3000-\u9fff\uff00-\uffef]/.test(text.slice(dot + 3))) {
    return lang === 'en' ? text.slice(dot + 3).trim() : text.slice(0, dot).trim();
  }
  const m = /^(.*[\u3000-\u9fff\uff00-\uffef][^A-Za-z]*?)\s*(?:·\s*)?([A-Z][^\u3000-\u9fff\uff00-\uffef]*)$/s.exec(text);
  if (!m) return text;
  return lang === 'en' ? m[2].trim() : m[1].trim();
}
