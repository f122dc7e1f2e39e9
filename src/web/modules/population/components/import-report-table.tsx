import { Table } from 'antd';
import type { MessageKey } from '../../../../common/i18n.js';
import { IMPORT_FIELDS } from '../../../../common/population.js';
import { pickMessageHalf } from '../../../app/errors.js';
import { useI18n } from '../../../app/i18n.js';
import type { ImportRowError } from '../api.js';

/** The row-level report: which row, which field, and why it was rejected. */
export function ImportReportTable({ errors }: { errors: ImportRowError[] }) {
  const { t, lang } = useI18n();
  const fieldLabel = (f: string) => {
    const key = `population.field.${f}` as MessageKey;
    return key in fieldKeys ? t(key) : f;
  };
  return (
    <Table<ImportRowError>
      data-testid="import-errors"
      rowKey={(r) => `${r.row}:${r.field}:${r.code}`}
      size="small"
      dataSource={errors}
      pagination={errors.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      onRow={(r) => ({ 'data-testid': 'import-error-row', 'data-row': r.row }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: t('population.row'), dataIndex: 'row', width: 80 },
        { title: t('population.field'), dataIndex: 'field', width: 120, render: fieldLabel },
        { title: t('population.reason'), dataIndex: 'reason', render: (r: string) => pickMessageHalf(r, lang) },
      ]}
    />
  );
}

/** The fields with a label in the dictionary (others show their code name). */
const fieldKeys: Record<string, true> = Object.fromEntries([...IMPORT_FIELDS, 'file'].map((f) => [`population.field.${f}`, true]));
