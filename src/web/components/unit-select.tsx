import { Select } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { useSession } from '../app/session.js';
import { useRemote } from '../app/use-remote.js';
import { unitsApi } from '../modules/admin/api.js';

interface Props {
  value?: string;
  onChange?: (id: string) => void;
  /** Leave this unit out (a hand-off goes elsewhere). */
  exclude?: string;
  placeholder?: string;
  allowClear?: boolean;
  'data-testid'?: string;
}

/**
 * Picks an active unit within the user's scope (GET /api/units, searched as one types). Without
 * the directory capability it offers the user's own unit only.
 */
export function UnitSelect({ value, onChange, exclude, placeholder, allowClear, ...rest }: Props) {
  const { me, can } = useSession();
  const [q, setQ] = useState('');
  // Labels of units seen before, so the chosen one still reads as a name after a new search.
  const seen = useRef(new Map<string, string>());
  const canList = can('user.read');
  const units = useRemote(
    (signal) => (canList ? unitsApi.list({ q: q || undefined, active: true, limit: 100 }, signal) : Promise.resolve({ items: [], total: 0 })),
    [q, canList],
  );
  const options = useMemo(() => {
    const list = canList
      ? (units.data?.items ?? []).map((x) => ({ value: x.id, label: `${x.name} · ${x.jurisdiction.name}` }))
      : me
        ? [{ value: me.unit.id, label: me.unit.name }]
        : [];
    for (const o of list) seen.current.set(o.value, o.label);
    if (value && !list.some((o) => o.value === value) && seen.current.has(value)) list.push({ value, label: seen.current.get(value)! });
    return list.filter((o) => o.value !== exclude);
  }, [canList, units.data, me, exclude, value]);
  return (
    <Select
      {...rest}
      showSearch={{ filterOption: false, onSearch: setQ }}
      value={value}
      onChange={onChange}
      options={options}
      loading={units.loading}
      placeholder={placeholder}
      allowClear={allowClear}
      style={{ width: '100%' }}
    />
  );
}
