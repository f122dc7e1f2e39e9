import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Radio, Space, Statistic, Table, Tag, Typography, Upload, Row, Col } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { MessageKey } from '../../../../common/i18n.js';
import { formatCount } from '../../../app/format.js';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import { FigureTitle } from '../../../components/figure-title.js';
import type { PageProps } from '../../../app/modules.js';
import { useErrorText } from '../../../components/error-alert.js';
import { populationApi, type ImportPreview, type ImportReport } from '../api.js';
import { ImportReportTable } from '../components/import-report-table.js';

type Mode = 'all' | 'partial';

/**
 * Imports a community's resident list (CSV in UTF-8 or GBK, or XLSX): the file's header mapping
 * is previewed first, then a dry run or the import. By default it is all or nothing; importing
 * only the valid rows is an explicit choice. The report lists each rejected row with its field
 * and reason, whether or not anything was written.
 */
export function ImportPage(_: PageProps) {
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mode, setMode] = useState<Mode>('all');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'preview' | 'dry' | 'run' | null>(null);

  const fieldLabel = (f: string | null) => (f ? t(`population.field.${f}` as MessageKey) : null);

  const choose = async (f: File) => {
    setFile(f);
    setPreview(null);
    setReport(null);
    setError(null);
    setBusy('preview');
    try {
      setPreview(await populationApi.preview(f));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(dryRun ? 'dry' : 'run');
    setError(null);
    setReport(null);
    try {
      setReport(await populationApi.import(file, { mode, dryRun }));
    } catch (err) {
      // All or nothing: the refusal carries the full report (nothing was written).
      if (err instanceof ApiError && err.code === 'IMPORT_INVALID' && err.details && typeof err.details === 'object' && 'errors' in err.details)
        setReport(err.details as ImportReport);
      else setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const outcome = (r: ImportReport) => {
    if (!r.written && r.failed > 0 && !r.dryRun)
      return (
        <Alert type="error" showIcon title={t('population.importNothingWritten', { failed: r.failed })} data-testid="import-outcome" data-written="false" />
      );
    if (r.dryRun)
      return (
        <Alert
          type={r.failed ? 'warning' : 'success'}
          showIcon
          title={t('population.importDryRunDone', { valid: r.valid, rows: r.rows })}
          data-testid="import-outcome"
          data-written="false"
        />
      );
    return (
      <Alert
        type={r.failed ? 'warning' : 'success'}
        showIcon
        data-testid="import-outcome"
        data-written={String(r.written)}
        title={t('population.importWritten', { created: r.created, updated: r.updated, unchanged: r.unchanged })}
        description={r.failed ? t('population.importPartialSkipped', { failed: r.failed }) : undefined}
      />
    );
  };

  return (
    <div data-testid="import-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('population.importTitle')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('population.importIntro')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 16 }}>
        <Upload
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          maxCount={1}
          showUploadList={false}
          beforeUpload={(f) => (choose(f), false)}
        >
          <Button icon={<UploadOutlined />} type="primary" loading={busy === 'preview'} data-testid="import-choose">
            {t('population.importChoose')}
          </Button>
        </Upload>
        <a href={populationApi.templateUrl} download>
          <Button icon={<DownloadOutlined />}>{t('population.importTemplate')}</Button>
        </a>
        <Link to="/persons">{t('population.back')}</Link>
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="import-error" />}
      {preview && (
        <Card title={t('population.importPreview')} style={{ marginBottom: 16 }} data-testid="import-preview">
          <Space wrap style={{ marginBottom: 12 }}>
            {preview.fileName && <Tag>{t('population.importFile', { name: preview.fileName })}</Tag>}
            <Tag>{t('population.importFormat', { format: preview.format.toUpperCase() })}</Tag>
            {preview.encoding && (
              <Tag color="blue" data-testid="import-encoding">
                {t('population.importEncoding', {
                  encoding: ({ gb18030: 'GBK/GB18030', utf16le: 'UTF-16 LE', utf16be: 'UTF-16 BE', utf8: 'UTF-8' } as const)[preview.encoding],
                })}
              </Tag>
            )}
          </Space>
          {preview.missing.length > 0 && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              title={t('population.importMissing', { fields: preview.missing.map((f) => fieldLabel(f)).join('、') })}
            />
          )}
          <Table
            size="small"
            rowKey="column"
            pagination={false}
            dataSource={preview.columns}
            data-testid="import-mapping"
            columns={[
              { title: t('population.importColumn'), dataIndex: 'header' },
              {
                title: t('population.importField'),
                dataIndex: 'field',
                render: (f: string | null) =>
                  f ? <Tag color="green">{fieldLabel(f)}</Tag> : <Typography.Text type="secondary">{t('population.importUnmapped')}</Typography.Text>,
              },
            ]}
          />
          {preview.rows.length > 0 && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {t('population.importFirstRows', { n: preview.rows.length })}
              </Typography.Title>
              <Table
                size="small"
                rowKey="row"
                pagination={false}
                scroll={{ x: 900 }}
                dataSource={preview.rows.map((r) => ({ row: r.row, ...r.values }))}
                columns={[
                  { title: t('population.row'), dataIndex: 'row', width: 70, fixed: 'left' as const },
                  ...preview.columns.filter((c) => c.field).map((c) => ({ title: fieldLabel(c.field), dataIndex: c.field! })),
                ]}
              />
            </>
          )}
          <Descriptions column={1} style={{ marginTop: 16 }}>
            <Descriptions.Item label={t('population.importMode')}>
              <Radio.Group value={mode} onChange={(e) => setMode(e.target.value as Mode)} data-testid="import-mode">
                <Space orientation="vertical">
                  <Radio value="all">{t('population.importModeAll')}</Radio>
                  <Radio value="partial">
                    {t('population.importModePartial')} <Typography.Text type="secondary">（{t('population.importModePartialHint')}）</Typography.Text>
                  </Radio>
                </Space>
              </Radio.Group>
            </Descriptions.Item>
          </Descriptions>
          <Space>
            <Button onClick={() => run(true)} loading={busy === 'dry'} disabled={preview.missing.length > 0 || !!busy} data-testid="import-dry-run">
              {t('population.importDryRun')}
            </Button>
            <Button type="primary" onClick={() => run(false)} loading={busy === 'run'} disabled={preview.missing.length > 0 || !!busy} data-testid="import-run">
              {t('population.importRun')}
            </Button>
          </Space>
        </Card>
      )}
      {report && (
        <Card title={t('population.importReport')} data-testid="import-report">
          {outcome(report)}
          <Row gutter={16} style={{ margin: '16px 0' }}>
            {(
              [
                ['population.importRows', report.rows, 'rows'],
                ['population.importValid', report.valid, 'valid'],
                ['population.importFailed', report.failed, 'failed'],
                ['population.importCreated', report.created, 'created'],
                ['population.importUpdated', report.updated, 'updated'],
                ['population.importUnchanged', report.unchanged, 'unchanged'],
              ] as const
            ).map(([k, v, id]) => (
              <Col xs={8} md={4} key={id}>
                <Statistic
                  title={<FigureTitle label={t(k)} help={t(`population.fig.${id}`)} />}
                  value={formatCount(v, lang)}
                  data-testid={`import-stat-${id}`}
                />
              </Col>
            ))}
          </Row>
          {report.errorsTruncated && (
            <Alert type="warning" showIcon title={t('population.importErrorsTruncated', { n: report.errors.length })} style={{ marginBottom: 12 }} />
          )}
          {report.errors.length > 0 && <ImportReportTable errors={report.errors} />}
        </Card>
      )}
    </div>
  );
}
