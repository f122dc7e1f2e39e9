import { TreeSelect } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JurisdictionLevel } from '../../common/geo.js';
import type { ChosenJurisdiction } from '../app/jurisdiction.js';
import { useI18n } from '../app/i18n.js';
import { useSession } from '../app/session.js';
import { geoApi } from '../modules/geo/api.js';

interface Node {
  id: string;
  pId?: string;
  value: string;
  title: string;
  isLeaf: boolean;
}

/** Levels below which the picker does not go (finer filters are not useful). */
const LEAF_LEVELS: ReadonlySet<string> = new Set<JurisdictionLevel>(['compound', 'building', 'entrance']);

interface Props {
  /** The chosen jurisdiction id. */
  value?: string;
  onChange?: (j: ChosenJurisdiction) => void;
  /** The chosen jurisdiction's name, shown while its node is not loaded in the tree yet. */
  valueLabel?: string;
  style?: React.CSSProperties;
  placeholder?: string;
  /** Accessible name and test hook. */
  'data-testid'?: string;
}

/**
 * A jurisdiction tree picker limited to the signed-in user's scope: its root is the user's own
 * jurisdiction and children load lazily from /api/geo/jurisdictions?parentId= as nodes open.
 * Usable as an antd Form field (value = id; onChange gives the chosen node with its path).
 */
export function JurisdictionSelect({ value, valueLabel, onChange, style, placeholder, ...rest }: Props) {
  const { me } = useSession();
  const { t } = useI18n();
  const meta = useRef(new Map<string, ChosenJurisdiction>());
  const [nodes, setNodes] = useState<Node[]>([]);

  useEffect(() => {
    if (!me) return;
    const j = me.jurisdiction;
    meta.current.set(j.id, { id: j.id, name: j.name, path: j.path, level: j.level });
    setNodes([{ id: j.id, value: j.id, title: j.name, isLeaf: LEAF_LEVELS.has(j.level) }]);
  }, [me]);

  const loadData = useCallback(async (node: { id?: string; value?: string | number }) => {
    const parentId = String(node.id ?? node.value);
    const { items } = await geoApi.children(parentId);
    for (const c of items) meta.current.set(c.id, { id: c.id, name: c.name, path: c.path, level: c.level });
    setNodes((prev) => {
      const known = new Set(prev.map((n) => n.id));
      const add = items.filter((c) => !known.has(c.id)).map((c) => ({ id: c.id, pId: parentId, value: c.id, title: c.name, isLeaf: LEAF_LEVELS.has(c.level) }));
      return [...prev, ...add];
    });
  }, []);

  const loaded = !value || nodes.some((n) => n.id === value);
  return (
    <TreeSelect<{ value: string; label?: string }>
      {...rest}
      style={style}
      labelInValue
      value={value ? { value, label: loaded ? nodes.find((n) => n.id === value)?.title : (meta.current.get(value)?.name ?? valueLabel ?? value) } : undefined}
      placeholder={placeholder ?? t('top.jurisdictionPlaceholder')}
      treeDataSimpleMode
      treeData={nodes}
      loadData={loadData}
      showSearch={false}
      popupMatchSelectWidth={false}
      treeDefaultExpandedKeys={me ? [me.jurisdiction.id] : []}
      onChange={(v) => {
        const j = v ? meta.current.get(v.value) : undefined;
        if (j) onChange?.(j);
      }}
    />
  );
}
