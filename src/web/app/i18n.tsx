import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { LANGS, pickLabel, translate, type Lang, type MessageKey } from '../../common/i18n.js';

const STORAGE_KEY = 'bulwark.lang';

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  /** The text of a dictionary key in the current language. */
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** The current half of a `{ zh, en }` label from src/common. */
  label(l: { zh: string; en: string } | undefined, fallback?: string): string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v && (LANGS as readonly string[]).includes(v)) return v as Lang;
  } catch {
    // Storage can be unavailable (privacy mode); Chinese is the default anyway.
  }
  return 'zh-CN';
}

/** Holds the interface language (zh-CN by default), persisted in localStorage. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // Not persisted; the choice still holds for this page.
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.name');
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      label: (l, fallback) => pickLabel(lang, l, fallback),
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
