import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Modal, Space, Table, Upload, Typography } from 'antd';
import { useState } from 'react';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import { useErrorText } from '../../../components/error-alert.js';
import { usersApi, type ImportResult, type ImportRowError } from '../api.js';

/**
 * Staff import from the .xlsx template. All-or-nothing by default; with "skip bad rows" the good
 * rows are written and the rest reported. Bad rows are listed with their row number and field.
 */
export function ImportUsersModal({ open, onClose, onImported }: { open: boolean; onClose(): void; onImported(): void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [file, setFile] = useState<File | null>(null);
  const [partial, setPartial] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [rowErrors, setRowErrors] = useState<ImportRowError[]>([]);
  const [problem, setProblem] = useState<string | null>(null);

  const reset = () => {
    setFile(null);
    setResult(null);
    setRowErrors([]);
    setProblem(null);
  };

  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    setRowErrors([]);
    setProblem(null);
    try {
      const r = await usersApi.importFile(file, partial);
      setResult(r);
      setRowErrors(r.failed);
      if (r.created) onImported();
    } catch (err) {
      setProblem(errorText(err));
      if (err instanceof ApiError && err.code === 'IMPORT_INVALID' && Array.isArray(err.details)) setRowErrors(err.details as ImportRowError[]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('admin.import')}
      width={720}
      onCancel={() => {
        reset();
        onClose();
      }}
      footer={[
        <Button key="close" onClick={() => (reset(), onClose())}>
          {t('common.cancel')}
        </Button>,
        <Button key="go" type="primary" disabled={!file} loading={busy} onClick={submit}>
          {t('common.submit')}
        </Button>,
      ]}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <a href={usersApi.templateUrl} download>
          {t('admin.importTemplate')}
        </a>
        <Upload
          accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          maxCount={1}
          beforeUpload={(f) => {
            reset();
            setFile(f);
            return false;
          }}
          onRemove={() => reset()}
          fileList={file ? [{ uid: 'f', name: file.name, status: 'done' }] : []}
        >
          <Button icon={<UploadOutlined />}>{t('admin.importChoose')}</Button>
        </Upload>
        <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)}>
          {t('admin.importPartial')}
        </Checkbox>
        {result && (
          <Alert type={result.failed.length ? 'warning' : 'success'} showIcon title={t('admin.importDone', { created: result.created, rows: result.rows })} />
        )}
        {problem && <Alert type="error" showIcon title={problem} />}
        {rowErrors.length > 0 && (
          <>
            <Typography.Text strong>{t('admin.importErrors')}</Typography.Text>
            <Table<ImportRowError>
              size="small"
              rowKey={(r) => `${r.row}:${r.field}:${r.reason}`}
              pagination={rowErrors.length > 10 ? { pageSize: 10 } : false}
              dataSource={rowErrors}
              columns={[
                { title: t('admin.row'), dataIndex: 'row', width: 70 },
                { title: t('admin.field'), dataIndex: 'field', width: 120 },
                { title: t('admin.problem'), key: 'p', render: (_: unknown, r) => r.reason },
              ]}
            />
          </>
        )}
      </Space>
    </Modal>
  );
}
