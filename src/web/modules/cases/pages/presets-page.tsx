import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { PresetDto, PresetParams } from '../../../../common/cases.js';
import { formatTime } from '../../../app/format.js';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { casesApi } from '../api.js';
import { CASE_LIMITS } from '../../../../common/cases.js';

/** A readable summary of a preset's parameters (the JSON is shown under it). */
function ParamsView({ p }: { p: PresetParams }) {
  const { t } = useI18n();
  const stay = (q: PresetParams['contacts']['close']['quarantine']) =>
    [
      t('presets.p.stay', { c: q.centralDays, h: q.homeQuarantineDays, m: q.homeMonitoringDays }),
      q.tests.central.length ? t('presets.p.testsCentral', { days: q.tests.central.join('、') }) : null,
      q.tests.homeQuarantine.length ? t('presets.p.testsHomeQuarantine', { days: q.tests.homeQuarantine.join('、') }) : null,
      q.tests.homeMonitoring.length ? t('presets.p.testsHomeMonitoring', { days: q.tests.homeMonitoring.join('、') }) : null,
    ]
      .filter(Boolean)
      .join('；');
  const contact = (k: 'close' | 'secondary') => {
    const r = p.contacts[k];
    if (!r.traced) return t('presets.p.notTraced');
    return `${t('presets.p.lookback', { n: r.lookbackDays })}；${stay(r.quarantine)}`;
  };
  const traveller = (k: keyof PresetParams['travellers']) => {
    const r = p.travellers[k];
    if (!r.applies) return t('presets.p.notApplies');
    return r.testWindow ? t('presets.p.testWindow', { n: r.testWindow.tests, d: r.testWindow.withinDays }) : stay(r.quarantine);
  };
  return (
    <Descriptions size="small" column={1} bordered>
      <Descriptions.Item label={t('presets.p.close')}>{contact('close')}</Descriptions.Item>
      <Descriptions.Item label={t('presets.p.secondary')}>{contact('secondary')}</Descriptions.Item>
      {(Object.keys(p.travellers) as (keyof PresetParams['travellers'])[]).map((k) => (
        <Descriptions.Item key={k} label={t(`quarantine.category.${k}`)}>
          {traveller(k)}
        </Descriptions.Item>
      ))}
      <Descriptions.Item label={t('presets.p.dayCounting')}>{t('presets.p.firstDay', { n: p.dayCounting.firstDay })}</Descriptions.Item>
      <Descriptions.Item label={t('presets.p.clusterRule')}>
        {t('presets.p.clusters', { c: p.clusters.containedAfterDaysWithoutCommunityCase, e: p.clusters.extinguishedAfterDaysWithoutCase })}
      </Descriptions.Item>
      <Descriptions.Item label={t('presets.p.levels')}>
        {p.zoning.levels.map((l) => `${l}（${p.zoning.granularity[l] ?? '—'}）`).join(' / ')} · {p.zoning.nearDistanceM} m
      </Descriptions.Item>
      <Descriptions.Item label={t('presets.p.lifting')}>
        {p.zoning.lifting
          .map((s) => `${s.from} → ${s.to}: ${s.daysWithoutNewCase}d${s.negativeRoundDay !== null ? ` + −(d${s.negativeRoundDay})` : ''}`)
          .join('；')}
      </Descriptions.Item>
      <Descriptions.Item label={t('presets.p.targets')}>
        {t('cases.speed.positiveToConfirmed')} {p.targets.positiveToConfirmedHours} · {t('cases.speed.coreInvestigation')} {p.targets.coreInvestigationHours} ·{' '}
        {t('cases.speed.closeContactsIdentified')} {p.targets.closeContactsIdentifiedHours} · {t('cases.speed.contactToQuarantine')}{' '}
        {p.targets.contactToQuarantineHours}
      </Descriptions.Item>
      <Descriptions.Item label={t('presets.p.sources')}>
        {Object.values(p.sources)
          .map((x) => `${x.title}（${x.issued}）`)
          .join('；') || '—'}
      </Descriptions.Item>
      <Descriptions.Item label={t('presets.p.provenance')}>
        <Space orientation="vertical" size={0} data-testid="preset-provenance">
          {Object.entries(p.provenance).map(([path, e]) => (
            <span key={path}>
              <Typography.Text code>{path}</Typography.Text>{' '}
              {'text' in e ? (
                `${p.sources[e.text]?.title ?? e.text}${e.clause ? `：${e.clause}` : ''}`
              ) : (
                <>
                  <Tag color="orange">{t('presets.p.local')}</Tag>
                  {e.source}
                </>
              )}
            </span>
          ))}
        </Space>
      </Descriptions.Item>
    </Descriptions>
  );
}

interface Issue {
  path: string;
  message: string;
}

/**
 * 防控方案: every preset version, the active one marked, its parameters; commanders (preset.manage)
 * switch the city to another (journaled with a reason; existing records keep their version) and
 * make custom presets from an existing one (JSON, with the server's problems listed per field).
 */
