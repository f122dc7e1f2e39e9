import { PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Form,
  Input,
  InputNumber,
  List,
  Modal,
  Row,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  TimePicker,
  Tooltip,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import type { JurisdictionDto } from '../../../../common/geo.js';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { READINESS_ASPECTS, SITE_KINDS, testingApi, type ReadinessAspect, type Site, type SiteKind } from '../api.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { SitesMap } from '../components/lazy.js';
import { useTestingErrorText } from '../errors.js';
import { TESTING_LIMITS } from '../../../../common/testing.js';
import { rulesFor } from '../../../app/form-rules.js';

interface NewSite {
  name: string;
  kind: SiteKind;
  jurisdictionId: string;
  lng: number;
  lat: number;
  lanes: number;
  hours?: [Dayjs, Dayjs] | null;
  servedCompoundIds?: string[];
}

function CreateSiteModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(): void }) {
  const { t } = useI18n();
  const errorText = useTestingErrorText();
  const [form] = Form.useForm<NewSite>();
  const pick = (_: unknown, nodes: JurisdictionDto[]) => {
    const c = nodes[0]?.centroid;
    if (c && form.getFieldValue('lng') === undefined) form.setFieldsValue({ lng: Number(c[0].toFixed(6)), lat: Number(c[1].toFixed(6)) });
  };
  const action = useAction((v: NewSite) =>
    testingApi.createSite({
      name: v.name.trim(),
      kind: v.kind,
      jurisdictionId: v.jurisdictionId,
      location: [v.lng, v.lat],
      lanes: v.lanes,
      ...(v.hours ? { openingHours: [{ from: v.hours[0].format('HH:mm'), to: v.hours[1].format('HH:mm') }] } : {}),
      ...(v.servedCompoundIds?.length ? { servedCompoundIds: v.servedCompoundIds } : {}),
    }),
  );
  const busy = action.busy;
  const error = action.error ? errorText(action.error) : null;
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const c = await action.run(v);
    if (c === undefined) return;
    onCreated();
  };
  return (
    <Modal
      open={open}
      title={t('testing.newSite')}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'site-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
      width={640}
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ kind: 'tent', lanes: 2 }} data-testid="site-form">
        <Form.Item name="name" label={t('testing.siteName')} rules={rulesFor(TESTING_LIMITS.siteName, { required: true, message: t('common.required') })}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t('testing.siteKind')}>
          <Select options={SITE_KINDS.map((k) => ({ value: k, label: t(`testing.siteKind.${k}`) }))} />
        </Form.Item>
        <Form.Item name="jurisdictionId" label={t('testing.siteWhere')} rules={[{ required: true, message: t('common.required') }]}>
          <JurisdictionSearch levels={['community', 'compound']} onChange={pick} data-testid="site-jurisdiction" />
        </Form.Item>
        <Form.Item label={t('testing.siteLocation')} extra={t('testing.siteLocationHint')} required>
          <Space>
            <Form.Item name="lng" noStyle rules={[{ required: true, message: t('common.required') }]}>
              <InputNumber min={-180} max={180} step={0.0001} placeholder={t('testing.lng')} style={{ width: 160 }} />
            </Form.Item>
            <Form.Item name="lat" noStyle rules={[{ required: true, message: t('common.required') }]}>
              <InputNumber min={-90} max={90} step={0.0001} placeholder={t('testing.lat')} style={{ width: 160 }} />
            </Form.Item>
          </Space>
        </Form.Item>
        <Space wrap>
          <Form.Item name="lanes" label={t('testing.lanes')} rules={[{ required: true, message: t('common.required') }]}>
            <InputNumber min={1} max={200} />
          </Form.Item>
          <Form.Item name="hours" label={t('testing.hours')}>
            <TimePicker.RangePicker format="HH:mm" />
          </Form.Item>
        </Space>
        <Form.Item name="servedCompoundIds" label={t('testing.served')}>
          <JurisdictionSearch multiple levels={['compound']} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** One aspect of the four-season checklist as a tag; a click records a check (who and when are kept). */
