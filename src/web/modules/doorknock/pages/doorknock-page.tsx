import { PhoneOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Input, Select, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { CONTROL_STATUS_LABELS } from '../../../../common/control.js';
import type { MessageKey } from '../../../../common/i18n.js';
import { errorText } from '../../../app/errors.js';
import { formatTime } from '../../../app/format.js';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import type { Decoded } from '../../../components/barcode-decoder.js';
import type { CameraProblem } from '../../../components/camera.js';
import { CameraScanner } from '../../../components/camera-scanner.js';
import { testingApi } from '../../testing/api.js';
import { OUTCOME_ORDER, doorknockApi, type KnockList, type KnockOutcome, type KnockResident } from '../api.js';
import { buildingCodeOf } from '../building-code.js';

/** The grid worker's preset reason for a phone reveal (issue 16). */
const REVEAL_REASON = '敲门核查';

/** Server codes this page explains in the interface language. */
const CODE_TEXT: Record<string, MessageKey> = {
  DOORKNOCK_BUILDING_NOT_FOUND: 'doorknock.error.buildingNotFound',
  DOORKNOCK_PERSON_NOT_IN_BUILDING: 'doorknock.error.personNotFound',
  PERSON_NOT_FOUND: 'doorknock.error.personNotFound',
  NOT_FOUND: 'doorknock.error.personNotFound',
  DOORKNOCK_PERSON_APART: 'doorknock.error.apart',
  REASON_REQUIRED: 'doorknock.error.reason',
  PERSON_UNDER_AREA_MEASURE: 'doorknock.error.areaMeasure',
};

/**
 * Door-knocking (敲门行动) on a phone: one building at a time, picked from a list or by its scanned
 * code (typed, from a hand scanner, or read by the camera); residents as cards by entrance, floor and room with their control status; tap-to-call (a
 * journaled reveal with the preset reason 敲门核查); one tap per knock's outcome.
 */
export function DoorknockPage(_: PageProps) {
  const { t, lang, label } = useI18n();
  const { message } = App.useApp();
  const errText = (e: unknown) => (e instanceof ApiError && CODE_TEXT[e.code] ? t(CODE_TEXT[e.code]) : errorText(e, t, lang));
  const campaigns = useRemote((signal) => testingApi.campaigns({ status: 'active', limit: 50 }, signal), []);
  const buildings = useRemote((signal) => doorknockApi.buildings({}, signal), []);
  const [campaignId, setCampaignId] = useState<string>();
  const [buildingId, setBuildingId] = useState<string>();
  const [code, setCode] = useState('');
  const [scanError, setScanError] = useState<string>();
  const [phones, setPhones] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string>();
  useEffect(() => {
    if (!campaignId && campaigns.data?.items.length) setCampaignId(campaigns.data.items[0].id);
  }, [campaignId, campaigns.data]);
  const list = useRemote(
    (signal) => (campaignId && buildingId ? doorknockApi.list(campaignId, buildingId, signal) : Promise.resolve(null)),
    [campaignId, buildingId],
  );

  async function openCode(value = code) {
    setScanError(undefined);
    try {
      const r = await doorknockApi.buildings({ code: value.trim() });
      setBuildingId(r.items[0]?.id);
    } catch (e) {
      setScanError(errText(e));
    }
  }

  /** A code the camera read: a building's code opens its list; anything else is refused, amber. */
  function cameraRead(d: Decoded) {
    const c = buildingCodeOf(d);
    if (!c) return setScanError(t('doorknock.foreignCode'));
    setCode(c);
    void openCode(c);
  }

  /** The camera cannot be used: say why, and that typing or the list still work. */
  const cameraProblem = (p: CameraProblem) => setScanError(`${t(`sampler.camera.${p}`)} ${t('doorknock.cameraFallback')}`);

  async function record(p: KnockResident, outcome: KnockOutcome) {
    if (!campaignId) return;
    setBusy(p.personId);
    try {
      await doorknockApi.knock(campaignId, { personId: p.personId, outcome });
      message.success(t('doorknock.recorded', { outcome: t(`doorknock.outcome.${outcome}`) }));
      list.reload();
    } catch (e) {
      message.error(errText(e));
    } finally {
      setBusy(undefined);
    }
  }

  async function call(p: KnockResident) {
    try {
      // The preset reason is recorded in Chinese whatever the interface language (the journal's language).
      const r = await doorknockApi.phone(p.personId, REVEAL_REASON);
      setPhones((m) => ({ ...m, [p.personId]: r.value }));
      window.location.href = `tel:${r.value}`;
    } catch (e) {
      message.error(errText(e));
    }
  }

  const place = (p: KnockResident) =>
    [p.entrance, p.floor !== null ? t('doorknock.floor', { floor: p.floor }) : null, p.room ? t('doorknock.room', { room: p.room }) : null]
      .filter(Boolean)
      .join(' · ');

  const card = (p: KnockResident, actions: boolean) => (
    <Card key={p.personId} size="small" data-testid="knock-card" data-person={p.personId} style={{ marginBottom: 8 }}>
      <Space direction="vertical" size={4} style={{ width: '100%' }}>
        <Space wrap>
          <Typography.Text strong>{place(p) || p.address}</Typography.Text>
          <Typography.Text>{p.name}</Typography.Text>
          <Tag>{label(CONTROL_STATUS_LABELS[p.status])}</Tag>
          {p.confirmedCase && <Tag color="red">{t('doorknock.confirmedCase')}</Tag>}
          {p.exempt && <Tag>{t('doorknock.exempt')}</Tag>}
        </Space>
        {p.lastKnock && (
          <Typography.Text type="secondary" data-testid="last-knock">
            {t('doorknock.lastKnock', {
              outcome: t(`doorknock.outcome.${p.lastKnock.outcome}`),
              by: p.lastKnock.actorName,
              at: formatTime(p.lastKnock.at, lang),
            })}{' '}
            · {t('doorknock.knocks', { n: p.knocks })}
          </Typography.Text>
        )}
        {actions && (
          <>
            {p.phoneMasked ? (
              phones[p.personId] ? (
                <a href={`tel:${phones[p.personId]}`}>
                  <PhoneOutlined /> {phones[p.personId]}
                </a>
              ) : (
                <Button icon={<PhoneOutlined />} onClick={() => void call(p)}>
                  {t('doorknock.call')} {p.phoneMasked}
                </Button>
              )
            ) : (
              <Typography.Text type="secondary">{t('doorknock.noPhone')}</Typography.Text>
            )}
            <Space wrap>
              {OUTCOME_ORDER.map((o) => (
                <Button key={o} size="middle" loading={busy === p.personId} onClick={() => void record(p, o)}>
                  {t(`doorknock.outcome.${o}`)}
                </Button>
              ))}
            </Space>
          </>
        )}
      </Space>
    </Card>
  );

  const d: KnockList | null | undefined = list.data;
  return (
    <div style={{ maxWidth: 640 }}>
      <Typography.Title level={2} style={{ fontSize: 22 }}>
        {t('doorknock.title')}
      </Typography.Title>
      <Space direction="vertical" style={{ width: '100%' }}>
        {campaigns.data && !campaigns.data.items.length && <Alert type="info" message={t('doorknock.noCampaign')} />}
        <Select
          aria-label={t('doorknock.campaign')}
          style={{ width: '100%' }}
          value={campaignId}
          placeholder={t('doorknock.campaign')}
          options={(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
          onChange={setCampaignId}
        />
        <Select
          aria-label={t('doorknock.pickBuilding')}
          data-testid="building-select"
          showSearch
          optionFilterProp="label"
          style={{ width: '100%' }}
          value={buildingId}
          placeholder={t('doorknock.pickBuilding')}
          options={(buildings.data?.items ?? []).map((b) => ({ value: b.id, label: b.place }))}
          onChange={setBuildingId}
        />
        <Space.Compact style={{ width: '100%' }}>
          <Input
            aria-label={t('doorknock.scanCode')}
            placeholder={t('doorknock.scanCode')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            onPressEnter={() => void openCode()}
          />
          <CameraScanner
            wanted={(d) => buildingCodeOf(d) !== null}
            title={t('doorknock.camera')}
            aim={t('doorknock.cameraAim')}
            testId="camera-building"
            size="middle"
            onRead={cameraRead}
            onProblem={cameraProblem}
          />
          <Button onClick={() => void openCode()} disabled={!code.trim()}>
            {t('doorknock.open')}
          </Button>
        </Space.Compact>
        {scanError && <Alert type="warning" showIcon message={scanError} data-testid="scan-notice" />}
        {list.error && <Alert type="error" message={errText(list.error)} />}
        {list.loading && !d && buildingId && <Spin />}
        {d && (
          <>
            <Typography.Text data-testid="knock-progress">
              {t('doorknock.progress', { target: d.target, sampled: d.sampled, toKnock: d.toKnock.length })}
            </Typography.Text>
            <Typography.Title level={2} style={{ fontSize: 18 }}>
              {t('doorknock.toKnock')}
            </Typography.Title>
            <div data-testid="to-knock">{d.toKnock.length ? d.toKnock.map((p) => card(p, true)) : <Empty description={t('doorknock.none')} />}</div>
            <Typography.Title level={2} style={{ fontSize: 18 }}>
              {t('doorknock.settled')}
            </Typography.Title>
            <div data-testid="settled">{d.settled.length ? d.settled.map((p) => card(p, false)) : <Empty description={t('doorknock.none')} />}</div>
            <Typography.Title level={2} style={{ fontSize: 18 }}>
              {t('doorknock.apart')}
            </Typography.Title>
            <div data-testid="apart">{d.apart.length ? d.apart.map((p) => card(p, false)) : <Empty description={t('doorknock.none')} />}</div>
          </>
        )}
      </Space>
    </div>
  );
}
