import { useI18n } from '../app/i18n.js';
import { useRemote } from '../app/use-remote.js';
import { casesApi } from '../modules/cases/api.js';

/**
 * A protocol preset as people name it (第九版防控方案（2022年6月）), from its label (`<key>@v<n>`, what
 * records keep): the key is an internal identifier and never shown. A later revision of the same key
 * says so (修订 2). While the presets load, or for a label no preset has, the generic word 防控方案.
 */
export function usePresetName(): (label: string | null | undefined) => string {
  const { t, lang } = useI18n();
  const presets = useRemote((signal) => casesApi.presets(signal), []);
  const byLabel = new Map((presets.data?.items ?? []).map((p) => [p.label, p]));
  return (label) => {
    if (!label) return '—';
    const p = byLabel.get(label);
    if (!p) return t('presets.unknown');
    const name = lang === 'en' && p.nameEn ? p.nameEn : p.name;
    return p.version > 1 ? `${name} ${t('presets.revision', { n: p.version })}` : name;
  };
}

/** The preset's name for a label, as text (see usePresetName). */
export function PresetName({ label }: { label: string | null | undefined }) {
  const name = usePresetName();
  return <span data-testid="preset-name">{name(label)}</span>;
}
