import { PrinterOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Descriptions, Result, Row, Skeleton, Space, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ID_TYPE_LABELS, VULNERABLE_LABELS } from '../../../../common/geo.js';
import { formatTime } from '../../../app/format.js';
import { useServerText } from '../../../app/bilingual.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { ChangeStatusModal } from '../../control/components/change-status-modal.js';
import { ControlStatusCard } from '../../control/components/control-status-card.js';
import { geoApi } from '../../geo/api.js';
import { populationApi, type PersonDetail } from '../api.js';
import { MergeModal } from '../components/merge-modal.js';
import { ResidentCodeQr } from '../components/resident-code-qr.js';
import { useActorName } from '../../../app/actor-name.js';

/** The building of a resident's address (the address is a building or one of its entrances). */
function useBuildingId(p: PersonDetail | undefined) {
  const addressId = p?.address?.jurisdictionId;
  return useRemote(
    async (signal) => {
      if (!addressId) return null;
      const d = await geoApi.detail(addressId, signal);
      if (d.node.level === 'building') return d.node.id;
      return d.ancestors.find((a) => a.level === 'building')?.id ?? null;
    },
    [addressId],
  );
}

/**
 * One person: identity (masked), address, the resident code to scan, the control status with
 * why (the basis chain), merges, and for a non-resident the merge into the resident they are.
 */
export function PersonDetailPage(_: PageProps) {
  const { id = '' } = useParams();
  const { t, lang, label } = useI18n();
  const text = useServerText();
  const actorName = useActorName();
  const { can } = useSession();
  const navigate = useNavigate();
  const person = useRemote((signal) => populationApi.get(id, signal), [id]);
  const building = useBuildingId(person.data);
  const [merging, setMerging] = useState(false);
  const [changing, setChanging] = useState(false);
  const [statusTick, setStatusTick] = useState(0);
  const p = person.data;

  if (person.error?.status === 404)
    return <Result status="404" title="404" subTitle={t('error.notFound')} extra={<Link to="/persons">{t('population.back')}</Link>} />;
  if (!p) return person.error ? <ErrorAlert error={person.error} onRetry={person.reload} /> : <Skeleton active />;

  return (
    <div data-testid="person-detail" data-person-id={p.id}>
      <Space style={{ marginBottom: 8 }}>
        <Link to="/persons">← {t('population.back')}</Link>
      </Space>
      <Typography.Title level={3} className="bw-page-title">
        {p.name} {!p.resident && <Tag>{t('person.nonResident')}</Tag>}
      </Typography.Title>
      {p.mergedInto && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('population.merged')}
          action={
            <Button size="small" onClick={() => navigate(`/persons/${p.mergedInto}`)}>
              {t('population.mergedOpen')}
            </Button>
          }
          data-testid="merged-banner"
        />
      )}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Card
              title={t('population.detail')}
              extra={
                !p.resident && !p.mergedInto && can('person.manage') ? (
                  <Button danger onClick={() => setMerging(true)} data-testid="merge-button">
                    {t('population.merge')}
                  </Button>
                ) : undefined
              }
            >
              <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
                <Descriptions.Item label={t('person.name')}>{p.name}</Descriptions.Item>
                <Descriptions.Item label={t('population.idType')}>{label(ID_TYPE_LABELS[p.idType], p.idType)}</Descriptions.Item>
                <Descriptions.Item label={t('person.idNumber')}>{p.idNumberMasked}</Descriptions.Item>
                <Descriptions.Item label={t('person.phone')}>{p.phoneMasked ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('person.sex')}>{t(`person.sex.${p.sex}`)}</Descriptions.Item>
                <Descriptions.Item label={t('person.birthYear')}>{p.birthYear}</Descriptions.Item>
                <Descriptions.Item label={t('person.address')} span={2}>
                  {p.address?.text ?? p.location.text}
                </Descriptions.Item>
                {!p.resident && <Descriptions.Item label={t('population.regionOfOrigin')}>{p.regionOfOrigin ?? '—'}</Descriptions.Item>}
                <Descriptions.Item label={t('person.vulnerable')}>
                  {p.vulnerable.length
                    ? p.vulnerable.map((f) => (
                        <Tag key={f} color="orange">
                          {label(VULNERABLE_LABELS[f], f)}
                        </Tag>
                      ))
                    : '—'}
                </Descriptions.Item>
                <Descriptions.Item label={t('population.tags')}>{p.tags.length ? p.tags.map((x) => <Tag key={x}>{x}</Tag>) : '—'}</Descriptions.Item>
              </Descriptions>
            </Card>
            {can('control.read') && (
              <ControlStatusCard
                personId={p.id}
                reloadKey={statusTick}
                extra={
                  can('control.change') && !p.mergedInto ? (
                    <Button onClick={() => setChanging(true)} data-testid="change-status">
                      {t('control.change')}
                    </Button>
                  ) : undefined
                }
              />
            )}
            {p.merges.length > 0 && (
              <Card title={t('population.merges')} data-testid="merges">
                <Timeline
                  items={p.merges.map((m) => ({
                    key: m.id,
                    content: (
                      <div>
                        <Space size={4} wrap>
                          {/* The other record by a word, not by the tail of its id. */}
                          <Link to={`/persons/${m.fromPersonId}`}>{m.fromPersonId === p.id ? p.name : t('population.otherRecord')}</Link>→
                          <Link to={`/persons/${m.intoPersonId}`}>{m.intoPersonId === p.id ? p.name : t('population.otherRecord')}</Link>
                        </Space>
                        <div>
                          {t('common.reason')}：{text(m.reason)}
                        </div>
                        <Typography.Text type="secondary">
                          {t('control.changeBy', { actor: actorName(m.actor), at: formatTime(m.at, lang) })} · {t('control.journalSeq', { seq: m.journalSeq })}
                        </Typography.Text>
                      </div>
                    ),
                  }))}
                />
              </Card>
            )}
          </Space>
        </Col>
        <Col xs={24} lg={10}>
          <Card
            title={t('population.residentCode')}
            extra={
              building.data ? (
                <a href={populationApi.residentCodesUrl(building.data)} target="_blank" rel="noreferrer">
                  <Button size="small" icon={<PrinterOutlined />}>
                    {t('population.printBuilding')}
                  </Button>
                </a>
              ) : undefined
            }
          >
            <ResidentCodeQr personId={p.id} />
          </Card>
        </Col>
      </Row>
      {merging && (
        <MergeModal
          open={merging}
          person={p}
          onClose={() => setMerging(false)}
          onMerged={(into) => {
            person.reload();
            navigate(`/persons/${into.id}`);
          }}
        />
      )}
      <ChangeStatusModal open={changing} personIds={[p.id]} onClose={() => setChanging(false)} onDone={() => setStatusTick((n) => n + 1)} />
    </div>
  );
}
