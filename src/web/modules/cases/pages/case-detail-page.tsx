import { App, Button, Card, Col, Descriptions, Input, Form, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { SPEED_KEYS, type ClinicalStatus, type ContactDto } from '../../../../common/cases.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { JurisdictionName } from '../../../components/jurisdiction-name.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { AssignQuarantineButton } from '../../quarantine/components/assign-quarantine-button.js';
import { casesApi } from '../api.js';
import { AddContactModal } from '../components/add-contact-modal.js';
import { AssistTable } from '../components/assist-table.js';
import { CaseLink, ChannelTag, ControlLabel, KindTag, SpeedCell } from '../components/case-bits.js';
import { PlacesCard } from '../components/places-card.js';
import { PresetName } from '../../../components/preset-name.js';

/**
 * One case (感染者): dates, residence, clinical status, detection channel (管控内/社会面), source
 * case, cluster and preset version; the four speed measures against the targets of that version;
 * places visited; contacts (密接/次密接) with their routing and control status; outgoing 协查.
 */
export function CaseDetailPage(_: PageProps) {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const manage = can('case.manage');
  const c = useRemote((signal) => casesApi.get(id, signal), [id]);
  const contacts = useRemote((signal) => casesApi.contacts(id, signal), [id]);
  const assists = useRemote(
    (signal) => casesApi.assists({ direction: 'outgoing', limit: 200 }, signal).then((r) => r.items.filter((a) => a.caseId === id)),
    [id],
  );
  const [adding, setAdding] = useState(false);
  const [closing, setClosing] = useState<ContactDto | null>(null);
  const [sourcing, setSourcing] = useState(false);

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      c.reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  if (!c.data) return <ErrorAlert error={c.error} onRetry={c.reload} />;
  const d = c.data;
  return (
    <div data-testid="case-detail-page" data-case-id={d.id}>
      <Typography.Title level={3} className="bw-page-title">
        <Space>
          {t('cases.detail')} · {d.nameMasked}
          <KindTag kind={d.kind} />
          <ChannelTag channel={d.detectionChannel} />
        </Space>
      </Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card size="small">
            <Descriptions size="small" column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t('cases.onsetDate')}>{d.onsetDate ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('cases.reportDate')}>{d.reportDate}</Descriptions.Item>
              <Descriptions.Item label={t('cases.residence')}>
                <JurisdictionName path={d.jurisdictionPath} />
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.confirmedAt')}>{formatTime(d.confirmedAt, lang)}</Descriptions.Item>
              <Descriptions.Item label={t('cases.clinicalStatus')}>
                {manage ? (
                  <Select<ClinicalStatus>
                    size="small"
                    value={d.clinicalStatus}
                    style={{ width: 120 }}
                    onChange={(s) => act(() => casesApi.setClinical(d.id, s))}
                    options={(['treatment', 'recovered', 'discharged'] as const).map((s) => ({ value: s, label: t(`cases.clinical.${s}`) }))}
                  />
                ) : (
                  t(`cases.clinical.${d.clinicalStatus}`)
                )}
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.channel')}>
                <ChannelTag channel={d.detectionChannel} />
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.sourceCase')}>
                <Space size={4}>
                  {d.sourceCaseId ? <CaseLink id={d.sourceCaseId} /> : t('cases.unknown')}
                  {manage && (
                    <Button size="small" type="link" onClick={() => setSourcing(true)}>
                      {t('cases.setSource')}
                    </Button>
                  )}
                </Space>
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.cluster')}>
                {d.clusterId ? (
                  <Link to={`/clusters/${d.clusterId}`} data-testid="cluster-link">
                    {t('cases.viewGraph')}
                  </Link>
                ) : (
                  '—'
                )}
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.presetVersion')}>
                <Tag data-testid="case-preset">
                  <PresetName label={d.presetVersion} />
                </Tag>
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.links')}>
                <Typography.Text style={{ fontSize: 12 }}>
                  {t('cases.positiveTube')} {d.links.positiveTubeId?.slice(-8) ?? '—'} · {t('cases.recheckTube')} {d.links.recheckTubeId?.slice(-8) ?? '—'}
                </Typography.Text>
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card
            size="small"
            title={t('cases.speed')}
            data-testid="case-speed"
            extra={
              manage &&
              (d.coreInvestigationAt === null ? (
                <Button size="small" onClick={() => act(() => casesApi.markCoreDone(d.id))} data-testid="mark-core">
                  {t('cases.markCoreDone')}
                </Button>
              ) : (
                <Tag color="green">{t('cases.coreDone')}</Tag>
              ))
            }
          >
            <Row gutter={[12, 12]}>
              {SPEED_KEYS.map((k) => (
                <Col span={12} key={k}>
                  <SpeedCell k={k} m={d.speed[k]} />
                </Col>
              ))}
            </Row>
          </Card>
        </Col>
        <Col span={24}>
          <PlacesCard caseId={d.id} canManage={manage} />
        </Col>
        <Col span={24}>
          <Card
            size="small"
            title={t('cases.contacts')}
            extra={
              manage && (
                <Button type="primary" size="small" onClick={() => setAdding(true)} data-testid="add-contact">
                  {t('cases.addContact')}
                </Button>
              )
            }
          >
            <ErrorAlert error={contacts.error} onRetry={contacts.reload} />
            <Table<ContactDto>
              rowKey="id"
              size="small"
              pagination={false}
              scroll={{ x: 1100 }}
              loading={contacts.loading}
              dataSource={contacts.data?.items ?? []}
              locale={{ emptyText: t('cases.contact.none') }}
              onRow={(x) => ({ 'data-testid': 'contact-row', 'data-id': x.id, 'data-routing': x.routing }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: t('cases.name'), dataIndex: 'nameMasked' },
                {
                  title: t('cases.contact.category'),
                  dataIndex: 'category',
                  render: (v: ContactDto['category']) => <Tag color={v === 'close' ? 'magenta' : 'gold'}>{t(`cases.category.${v}`)}</Tag>,
                },
                {
                  title: t('cases.contact.exposureDate'),
                  dataIndex: 'exposureDate',
                  render: (v: string, x) => (
                    <Space size={4}>
                      {v}
                      {x.beforeLookback && <Tag color="orange">{t('cases.contact.beforeLookback')}</Tag>}
                    </Space>
                  ),
                },
                { title: t('cases.contact.exposurePlace'), dataIndex: 'exposurePlace', render: (v: string | null) => v ?? '—' },
                { title: t('cases.contact.relation'), dataIndex: 'relation', render: (v: string | null) => v ?? '—' },
                { title: t('cases.contact.routing'), dataIndex: 'routing', render: (v: ContactDto['routing']) => t(`cases.routing.${v}`) },
                {
                  title: t('cases.contact.control'),
                  dataIndex: 'controlStatus',
                  render: (v: string | null) => (
                    <span data-testid="contact-control">
                      <ControlLabel status={v} />
                    </span>
                  ),
                },
                { title: t('cases.contact.status'), dataIndex: 'status', render: (v: ContactDto['status']) => t(`cases.contactStatus.${v}`) },
                {
                  title: t('common.actions'),
                  key: 'a',
                  render: (_: unknown, x) =>
                    manage &&
                    x.status === 'open' && (
                      <Space size={4}>
                        {x.personId && x.routing === 'local' && x.status === 'open' && x.quarantinedAt === null && (
                          <AssignQuarantineButton
                            personId={x.personId}
                            basis={{
                              type: 'contact',
                              id: x.id,
                              category: x.category,
                              day: x.exposureDate,
                              label: `${t(`quarantine.category.${x.category}`)} · ${x.exposureDate}`,
                            }}
                            onDone={() => (contacts.reload(), c.reload())}
                          />
                        )}
                        <Button size="small" type="link" onClick={() => setClosing(x)}>
                          {t('cases.contact.close')}
                        </Button>
                      </Space>
                    ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col span={24}>
          <Card size="small" title={t('cases.assists')}>
            <AssistTable items={assists.data ?? []} loading={assists.loading} onChanged={assists.reload} />
          </Card>
        </Col>
      </Row>
      <AddContactModal
        caseId={d.id}
        open={adding}
        onCancel={() => setAdding(false)}
        onDone={() => {
          setAdding(false);
          contacts.reload();
          assists.reload();
          c.reload();
        }}
      />
      <ReasonModal
        open={!!closing}
        title={`${t('cases.contact.close')} · ${closing?.nameMasked ?? ''}`}
        onCancel={() => setClosing(null)}
        onSubmit={async (v) => {
          try {
            await casesApi.closeContact(closing!.id, v.reason);
            contacts.reload();
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      />
      <ReasonModal
        open={sourcing}
        title={t('cases.setSource')}
        onCancel={() => setSourcing(false)}
        onSubmit={async (v) => {
          try {
            await casesApi.setSource(d.id, v.sourceCaseId?.trim() || null, v.reason);
            c.reload();
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      >
        <Form.Item name="sourceCaseId" label={t('cases.sourceCaseId')} initialValue={d.sourceCaseId ?? ''}>
          <Input />
        </Form.Item>
      </ReasonModal>
    </div>
  );
}
