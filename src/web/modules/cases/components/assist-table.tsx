import { App, Button, Table, Tag } from 'antd';
import type { AssistDto, AssistStatus } from '../../../../common/cases.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useSession } from '../../../app/session.js';
import { useErrorText } from '../../../components/error-alert.js';
import { casesApi } from '../api.js';
import { CaseLink } from './case-bits.js';

const NEXT: Record<AssistStatus, Exclude<AssistStatus, 'pending'> | null> = { pending: 'sent', sent: 'answered', answered: 'closed', closed: null };

/** 协查 requests with their status, moved forward one step at a time (pending → sent → answered → closed). */
export function AssistTable({ items, loading, onChanged }: { items: AssistDto[]; loading?: boolean; onChanged(): void }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  return (
    <Table<AssistDto>
      rowKey="id"
      size="small"
      loading={loading}
      dataSource={items}
      pagination={false}
      locale={{ emptyText: t('cases.assist.none') }}
      onRow={(a) => ({ 'data-testid': 'assist-row', 'data-status': a.status }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: t('cases.assist.direction'),
          dataIndex: 'direction',
          render: (d: AssistDto['direction']) => <Tag color={d === 'outgoing' ? 'blue' : 'cyan'}>{t(`cases.assist.${d}`)}</Tag>,
        },
        { title: t('cases.assist.region'), dataIndex: 'region' },
        { title: t('cases.assist.subject'), dataIndex: 'subjectMasked' },
        {
          title: t('cases.contact.category'),
          dataIndex: 'category',
          render: (c: string | null) => (c === 'close' || c === 'secondary' ? t(`cases.category.${c}`) : (c ?? '—')),
        },
        { title: t('cases.detail'), dataIndex: 'caseId', render: (id: string | null) => (id ? <CaseLink id={id} /> : '—') },
        { title: t('cases.assist.status'), dataIndex: 'status', render: (s: AssistStatus) => <Tag>{t(`cases.assist.${s}`)}</Tag> },
        { title: t('common.time'), dataIndex: 'updatedAt', render: (v: number) => formatTime(v, lang) },
        {
          title: t('cases.assist.next'),
          key: 'next',
          render: (_: unknown, a) => {
            const next = NEXT[a.status];
            if (!next || !can('case.manage')) return null;
            return (
              <Button
                size="small"
                onClick={async () => {
                  try {
                    await casesApi.setAssistStatus(a.id, next);
                    onChanged();
                  } catch (err) {
                    message.error(errorText(err));
                  }
                }}
              >
                → {t(`cases.assist.${next}`)}
              </Button>
            );
          },
        },
      ]}
    />
  );
}