function ReadinessTag({ site, aspect, canCheck, onCheck }: { site: Site; aspect: ReadinessAspect; canCheck: boolean; onCheck(): void }) {
  const { t, lang } = useI18n();
  const r = site.readiness[aspect];
  const color = !r ? 'default' : r.ready ? 'green' : 'red';
  const tip = r
    ? `${r.ready ? t('testing.readyYes') : t('testing.readyNo')} · ${t('testing.readyCheckedBy', { name: r.checkedBy.name, at: formatTime(r.checkedAt, lang) })}${r.note ? ` · ${r.note}` : ''}`
    : t('testing.readyUnchecked');
  return (
    <Tooltip title={tip}>
      <Tag
        color={color}
        style={{ cursor: canCheck ? 'pointer' : undefined }}
        onClick={canCheck ? onCheck : undefined}
        data-testid={`readiness-${aspect}`}
        data-ready={r ? String(r.ready) : 'unchecked'}
      >
        {t(`testing.aspect.${aspect}`)}
      </Tag>
    </Tooltip>
  );
}

/**
 * Sampling sites (社区采样设施): the four-season readiness checklist of each (sites not ready for
 * the current season listed first), and the 15-minute circle — compounds with no site within the
 * distance — on a map.
 */
export function SitesPage({ jurisdictionId }: PageProps) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useTestingErrorText();
  const canManage = can('testing.manage');
  const [page, setPage] = useState(1);
  const [tick, setTick] = useState(0);
  const [creating, setCreating] = useState(false);
  const [radius, setRadius] = useState(1200);
  const [checking, setChecking] = useState<{ site: Site; aspect: ReadinessAspect } | null>(null);
  const [checkForm] = Form.useForm<{ ready: boolean; note?: string }>();
  const sites = useRemote((signal) => testingApi.sites({ jurisdictionId, limit: 20, offset: (page - 1) * 20 }, signal), [jurisdictionId, page, tick]);
  const allSites = useRemote((signal) => testingApi.sites({ jurisdictionId, active: 'true', limit: 500 }, signal), [jurisdictionId, tick]);
  const notReady = useRemote((signal) => testingApi.notReady({ jurisdictionId }, signal), [jurisdictionId, tick]);
  const gaps = useRemote((signal) => testingApi.uncovered({ jurisdictionId, radiusM: radius }, signal), [jurisdictionId, radius, tick]);
  const points = useMemo(() => (allSites.data?.items ?? []).map((s) => ({ id: s.id, name: s.name, location: s.location })), [allSites.data]);
  const gapPoints = useMemo(() => (gaps.data?.items ?? []).map((g) => ({ id: g.id, name: g.name, centroid: g.centroid })), [gaps.data]);

  const check = async () => {
    if (!checking) return;
    const v = await checkForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      await testingApi.checkReadiness(checking.site.id, { aspect: checking.aspect, ready: v.ready, ...(v.note?.trim() ? { note: v.note.trim() } : {}) });
      setChecking(null);
      setTick((n) => n + 1);
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const nr = notReady.data;
  return (
    <div data-testid="sites-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('testing.sites')}
      </Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={10}>
          <Card
            size="small"
            title={nr ? t('testing.notReady', { season: t(`testing.season.${nr.season}`), aspect: t(`testing.aspect.${nr.aspect}`) }) : t('testing.readiness')}
            data-testid="not-ready"
            style={{ marginBottom: 16 }}
          >
            <ErrorAlert error={notReady.error} onRetry={notReady.reload} />
            {nr && nr.items.length === 0 ? (
              <Alert type="success" showIcon title={t('testing.allReady')} />
            ) : (
              <List size="small" dataSource={nr?.items ?? []} renderItem={(s) => <List.Item data-testid="not-ready-site">{s.name}</List.Item>} />
            )}
          </Card>
          <Card
            size="small"
            title={t('testing.gaps')}
            extra={
              <Space>
                {t('testing.radius')}
                <InputNumber min={100} max={10_000} step={100} value={radius} onChange={(v) => v && setRadius(v)} style={{ width: 100 }} />
              </Space>
            }
            data-testid="gaps"
          >
            <ErrorAlert error={gaps.error} onRetry={gaps.reload} />
            {gaps.data && (
              <>
                <Typography.Paragraph type="secondary">
                  {t('testing.gapsIntro', { radius: gaps.data.radiusM, compounds: gaps.data.compounds, sites: gaps.data.sites })}
                </Typography.Paragraph>
                {gaps.data.items.length === 0 ? (
                  <Alert type="success" showIcon title={t('testing.gapsNone')} />
                ) : (
                  <List
                    size="small"
                    dataSource={gaps.data.items}
                    pagination={gaps.data.items.length > 10 ? { pageSize: 10, size: 'small' } : false}
                    renderItem={(g) => (
                      <List.Item data-testid="gap-compound">
                        <span>{g.name}</span>
                        <Typography.Text type="secondary">{t('common.people', { n: formatCount(g.population, lang) })}</Typography.Text>
                      </List.Item>
                    )}
                  />
                )}
              </>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <Card size="small" title={t('testing.gapsMap')}>
            {gaps.data && allSites.data && <SitesMap sites={points} gaps={gapPoints} radiusM={gaps.data.radiusM} data-testid="sites-map" />}
          </Card>
        </Col>
      </Row>
      <Card
        size="small"
        style={{ marginTop: 16 }}
        title={t('testing.sites')}
        extra={
          canManage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-site">
              {t('testing.newSite')}
            </Button>
          )
        }
      >
        <ErrorAlert error={sites.error} onRetry={sites.reload} />
        <Table<Site>
          rowKey="id"
          size="small"
          loading={sites.loading}
          dataSource={sites.data?.items ?? []}
          scroll={{ x: 960 }}
          pagination={{ current: page, pageSize: 20, total: sites.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
          onRow={(s) => ({ 'data-testid': 'site-row', 'data-name': s.name }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('testing.siteName'), dataIndex: 'name' },
            { title: t('testing.siteKind'), dataIndex: 'kind', render: (k: SiteKind) => t(`testing.siteKind.${k}`) },
            {
              title: t('common.jurisdiction'),
              key: 'j',
              render: (_: unknown, s) => <span title={s.jurisdiction.path}>{s.jurisdiction.name ?? s.jurisdiction.path}</span>,
            },
            { title: t('testing.lanes'), dataIndex: 'lanes' },
            {
              title: t('testing.hours'),
              dataIndex: 'openingHours',
              render: (h: Site['openingHours']) => (h.length ? h.map((x) => `${x.from}–${x.to}`).join('，') : '—'),
            },
            {
              title: t('testing.readiness'),
              key: 'r',
              render: (_: unknown, s) => (
                <Space size={2} wrap>
                  {READINESS_ASPECTS.map((a) => (
                    <ReadinessTag key={a} site={s} aspect={a} canCheck={canManage} onCheck={() => setChecking({ site: s, aspect: a })} />
                  ))}
                </Space>
              ),
            },
            {
              title: t('common.status'),
              dataIndex: 'active',
              render: (active: boolean, s) =>
                canManage ? (
                  <Switch
                    checked={active}
                    checkedChildren={t('testing.siteActive')}
                    unCheckedChildren={t('testing.siteClosed')}
                    onChange={async (v) => {
                      try {
                        await testingApi.updateSite(s.id, { active: v });
                        setTick((n) => n + 1);
                      } catch (err) {
                        message.error(errorText(err));
                      }
                    }}
                  />
                ) : (
                  <Tag color={active ? 'green' : 'default'}>{active ? t('testing.siteActive') : t('testing.siteClosed')}</Tag>
                ),
            },
          ]}
        />
      </Card>
      <CreateSiteModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          message.success(t('testing.siteCreated'));
          setCreating(false);
          setTick((n) => n + 1);
        }}
      />
      <Modal
        open={!!checking}
        title={checking ? `${checking.site.name} · ${t(`testing.aspect.${checking.aspect}`)}` : ''}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        onOk={check}
        onCancel={() => setChecking(null)}
        destroyOnHidden
      >
        <Form form={checkForm} layout="vertical" preserve={false} initialValues={{ ready: true }} data-testid="readiness-form">
          <Form.Item name="ready" label={t('testing.readyMark')} valuePropName="checked">
            <Switch checkedChildren={t('testing.readyYes')} unCheckedChildren={t('testing.readyNo')} />
          </Form.Item>
          <Form.Item name="note" label={t('testing.readyNote')} rules={rulesFor(TESTING_LIMITS.note)}>
            <Input.TextArea rows={2} maxLength={TESTING_LIMITS.note} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
