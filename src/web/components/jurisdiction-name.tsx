import { useI18n } from '../app/i18n.js';
import { useRemote } from '../app/use-remote.js';
import { geoApi } from '../modules/geo/api.js';

/**
 * The name of the jurisdiction at a materialised path (`/420500/420502/` → 西陵区), found by its
 * division code; the path itself while loading or when it cannot be read.
 */
export function JurisdictionName({ path }: { path: string }) {
  const { t } = useI18n();
  const code = path.split('/').filter(Boolean).pop();
  const found = useRemote(
    (signal) => (code ? geoApi.search({ q: code, limit: 20 }, signal).then((r) => r.items.find((j) => j.path === path) ?? null) : Promise.resolve(null)),
    [path],
  );
  const j = found.data;
  return <span title={path}>{j ? j.name : found.loading ? t('common.loading') : path}</span>;
}
