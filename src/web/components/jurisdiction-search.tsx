import { Select } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { LEVEL_LABELS, type JurisdictionDto, type JurisdictionLevel } from '../../common/geo.js';
import { useI18n } from '../app/i18n.js';
import { useRemote } from '../app/use-remote.js';
import { geoApi } from '../modules/geo/api.js';

interface Props {
  /** An id, or ids when `multiple`. */
  value?: string | string[];
  onChange?: (value: string | string[] | undefined, nodes: JurisdictionDto[]) => void;
  /** Only nodes of these levels (searched one after another when several). */
  levels?: readonly JurisdictionLevel[];
  /** Only nodes under this jurisdiction. */
  parentId?: string;
  multiple?: boolean;
  placeholder?: string;
  style?: React.CSSProperties;
  'data-testid'?: string;
}

/**
 * Finds jurisdictions by typing part of a name or the start of a division code (GET
 * /api/geo/jurisdictions?q=), within what the user may read. Each option names its level and
 * code, so same-named compounds can be told apart.
 */
export function JurisdictionSearch({ value, onChange, levels, parentId, multiple, placeholder, style, ...rest }: Props) {
  const { t, label } = useI18n();
  const [q, setQ] = useState('');
  const seen = useRef(new Map<string, JurisdictionDto>());
  const found = useRemote(
    async (signal) => {
      if (!q) return [];
      const lists = await Promise.all(
        (levels?.length ? levels : [undefined]).map((level) => geoApi.search({ q, level, limit: 30, ...(parentId ? { parentId } : {}) } as never, signal)),
      );
      return lists.flatMap((l) => l.items);
    },
    [q, levels?.join(','), parentId],
  );
  const options = useMemo(() => {
    const list = found.data ?? [];
    for (const j of list) seen.current.set(j.id, j);
    const shown = new Map(list.map((j) => [j.id, j]));
    const chosen: string[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
    for (const id of chosen) if (!shown.has(id) && seen.current.has(id)) shown.set(id, seen.current.get(id)!);
    return [...shown.values()].map((j) => ({ value: j.id, label: `${j.name} · ${label(LEVEL_LABELS[j.level])} · ${j.code}` }));
  }, [found.data, value, label]);
  return (
    <Select
      {...rest}
      style={style}
      mode={multiple ? 'multiple' : undefined}
      value={value}
      allowClear
      placeholder={placeholder ?? t('testing.scopePlaceholder')}
      showSearch={{ filterOption: false, onSearch: (v) => setQ(v.trim()) }}
      loading={found.loading && !!q}
      notFoundContent={q ? t('common.noData') : null}
      options={options}
      onChange={(v: string | string[] | undefined) => {
        const ids = v === undefined ? [] : Array.isArray(v) ? v : [v];
        onChange?.(
          v,
          ids.map((id) => seen.current.get(id)).filter((j): j is JurisdictionDto => !!j),
        );
      }}
    />
  );
}