export function PresetsPage(_: PageProps) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const manage = can('preset.manage');
  const list = useRemote((signal) => casesApi.presets(signal), []);
  const [switching, setSwitching] = useState<PresetDto | null>(null);
  const [copying, setCopying] = useState<PresetDto | null>(null);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ key: string; name: string; nameEn?: string; json: string }>();

  const create = async () => {
    const v = await form.validateFields();
    let params: unknown;
    try {
      params = JSON.parse(v.json);
    } catch (err) {
      setIssues([{ path: '', message: t('presets.jsonBad', { msg: (err as Error).message }) }]);
      return;
    }
    setBusy(true);
    try {
      const p = await casesApi.createPreset({ key: v.key.trim(), name: v.name.trim(), nameEn: v.nameEn?.trim() || null, params });
      message.success(t('presets.created', { label: p.label }));
      setCopying(null);
      list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'PRESET_INVALID')
        setIssues(((err.details as { issues?: Issue[] } | null)?.issues ?? []).map((i) => ({ path: i.path, message: i.message })));
      else message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="presets-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('presets.title')}
      </Typography.Title>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<PresetDto>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        expandable={{
          expandedRowRender: (p) => (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <ParamsView p={p.params} />
              <Card size="small" title={t('presets.params')}>
                <pre style={{ margin: 0, maxHeight: 260, overflow: 'auto', fontSize: 12 }}>{JSON.stringify(p.params, null, 2)}</pre>
              </Card>
            </Space>
          ),
        }}
        onRow={(p) => ({ 'data-testid': 'preset-row', 'data-label': p.label, 'data-active': String(p.active) }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('presets.name'),
            dataIndex: 'name',
            render: (v: string, p) => (
              <Space orientation="vertical" size={0}>
                <span>{lang === 'en' && p.nameEn ? p.nameEn : v}</span>
                {/* The key and version: what a new version of this preset is created under (an identifier, not a word). */}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('presets.key')}：<code translate="no">{p.label}</code>
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('common.status'),
            key: 's',
            render: (_: unknown, p) => (
              <Space size={4}>
                {p.active && (
                  <Tag color="green" data-testid="preset-active">
                    {t('presets.active')}
                  </Tag>
                )}
                <Tag>{p.shipped ? t('presets.shipped') : t('presets.custom')}</Tag>
              </Space>
            ),
          },
          { title: t('presets.activatedAt'), dataIndex: 'activatedAt', render: (v: number | null) => formatTime(v, lang) },
          {
            title: t('presets.createdBy'),
            key: 'by',
            render: (_: unknown, p) => `${p.createdBy.id === null ? t('zoning.system') : p.createdBy.name} · ${formatTime(p.createdAt, lang)}`,
          },
          ...(manage
            ? [
                {
                  title: t('common.actions'),
                  key: 'a',
                  render: (_: unknown, p: PresetDto) => (
                    <Space size={4}>
                      {!p.active && (
                        <Button size="small" type="primary" onClick={() => setSwitching(p)} data-testid="preset-activate">
                          {t('presets.activate')}
                        </Button>
                      )}
                      <Button
                        size="small"
                        onClick={() => {
                          setIssues([]);
                          setCopying(p);
                          form.setFieldsValue({
                            key: `${p.key}-custom`,
                            name: `${p.name}（自定义）`,
                            nameEn: p.nameEn ? `${p.nameEn} (custom)` : '',
                            json: JSON.stringify(p.params, null, 2),
                          });
                        }}
                      >
                        {t('presets.copy')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <ReasonModal
        open={!!switching}
        title={t('presets.activateTitle', { name: switching ? (lang === 'en' && switching.nameEn ? switching.nameEn : switching.name) : '' })}
        onCancel={() => setSwitching(null)}
        onSubmit={async (v) => {
          try {
            await casesApi.activatePreset(switching!.id, v.reason);
            message.success(t('presets.activated'));
            list.reload();
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      >
        <Alert type="info" showIcon title={t('presets.activateHint')} style={{ marginBottom: 12 }} />
      </ReasonModal>
      <Modal
        open={!!copying}
        title={t('presets.createTitle')}
        width={760}
        onCancel={() => setCopying(null)}
        onOk={create}
        okButtonProps={{ loading: busy }}
        forceRender
      >
        <Form form={form} layout="vertical">
          <Space wrap align="start">
            <Form.Item name="key" label={t('presets.key')} extra={t('presets.keyHint')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]*$/ }]}>
              <Input maxLength={CASE_LIMITS.presetKey} style={{ width: 260 }} />
            </Form.Item>
            <Form.Item name="name" label={t('presets.name')} rules={[{ required: true, whitespace: true }]}>
              <Input maxLength={CASE_LIMITS.presetName} style={{ width: 260 }} />
            </Form.Item>
            <Form.Item name="nameEn" label={t('presets.nameEn')}>
              <Input maxLength={CASE_LIMITS.presetName} style={{ width: 180 }} />
            </Form.Item>
          </Space>
          {issues.length > 0 && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              title={t('presets.problems')}
              description={
                <ul style={{ margin: 0, paddingLeft: 18 }} data-testid="preset-issues">
                  {issues.map((i, n) => (
                    <li key={n}>
                      {i.path && <Typography.Text code>{i.path}</Typography.Text>} {i.message}
                    </li>
                  ))}
                </ul>
              }
            />
          )}
          <Form.Item name="json" label={t('presets.json')} rules={[{ required: true }]}>
            <Input.TextArea rows={18} style={{ fontFamily: 'monospace', fontSize: 12 }} spellCheck={false} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
