import { DownloadOutlined, EyeOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, Dropdown, Form, Input, Modal, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { VULNERABLE_LABELS, type VulnerableFlag } from '../../../../common/geo.js';
import { exactIdentifierKind } from '../../../../common/person-search.js';
import { checkReason, REASON_MAX_CHARS } from '../../../../common/reason.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useAction } from '../../../app/use-action.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { ChangeStatusModal } from '../../control/components/change-status-modal.js';
import { populationApi } from '../../population/api.js';
import { personsApi, type Person, type RevealField } from '../api.js';
import { usePersons } from '../hooks.js';

/**
 * Persons in the chosen jurisdiction, with ID and phone masked. With person.reveal a full value
 * can be shown after giving a reason (the server journals who, whom and why; the value is kept
 * only in this page's memory).
 */
export function PersonsPage({ jurisdictionId }: PageProps) {
  const { t, label } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [q, setQ] = useState('');
  // A full ID or mobile number is searched only with a purpose (the server journals it).
  const [purpose, setPurpose] = useState<string | undefined>(undefined);
  const [askPurpose, setAskPurpose] = useState<string | null>(null);
  const [purposeForm] = Form.useForm<{ purpose: string }>();
  const [vulnerableOnly, setVulnerableOnly] = useState(false);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const persons = usePersons({ jurisdictionId, q: q || undefined, purpose, vulnerable: vulnerableOnly ? 'true' : undefined, page, pageSize });
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [asking, setAsking] = useState<{ person: Person; field: RevealField } | null>(null);
  const revealField = useAction(personsApi.reveal, { onError: (err) => message.error(errorText(err)) });
  const busy = revealField.busy;
  const [form] = Form.useForm<{ reason: string }>();
  const canReveal = can('person.reveal');
  const canChange = can('control.change');
  const navigate = useNavigate();
  const [selected, setSelected] = useState<string[]>([]);
  const [changing, setChanging] = useState(false);

  useEffect(() => setPage(1), [jurisdictionId]);
  // The selection survives searches (pick persons found one by one), not a change of jurisdiction.
  useEffect(() => setSelected([]), [jurisdictionId]);

  const fieldName = (f: RevealField) => (f === 'idNumber' ? t('person.idNumber') : f === 'phone' ? t('person.phone') : t('person.birthDate'));
  /** The shared reason rule (src/common/reason.ts), as a form validator. */
  const realReason = {
    validator: async (_: unknown, v: string) => {
      if (v?.trim() && !checkReason(v).ok) throw new Error(t('person.reasonRule'));
    },
  };

  const searchWithPurpose = async () => {
    if (askPurpose === null) return;
    // Invalid fields are shown on the form itself.
    const v = await purposeForm.validateFields().catch(() => null);
    if (!v) return;
    setPurpose(v.purpose.trim());
    setQ(askPurpose);
    setPage(1);
    setAskPurpose(null);
  };

  const reveal = async () => {
    if (!asking) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const { reason } = v;
    const done = await revealField.run(asking.person.id, asking.field, reason.trim());
    if (!done) return;
    setRevealed((r) => ({ ...r, [`${asking.person.id}:${asking.field}`]: done.value }));
    setAsking(null);
  };

  const masked = (p: Person, field: RevealField, shown: string | null) => {
    if (!shown) return '—';
    const full = revealed[`${p.id}:${field}`];
    if (full)
      return (
        <Typography.Text copyable data-testid="revealed-value">
          {full}
        </Typography.Text>
      );
    return (
      <Space size={4}>
        <span>{shown}</span>
        {canReveal && (
          <Tooltip title={t('person.reveal')}>
            <Button size="small" type="text" icon={<EyeOutlined />} aria-label={t('person.reveal')} onClick={() => setAsking({ person: p, field })} />
          </Tooltip>
        )}
      </Space>
    );
  };

  return (
    <div data-testid="persons">
      <Typography.Title level={3} className="bw-page-title">
        {t('person.title')}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder={t('population.searchPlaceholder')}
          title={t('population.searchHint')}
          data-testid="person-search"
          onSearch={(v) => {
            const text = v.trim();
            if (text && exactIdentifierKind(text)) return setAskPurpose(text);
            setPurpose(undefined);
            setQ(text);
            setPage(1);
          }}
          style={{ width: 380, maxWidth: '100%' }}
          enterButton={t('common.search')}
        />
        <Checkbox
          checked={vulnerableOnly}
          onChange={(e) => {
            setVulnerableOnly(e.target.checked);
            setPage(1);
          }}
        >
          {t('person.vulnerableOnly')}
        </Checkbox>
        <Dropdown
          menu={{
            items: [
              {
                key: 'csv',
                label: (
                  <a href={populationApi.exportUrl('csv', jurisdictionId)} download data-testid="export-csv">
                    {t('population.exportCsv')}
                  </a>
                ),
              },
              {
                key: 'xlsx',
                label: (
                  <a href={populationApi.exportUrl('xlsx', jurisdictionId)} download data-testid="export-xlsx">
                    {t('population.exportXlsx')}
                  </a>
                ),
              },
            ],
          }}
        >
          <Button icon={<DownloadOutlined />} data-testid="export-button">
            {t('population.export')}
          </Button>
        </Dropdown>
        {can('person.manage') && (
          <Button icon={<UploadOutlined />} onClick={() => navigate('/persons/import')} data-testid="import-button">
            {t('population.import')}
          </Button>
        )}
        {canChange && (
          <Button disabled={!selected.length} onClick={() => setChanging(true)} data-testid="change-status-selected">
            {t('control.change')}
            {selected.length > 0 && ` (${t('population.selected', { n: selected.length })})`}
          </Button>
        )}
        {canChange && selected.length > 0 && (
          <Button type="link" onClick={() => setSelected([])} data-testid="clear-selection">
            {t('population.clearSelection')}
          </Button>
        )}
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
        {t('population.searchHint')}
      </Typography.Paragraph>
      <ErrorAlert error={persons.error} onRetry={persons.reload} />
      <Table<Person>
        rowKey="id"
        size="middle"
        rowSelection={canChange ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]), preserveSelectedRowKeys: true } : undefined}
        loading={persons.loading}
        dataSource={persons.data?.items ?? []}
        scroll={{ x: 900 }}
        pagination={{
          current: page,
          pageSize,
          total: persons.data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => t('common.total', { n }),
          onChange: (p, s) => {
            setPage(p);
            setPageSize(s);
          },
        }}
        columns={[
          {
            title: t('person.name'),
            dataIndex: 'name',
            render: (v: string, p) => (
              <Space size={4}>
                <Link to={`/persons/${p.id}`} data-testid="person-link">
                  {v}
                </Link>
                {!p.resident && <Tag>{t('person.nonResident')}</Tag>}
              </Space>
            ),
          },
          { title: t('person.sex'), dataIndex: 'sex', width: 70, render: (s: Person['sex']) => t(`person.sex.${s}`) },
          { title: t('person.birthYear'), dataIndex: 'birthYear', width: 100 },
          { title: t('person.idNumber'), dataIndex: 'idNumberMasked', render: (v: string, p) => masked(p, 'idNumber', v) },
          { title: t('person.phone'), dataIndex: 'phoneMasked', render: (v: string | null, p) => masked(p, 'phone', v) },
          { title: t('person.address'), key: 'address', render: (_: unknown, p) => p.address?.text ?? p.location.text },
          {
            title: t('person.vulnerable'),
            dataIndex: 'vulnerable',
            render: (flags: VulnerableFlag[]) =>
              flags.map((f) => (
                <Tag key={f} color="orange">
                  {label(VULNERABLE_LABELS[f], f)}
                </Tag>
              )),
          },
        ]}
      />
      <ChangeStatusModal open={changing} personIds={selected} onClose={() => setChanging(false)} onDone={() => setSelected([])} />
      <Modal
        open={!!asking}
        title={asking ? t('person.revealTitle', { field: fieldName(asking.field) }) : ''}
        onCancel={() => setAsking(null)}
        onOk={reveal}
        confirmLoading={busy}
        okText={t('person.reveal')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Typography.Paragraph>{asking?.person.name}</Typography.Paragraph>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="reason" label={t('person.revealReason')} rules={[{ required: true, whitespace: true, message: t('person.reasonRule') }, realReason]}>
            <Input.TextArea rows={3} maxLength={REASON_MAX_CHARS} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={askPurpose !== null}
        title={t('person.searchPurposeTitle')}
        onCancel={() => setAskPurpose(null)}
        onOk={searchWithPurpose}
        okText={t('common.search')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('person.searchPurposeHint')}</Typography.Paragraph>
        <Form form={purposeForm} layout="vertical" preserve={false}>
          <Form.Item
            name="purpose"
            label={t('person.searchPurpose')}
            rules={[{ required: true, whitespace: true, message: t('person.reasonRule') }, realReason]}
          >
            <Input.TextArea rows={2} maxLength={REASON_MAX_CHARS} data-testid="search-purpose" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
