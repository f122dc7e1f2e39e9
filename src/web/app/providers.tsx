import { QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import type { Locale } from 'antd/es/locale/index.js';
import enUSModule from 'antd/es/locale/en_US.js';
import zhCNModule from 'antd/es/locale/zh_CN.js';
import type { ReactNode } from 'react';
import { BrowserRouter } from 'react-router-dom';
import { I18nProvider, useI18n } from './i18n.js';
import { JurisdictionProvider } from './jurisdiction.js';
import { LiveProvider } from './live.js';
import { queryClient } from './query.js';
import { SessionProvider } from './session.js';

// antd's ES files carry no "type": "module", so TypeScript (NodeNext) types their default import as
// the CommonJS namespace; the bundler hands over the default export itself. Accept either.
const interop = (m: unknown): Locale => ((m as { default?: Locale }).default ?? m) as Locale;
const zhCN = interop(zhCNModule);
const enUS = interop(enUSModule);

/**
 * antd's theme. Its secondary and tertiary text (rgba(0,0,0,.45) on white, 3.4:1) fails WCAG AA's
 * 4.5:1 for normal text (WCAG 2.1 SC 1.4.3); these are darkened to 0.65 (#595959, 7:1) and 0.62
 * (#616161, 6.2:1), placeholders to 0.56 (#707070, 4.9:1). Issue 16, "Phones and accessibility".
 */
const THEME = {
  token: {
    colorPrimary: '#b4232a',
    borderRadius: 4,
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.56)',
  },
};

/** antd in the interface language (dates, pagination, empty states). */
function AntdLocale({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={THEME}>
      {/* Toasts open below the top bar, never over its alert badge and sign-out button. */}
      <AntApp notification={{ top: 72 }}>{children}</AntApp>
    </ConfigProvider>
  );
}

/** Every provider the app needs, outermost first. */
export function Providers({ children }: { children: ReactNode }) {
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <AntdLocale>
          <BrowserRouter>
            <SessionProvider>
              <JurisdictionProvider>
                <LiveProvider>{children}</LiveProvider>
              </JurisdictionProvider>
            </SessionProvider>
          </BrowserRouter>
        </AntdLocale>
      </I18nProvider>
    </QueryClientProvider>
  );
}
