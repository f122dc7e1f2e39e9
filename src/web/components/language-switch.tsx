import { Segmented } from 'antd';
import type { Lang } from '../../common/i18n.js';
import { useI18n } from '../app/i18n.js';

/** 中文 / EN: the interface language, named for assistive technology. */
export function LanguageSwitch(props: { 'data-testid'?: string }) {
  const { t, lang, setLang } = useI18n();
  return (
    <Segmented<Lang>
      size="small"
      value={lang}
      onChange={setLang}
      options={[
        { label: '中文', value: 'zh-CN' },
        { label: 'EN', value: 'en' },
      ]}
      aria-label={t('top.language')}
      data-testid={props['data-testid']}
    />
  );
}
