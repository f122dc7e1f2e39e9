import { Select } from 'antd';
import { useRef, useState } from 'react';
import { useI18n } from '../../../app/i18n.js';
import { personsApi } from '../../persons/api.js';
import { exactIdentifierKind } from '../../../../common/person-search.js';

/** The purpose journaled when a person is looked up by a full ID or mobile number to arrange quarantine. */
const PLACEMENT_SEARCH_PURPOSE = '安排隔离，按证件号码查找人员 · Arranging quarantine: finding the person by document number';

type Person = Awaited<ReturnType<typeof personsApi.list>>['items'][number];

/** Finds a person by name or a full ID/phone number (GET /api/persons?q=); masked numbers only. */
export function PersonPicker({ value, onChange, style }: { value?: string; onChange?: (id: string | undefined) => void; style?: React.CSSProperties }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<Person[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const search = async (q: string) => {
    const n = ++seq.current;
    if (q.trim().length < 2) return setOptions([]);
    setLoading(true);
    try {
      // A full ID or mobile number is a disclosure: the server journals it with this purpose.
      const r = await personsApi.list({ q: q.trim(), pageSize: 20, purpose: exactIdentifierKind(q) ? PLACEMENT_SEARCH_PURPOSE : undefined });
      if (n === seq.current) setOptions(r.items);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  };
  return (
    <Select
      allowClear
      style={style}
      showSearch={{ filterOption: false, onSearch: search }}
      value={value}
      onChange={onChange}
      loading={loading}
      placeholder={t('quarantine.findPerson')}
      notFoundContent={null}
      data-testid="quarantine-person"
      options={options.map((p) => ({ value: p.id, label: `${p.name} · ${p.idNumberMasked} · ${p.location.text}` }))}
    />
  );
}
