import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Modal, Result, Row, Skeleton, Space, Table, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { LEVEL_LABELS } from '../../../../common/geo.js';
import {
  AREA_EVENT_LABELS,
  EXTENSION_STATUS_LABELS,
  FLAG_LABELS,
  RISK_LEVEL_LABELS,
  ZONING_LIMITS,
  type AreaDetailDto,
  type AreaNodeDto,
  type RiskLevel,
} from '../../../../common/zoning.js';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { zoningApi } from '../api.js';
import { pickHalf, showText } from '../../../app/bilingual.js';
import { usePlatformNow } from '../clock.js';
import { AdjustModal, PublishModal, StepModal } from '../components/area-actions.js';
import { CaseRefs, FlagMark, LevelTag, MeasureTags, NextStep, Stamp, StatusTag } from '../components/area-bits.js';
import { useZoningErrorText } from '../errors.js';
import { useZoningEvents } from '../live.js';
import { PROPOSE_CAPS, PUBLISH_CAPS } from '../permissions.js';
import { rulesFor } from '../../../app/form-rules.js';
import { PresetName } from '../../../components/preset-name.js';

type Dialog = 'adjust' | 'publish' | 'reject' | 'step' | 'justify' | null;

/** The detector's numbers for this area, flagged rows explained, with the recorded justification. */
function DetectorCard({ area }: { area: AreaDetailDto }) {
  const { t, lang, label } = useI18n();
  const d = area.detector;
  if (!d) return null;
  return (
    <Card title={t('zoning.detector')} size="small" style={{ marginBottom: 16 }} data-testid="area-detector" data-flagged={String(d.flagged)}>
      {d.flagged && (
        <Alert
          type={d.justification ? 'info' : 'warning'}
          showIcon
          title={d.flags.map((f) => label(FLAG_LABELS[f.kind])).join('、')}
          description={d.flags.map((f) => showText(lang, f.message, f.messageKey, f.messageParams)).join('；')}
          style={{ marginBottom: 12 }}
        />
      )}
      <Descriptions size="small" column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t('zoning.areaPopulation')}>{formatCount(d.population, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('zoning.evidencePopulation')}>{formatCount(d.evidenceFootprint, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('zoning.ratio')}>
          <span data-testid="area-ratio">{d.ratio === null ? '—' : d.ratio.toFixed(1)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('zoning.granularity')}>{label(LEVEL_LABELS[d.granularity])}</Descriptions.Item>
        <Descriptions.Item label={t('zoning.presetGranularity')}>{d.presetGranularity ? label(LEVEL_LABELS[d.presetGranularity]) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('zoning.perCase')}>{d.personsPerActiveCase === null ? '—' : d.personsPerActiveCase.toFixed(1)}</Descriptions.Item>
        {d.justification && (
          <Descriptions.Item label={t('zoning.justification')} span={3}>
            {d.justification}
          </Descriptions.Item>
        )}
      </Descriptions>
    </Card>
  );
}

/**
 * One risk area: what it covers and why (nodes, basis cases and contacts), who proposed, approved,
 * published and lifted it, the next lifting step with a live countdown, the detector's numbers,
 * and the history. The actions depend on its state: a proposal is adjusted, published or
 * rejected; a published area is stepped down or lifted (overriding a refusal needs a reason) and,
 * when flagged, kept only with a recorded justification.
 */
export function AreaDetailPage(_: PageProps) {
  const { id = '' } = useParams();
  const { t, lang, label } = useI18n();
  const { canAny } = useSession();
  const { message } = App.useApp();
  const errorText = useZoningErrorText();
  const now = usePlatformNow();
  const area = useRemote((signal) => zoningApi.area(id, signal), [id]);
  const preset = useRemote((signal) => zoningApi.activePreset(signal), []);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [justifyForm] = Form.useForm<{ justification: string }>();
  const [busy, setBusy] = useState(false);
  const [deciding, setDeciding] = useState<{ id: string; accept: boolean } | null>(null);
  useZoningEvents((d) => {
    if (!d || d.areaId === id) area.reload();
  });
  const a = area.data;
  const canPropose = canAny(PROPOSE_CAPS);
  const canPublish = canAny(PUBLISH_CAPS);
  const levels: readonly RiskLevel[] = preset.data?.params.zoning.levels ?? (a ? [a.level] : []);

  const done = (next: AreaDetailDto, text: string) => {
    setDialog(null);
    area.setData(next);
    message.success(text);
  };

  if (area.error && !a) return <ErrorAlert error={area.error} onRetry={area.reload} />;
  if (!a) return <Skeleton active />;

  const justify = async () => {
    const v = await justifyForm.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      done(await zoningApi.justify(a.id, v.justification.trim()), t('zoning.justified'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="zoning-area-page" data-status={a.status} data-level={a.level}>
      <Space style={{ marginBottom: 8 }}>
        <Link to="/zoning/areas">
          <ArrowLeftOutlined /> {t('zoning.backToList')}
        </Link>
      </Space>
      <Space align="center" wrap style={{ marginBottom: 12, width: '100%', justifyContent: 'space-between' }}>
        <Space align="center" wrap>
          <Typography.Title level={3} className="bw-page-title" style={{ margin: 0 }} data-testid="area-name">
            {a.name}
          </Typography.Title>
          <StatusTag status={a.status} />
          <LevelTag level={a.level} />
          <FlagMark flagged={a.flagged} justified={!!a.justification} />
        </Space>
        <Space wrap>
          {a.status === 'proposed' && canPropose && (
            <Button onClick={() => setDialog('adjust')} data-testid="adjust-area">
              {t('zoning.review')}
            </Button>
          )}
          {a.status === 'proposed' && canPublish && (
            <>
              <Button danger onClick={() => setDialog('reject')} data-testid="reject-area">
                {t('zoning.reject')}
              </Button>
              <Button type="primary" onClick={() => setDialog('publish')} data-testid="publish-area">
                {t('zoning.publish')}
              </Button>
            </>
          )}
          {a.status === 'published' && canPublish && a.flagged && !a.justification && (
            <Button onClick={() => setDialog('justify')} data-testid="justify-area">
              {t('zoning.justify')}
            </Button>
          )}
          {a.status === 'published' && canPublish && (
            <Button type="primary" onClick={() => setDialog('step')} data-testid="step-area">
              {!a.schedule?.next || a.schedule.next.to === 'lifted'
                ? t('zoning.liftNow')
                : t('zoning.downgradeNow', { level: label(RISK_LEVEL_LABELS[a.schedule.next.to]) })}
            </Button>
          )}
        </Space>
      </Space>

      {a.status === 'published' && a.liftTaskId && (
        <Alert
          type={a.schedule?.overdue ? 'error' : 'warning'}
          showIcon
          title={a.schedule?.overdue ? t('zoning.overdueAlert') : t('zoning.liftTask')}
          action={
            <Link to={`/tasks/${a.liftTaskId}`} data-testid="lift-task-link">
              {t('zoning.openTask')}
            </Link>
          }
          style={{ marginBottom: 16 }}
          data-testid="lift-task"
        />
      )}
      {a.status === 'published' && a.flagged && !a.justification && (
        <Alert type="warning" showIcon title={t('zoning.justifyTitle')} style={{ marginBottom: 16 }} data-testid="needs-justification" />
      )}

      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Card size="small" style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t('zoning.granularity')}>
                {label(LEVEL_LABELS[a.granularity])} × {a.nodeCount}
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.population')}>{formatCount(a.population, lang)}</Descriptions.Item>
              <Descriptions.Item label={t('zoning.measures')} span={2}>
                <MeasureTags measures={a.measures} />
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.basis')} span={2}>
                <Space orientation="vertical" size={4}>
                  <CaseRefs ids={a.basis.caseIds} />
                  {a.basis.contactIds.length > 0 && <span>{t('zoning.basisContacts', { n: a.basis.contactIds.length })}</span>}
                </Space>
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.preset')} span={2}>
                <PresetName label={a.presetVersion} />
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.proposedBy')}>
                <Stamp stamp={a.proposedBy} />
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.approvedBy')}>
                <Stamp stamp={a.approvedBy} />
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.publishedBy')}>
                <span data-testid="published-by">
                  <Stamp stamp={a.publishedBy} />
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('zoning.liftedBy')}>
                <Stamp stamp={a.liftedBy} />
              </Descriptions.Item>
              {a.rejectedBy && (
                <Descriptions.Item label={t('zoning.reject')} span={2}>
                  <Stamp stamp={a.rejectedBy} /> · {a.rejectedBy.reason}
                </Descriptions.Item>
              )}
              <Descriptions.Item label={t('zoning.levelSince')}>{formatTime(a.levelSince, lang)}</Descriptions.Item>
              <Descriptions.Item label={t('zoning.personsUnder')}>
                <span data-testid="persons-under">{formatCount(a.personsUnderMeasure, lang)}</span>
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title={t('zoning.nodesOf', { n: a.nodes.length })} style={{ marginBottom: 16 }}>
            <Table<AreaNodeDto>
              size="small"
              rowKey="jurisdictionId"
              dataSource={a.nodes}
              pagination={a.nodes.length > 20 ? { pageSize: 20 } : false}
              onRow={() => ({ 'data-testid': 'area-node' }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: t('zoning.name'), dataIndex: 'place' },
                { title: t('zoning.granularity'), dataIndex: 'level', render: (l: AreaNodeDto['level']) => label(LEVEL_LABELS[l]) },
                { title: t('zoning.population'), dataIndex: 'population', render: (n: number) => formatCount(n, lang) },
                { title: t('zoning.code'), dataIndex: 'code', responsive: ['md'] },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          {a.status === 'published' && (
            <Card size="small" title={t('zoning.nextStep')} style={{ marginBottom: 16 }} data-testid="schedule-card">
              <NextStep schedule={a.schedule} now={now} />
              {(a.schedule?.activeCasesInside ?? 0) > 0 && (
                <Typography.Paragraph type="warning" style={{ marginTop: 8, marginBottom: 0 }}>
                  {t('zoning.activeCasesInside')}: {a.schedule!.activeCasesInside}
                </Typography.Paragraph>
              )}
            </Card>
          )}
          {a.extensions.length > 0 && (
            <Card size="small" title={t('zoning.extensions')} style={{ marginBottom: 16 }} data-testid="area-extensions">
              {a.extensions.map((e) => (
                <Space key={e.id} orientation="vertical" size={2} style={{ width: '100%', marginBottom: 8 }} data-testid="extension" data-status={e.status}>
                  <Typography.Text>{pickHalf(e.evidence, lang)}</Typography.Text>
                  <Typography.Text type="secondary">
                    {label(EXTENSION_STATUS_LABELS[e.status])}
                    {e.decidedBy ? ` · ${e.decidedBy.name} · ${formatTime(e.decidedBy.at, lang)} · ${e.decidedBy.reason}` : ''}
                  </Typography.Text>
                  {e.status === 'proposed' && canPublish && a.status === 'published' && (
                    <Space>
                      <Button size="small" type="primary" onClick={() => setDeciding({ id: e.id, accept: true })} data-testid="extension-accept">
                        {t('zoning.extensionAccept')}
                      </Button>
                      <Button size="small" onClick={() => setDeciding({ id: e.id, accept: false })} data-testid="extension-reject">
                        {t('zoning.extensionReject')}
                      </Button>
                    </Space>
                  )}
                </Space>
              ))}
            </Card>
          )}
          <DetectorCard area={a} />
          <Card size="small" title={t('zoning.history')} data-testid="area-history">
            <Timeline
              items={[...a.history].reverse().map((e) => ({
                key: e.id,
                children: (
                  <Space orientation="vertical" size={0}>
                    <span>
                      <strong>{label(AREA_EVENT_LABELS[e.kind], e.kind)}</strong> · {label(RISK_LEVEL_LABELS[e.level])} ·{' '}
                      {e.actor.id === null ? t('zoning.system') : e.actor.name || t('zoning.system')}
                    </span>
                    <Typography.Text type="secondary">{formatTime(e.at, lang)}</Typography.Text>
                    {/* Texts the platform wrote are `中文 · English`; a person's own reason is shown whole. */}
                    {e.reason && <span>{e.actor.id === null ? pickHalf(e.reason, lang) : e.reason}</span>}
                  </Space>
                ),
              }))}
            />
          </Card>
        </Col>
      </Row>

      {dialog === 'adjust' && <AdjustModal area={a} levels={levels} open onClose={() => setDialog(null)} onDone={(n) => done(n, t('zoning.saved'))} />}
      {dialog === 'publish' && <PublishModal area={a} open onClose={() => setDialog(null)} onDone={(n) => done(n, t('zoning.published'))} />}
      {dialog === 'step' && <StepModal area={a} open onClose={() => setDialog(null)} onDone={(n) => done(n, t('zoning.stepped'))} />}
      <ReasonModal
        open={dialog === 'reject'}
        title={t('zoning.rejectTitle')}
        danger
        onCancel={() => setDialog(null)}
        onSubmit={async (v) => {
          try {
            done(await zoningApi.reject(a.id, v.reason), t('zoning.rejected'));
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      />
      <ReasonModal
        open={!!deciding}
        title={deciding?.accept ? t('zoning.extensionAccept') : t('zoning.extensionReject')}
        onCancel={() => setDeciding(null)}
        onSubmit={async (v) => {
          try {
            const next = await zoningApi.decideExtension(a.id, deciding!.id, { accept: deciding!.accept, reason: v.reason });
            setDeciding(null);
            done(next, deciding!.accept ? t('zoning.extensionAccept') : t('zoning.extensionReject'));
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      />
      <Modal
        open={dialog === 'justify'}
        title={t('zoning.justifyTitle')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: busy, 'data-testid': 'justify-submit' } as never}
        onOk={justify}
        onCancel={() => setDialog(null)}
        destroyOnHidden
      >
        {a.detector && (
          <Alert
            type="warning"
            showIcon
            title={a.detector.flags.map((f) => showText(lang, f.message, f.messageKey, f.messageParams)).join('；')}
            style={{ marginBottom: 12 }}
          />
        )}
        <Form form={justifyForm} layout="vertical" preserve={false}>
          <Form.Item
            name="justification"
            label={t('zoning.justification')}
            rules={rulesFor(ZONING_LIMITS.justification, { required: true, message: t('common.required') })}
          >
            <Input.TextArea rows={3} maxLength={ZONING_LIMITS.justification} />
          </Form.Item>
        </Form>
      </Modal>
      {a.status === 'rejected' && <Result status="info" title={t('zoning.rejected')} />}
    </div>
  );
}
