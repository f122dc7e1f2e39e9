import { Table, Tag } from 'antd';
import type { MessageKey } from '../../../../common/i18n.js';
import { MESSAGES } from '../../../../common/i18n.js';
import { useI18n } from '../../../app/i18n.js';
import type { RowReport } from '../api.js';
import { useTestingErrorText } from '../errors.js';

/** The lab's row report (receipt by box, results import): row, barcode, outcome and why. */
export function RowReportTable({ rows, testId }: { rows: RowReport[]; testId: string }) {
  const { t } = useI18n();
  const errorText = useTestingErrorText();
  const statusLabel = (s: string) => {
    const k = `lab.rowStatus.${s}`;
    return k in MESSAGES ? t(k as MessageKey) : s;
  };
  return (
    <Table<RowReport>
      data-testid={testId}
      size="small"
      rowKey={(r) => `${r.row}:${r.barcode}:${r.status}`}
      dataSource={rows}
      pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      onRow={(r) =>
        ({ 'data-testid': 'report-row', 'data-row': r.row, 'data-status': r.status, 'data-code': r.code ?? '' }) as React.HTMLAttributes<HTMLElement>
      }
      columns={[
        { title: t('population.row'), dataIndex: 'row', width: 70 },
        { title: t('testing.barcode'), dataIndex: 'barcode' },
        {
          title: t('lab.rowStatus'),
          dataIndex: 'status',
          render: (s: string) => <Tag color={s === 'rejected' ? 'red' : s === 'conflict' ? 'orange' : 'green'}>{statusLabel(s)}</Tag>,
        },
        { title: t('lab.message'), key: 'message', render: (_: unknown, r) => (r.code || r.message ? errorText({ code: r.code, message: r.message }) : '') },
      ]}
    />
  );
}
