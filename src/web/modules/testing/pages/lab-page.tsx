import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Checkbox, Col, Form, Input, InputNumber, Row, Select, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe } from '../../../app/session.js';
import { RESULTS, testingApi, type ImportResult, type ReceiveResult, type RowReport, type TestResult } from '../api.js';
import { RowReportTable } from '../components/row-report-table.js';
import { useTestingErrorText } from '../errors.js';
import { TESTING_LIMITS } from '../../../../common/testing.js';
import { rulesFor } from '../../../app/form-rules.js';

/** A refusal whose details are the rejected rows (all or nothing). */
function rowsOf(err: unknown): RowReport[] | null {
  if (err instanceof ApiError && (err.code === 'IMPORT_INVALID' || err.code === 'RECEIVE_INVALID') && Array.isArray(err.details))
    return err.details as RowReport[];
  return null;
}

/** Reads a CSV file as text: UTF-8 (with or without BOM), else GB18030 as Excel on Chinese Windows saves it. */
async function readCsv(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

function ReceiveCard() {
  const { t } = useI18n();
  const errorText = useTestingErrorText();
  const [form] = Form.useForm<{ boxCode: string; barcodes: string; partial?: boolean }>();
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<{ result?: ReceiveResult; refused?: RowReport[]; error?: string } | null>(null);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const barcodes = [
      ...new Set(
        v.barcodes
          .split(/[\s,;，；]+/)
          .map((b) => b.trim().toUpperCase())
          .filter(Boolean),
      ),
    ];
    setBusy(true);
    setOut(null);
    try {
      const result = await testingApi.receive({ boxCode: v.boxCode.trim(), barcodes, mode: v.partial ? 'partial' : 'all' });
      setOut({ result });
      form.setFieldValue('barcodes', '');
    } catch (err) {
      const rows = rowsOf(err);
      setOut(rows ? { refused: rows } : { error: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('lab.receive')} data-testid="lab-receive">
      <Form form={form} layout="vertical">
        <Form.Item name="boxCode" label={t('lab.boxCode')} rules={rulesFor(TESTING_LIMITS.boxCode, { required: true, message: t('common.required') })}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="barcodes" label={t('lab.barcodes')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input.TextArea rows={5} autoComplete="off" style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Form.Item name="partial" valuePropName="checked">
          <Checkbox>{t('lab.receivePartial')}</Checkbox>
        </Form.Item>
        <Button type="primary" onClick={submit} loading={busy} data-testid="receive-submit">
          {t('lab.receiveRun')}
        </Button>
      </Form>
      {out?.error && <Alert type="error" showIcon title={out.error} style={{ marginTop: 12 }} />}
      {out?.refused && (
        <Space orientation="vertical" style={{ width: '100%', marginTop: 12 }}>
          <Alert type="error" showIcon title={t('lab.receiveRefused')} data-testid="receive-outcome" />
          <RowReportTable rows={out.refused} testId="receive-report" />
        </Space>
      )}
      {out?.result && (
        <Space orientation="vertical" style={{ width: '100%', marginTop: 12 }}>
          <Alert
            type={out.result.rejected ? 'warning' : 'success'}
            showIcon
            data-testid="receive-outcome"
            title={t('lab.receiveDone', { received: out.result.received, already: out.result.alreadyReceived, rejected: out.result.rejected })}
          />
          {out.result.rows.length > 0 && <RowReportTable rows={out.result.rows} testId="receive-report" />}
        </Space>
      )}
    </Card>
  );
}

function ResultCard({ lab }: { lab: string }) {
  const { t } = useI18n();
  const errorText = useTestingErrorText();
  const [form] = Form.useForm<{ barcode: string; result: TestResult; ctOrf1ab?: number | null; ctN?: number | null; lab: string }>();
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<{ type: 'success' | 'warning' | 'error' | 'info'; text: string; extra?: string } | null>(null);
  const result = Form.useWatch('result', form);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setOut(null);
    try {
      const r = await testingApi.recordResult({
        barcode: v.barcode.trim().toUpperCase(),
        result: v.result,
        ctOrf1ab: v.ctOrf1ab ?? null,
        ctN: v.ctN ?? null,
        lab: v.lab.trim(),
      });
      const text = r.status === 'recorded' ? t('lab.resultRecorded') : r.status === 'unchanged' ? t('lab.resultUnchanged') : t('lab.resultConflict');
      setOut({
        type: r.status === 'conflict' ? 'warning' : 'success',
        text: `${r.barcode} · ${t(`testing.result.${r.result}`)} · ${text}`,
        extra: r.rechecksStarted ? t('lab.rechecksStarted', { n: r.rechecksStarted }) : undefined,
      });
      form.resetFields(['barcode', 'ctOrf1ab', 'ctN']);
    } catch (err) {
      setOut({ type: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('lab.enterResult')} data-testid="lab-result">
      <Form form={form} layout="vertical" initialValues={{ result: 'negative', lab }}>
        <Form.Item
          name="barcode"
          label={t('testing.barcode')}
          rules={[
            { required: true, whitespace: true, message: t('common.required') },
            { pattern: /^\s*[A-Za-z0-9]{8,20}\s*$/, message: t('sampler.badBarcode') },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="result" label={t('testing.result')} rules={[{ required: true }]}>
          <Select options={RESULTS.map((r) => ({ value: r, label: t(`testing.result.${r}`) }))} data-testid="result-select" />
        </Form.Item>
        {result && result !== 'negative' && result !== 'invalid' && (
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name="ctOrf1ab" label={t('lab.ctOrf1ab')}>
                <InputNumber min={0} max={45} step={0.1} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="ctN" label={t('lab.ctN')}>
                <InputNumber min={0} max={45} step={0.1} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Form.Item name="lab" label={t('lab.labName')} rules={rulesFor(TESTING_LIMITS.labName, { required: true, message: t('common.required') })}>
          <Input />
        </Form.Item>
        <Button type="primary" onClick={submit} loading={busy} data-testid="result-submit">
          {t('common.submit')}
        </Button>
      </Form>
      {out && <Alert type={out.type} showIcon title={out.text} description={out.extra} style={{ marginTop: 12 }} data-testid="result-outcome" />}
    </Card>
  );
}

function ImportCard() {
  const { t } = useI18n();
  const errorText = useTestingErrorText();
  const [file, setFile] = useState<File | null>(null);
  const [partial, setPartial] = useState(false);
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<{ result?: ImportResult; refused?: RowReport[]; error?: string } | null>(null);
  const run = async () => {
    if (!file) return;
    setBusy(true);
    setOut(null);
    try {
      setOut({ result: await testingApi.importResults(await readCsv(file), partial ? 'partial' : 'all') });
    } catch (err) {
      const rows = rowsOf(err);
      setOut(rows ? { refused: rows } : { error: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const r = out?.result;
  return (
    <Card title={t('lab.import')} data-testid="lab-import">
      <Typography.Paragraph type="secondary">{t('lab.importHint')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Upload accept=".csv,text/csv" maxCount={1} showUploadList={false} beforeUpload={(f) => (setFile(f), setOut(null), false)}>
          <Button icon={<UploadOutlined />} data-testid="import-choose">
            {file ? file.name : t('population.importChoose')}
          </Button>
        </Upload>
        <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)}>
          {t('lab.importPartial')}
        </Checkbox>
        <Button type="primary" disabled={!file} loading={busy} onClick={run} data-testid="import-submit">
          {t('lab.importRun')}
        </Button>
      </Space>
      {out?.error && <Alert type="error" showIcon title={out.error} data-testid="import-outcome" />}
      {out?.refused && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Alert type="error" showIcon title={t('lab.importRefused')} data-testid="import-outcome" />
          <RowReportTable rows={out.refused} testId="import-report" />
        </Space>
      )}
      {r && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Alert
            type={r.rejected || r.conflicts ? 'warning' : 'success'}
            showIcon
            data-testid="import-outcome"
            title={t('lab.importDone', { rows: r.rows, recorded: r.recorded, unchanged: r.unchanged, conflicts: r.conflicts, rejected: r.rejected })}
            description={r.rechecksStarted ? <span data-testid="rechecks-started">{t('lab.rechecksStarted', { n: r.rechecksStarted })}</span> : undefined}
          />
          {r.report.length > 0 && <RowReportTable rows={r.report} testId="import-report" />}
        </Space>
      )}
    </Card>
  );
}

/**
 * The lab (检测): receive tubes by transport box, enter one result, or import a results CSV
 * (all or nothing with the row report unless only the valid rows are chosen). A positive or
 * suspicious pool starts its single-tube rechecks at once, and the page says how many.
 */
export function LabPage(_: PageProps) {
  const { t } = useI18n();
  const me = useMe();
  return (
    <div data-testid="lab-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('lab.title')}
      </Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <ReceiveCard />
        </Col>
        <Col xs={24} lg={12}>
          <ResultCard lab={me.unit.name} />
        </Col>
        <Col xs={24}>
          <ImportCard />
        </Col>
      </Row>
    </div>
  );
}
