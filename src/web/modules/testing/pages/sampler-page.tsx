import { CloudSyncOutlined, DisconnectOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Input, List, Progress, Select, Space, Tag, Typography, type InputRef } from 'antd';
import { useRef, useState } from 'react';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe } from '../../../app/session.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import type { Recheck } from '../api.js';
import { CameraScanner } from '../../../components/camera-scanner.js';
import { RecheckSampleModal } from '../components/recheck-sample-modal.js';
import type { Decoded } from '../../../components/barcode-decoder.js';
import { isTubeBarcode } from '../sampler-codes.js';
import { useSamplerSession } from '../use-sampler-session.js';

/** The control status each scan attention stands for (its label is the status's own). */
const ATTENTION_STATUS = { home_quarantine: 'quarantined_home', central_quarantine: 'quarantined_central', sealed_area: 'sealed' } as const;

/**
 * The sampler's page (采样), phone width first. Pick the campaign and the site, open a tube by
 * scanning or typing its barcode, then add each person by scanning their resident code (a scanner
 * types it into the field and presses Enter) or typing an ID number. Every operation carries a
 * client-generated id and goes through a local queue kept in localStorage: with the network down
 * the page keeps working and sends the queue later through the batch API with the same ids, so a
 * retry never counts twice. The page shows the count against the pool size and the last masked
 * names; the tube closes by itself when full, or on demand.
 */
export function SamplerPage(_: PageProps) {
  const { t, lang } = useI18n();
  const me = useMe();
  const session = useSamplerSession(me.id);
  const { setup, chooseSetup, tube, notice, setNotice, log, queue, qs, campaigns, sites, campaign, rechecks, pending, shown, full } = session;
  const [barcode, setBarcode] = useState('');
  const [person, setPerson] = useState('');
  const [recheck, setRecheck] = useState<Recheck | null>(null);
  const personRef = useRef<InputRef>(null);
  const barcodeRef = useRef<InputRef>(null);

  const openTube = () => {
    if (!session.openTube(barcode)) return;
    setBarcode('');
    setTimeout(() => personRef.current?.focus(), 0);
  };
  const addPerson = () => {
    const done = session.addPerson(person);
    if (done === 'refused') return;
    setPerson('');
    if (done === 'tube-full') setTimeout(() => barcodeRef.current?.focus(), 0);
    else personRef.current?.focus();
  };
  /** A code the camera read: opens a tube or adds a person, then puts the cursor where the next code goes. */
  const cameraRead = (d: Decoded) => {
    const done = session.cameraRead(d);
    if (done === 'opened' || done === 'added') setTimeout(() => personRef.current?.focus(), 0);
    else if (done === 'tube-full') setTimeout(() => barcodeRef.current?.focus(), 0);
  };
  const closeTube = () => {
    if (!tube) return;
    session.closeTube();
    setTimeout(() => barcodeRef.current?.focus(), 0);
  };

  const siteOptions = (sites.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name}（${t(`testing.siteKind.${s.kind}`)}）` }));

  return (
    <div className="bw-sampler" data-testid="sampler-page" style={{ maxWidth: 560, margin: '0 auto' }}>
      <Typography.Title level={3} className="bw-page-title">
        {t('sampler.title')}
      </Typography.Title>
      <ErrorAlert error={campaigns.error ?? sites.error} onRetry={() => (campaigns.reload(), sites.reload())} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Select
            size="large"
            style={{ width: '100%' }}
            placeholder={t('sampler.pickCampaign')}
            value={campaign ? setup.campaignId : undefined}
            onChange={(v) => chooseSetup({ campaignId: v })}
            loading={campaigns.loading}
            notFoundContent={t('sampler.noActive')}
            options={(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.name}（${t(`testing.poolMode.${c.poolSize}`)}）` }))}
            data-testid="sampler-campaign"
          />
          <Select
            size="large"
            style={{ width: '100%' }}
            placeholder={t('sampler.pickSite')}
            value={setup.siteId && siteOptions.some((o) => o.value === setup.siteId) ? setup.siteId : undefined}
            onChange={(v) => chooseSetup({ siteId: v })}
            loading={sites.loading}
            showSearch={{ optionFilterProp: 'label' }}
            options={siteOptions}
            data-testid="sampler-site"
          />
        </Space>
      </Card>

      <div data-testid="queue-status" data-queued={qs.items.length} data-online={String(qs.online)} style={{ marginBottom: 12 }}>
        {qs.online ? (
          <Space wrap>
            <Tag icon={<CloudSyncOutlined />} color="green">
              {t('sampler.online')}
            </Tag>
            <Typography.Text type="secondary">
              {qs.items.length ? (qs.sending ? t('sampler.sending') : t('sampler.queued', { n: qs.items.length })) : t('sampler.allSent')}
            </Typography.Text>
          </Space>
        ) : (
          <Alert
            type="warning"
            showIcon
            icon={<DisconnectOutlined />}
            title={t('sampler.offline')}
            description={t('sampler.queued', { n: qs.items.length })}
            action={
              <Button size="small" onClick={() => void queue?.flush()} loading={qs.sending} data-testid="send-now">
                {t('sampler.sendNow')}
              </Button>
            }
          />
        )}
      </div>

      {notice && (
        <Alert
          type={notice.type}
          showIcon
          title={notice.text}
          closable={{ onClose: () => setNotice(null) }}
          style={{ marginBottom: 12 }}
          data-testid="sampler-notice"
        />
      )}

      {!tube ? (
        <Card size="small" title={t('sampler.openTube')} style={{ marginBottom: 12 }}>
          <Space.Compact style={{ width: '100%' }}>
            <Input
              ref={barcodeRef}
              size="large"
              autoFocus
              autoComplete="off"
              placeholder={t('sampler.tubeBarcode')}
              value={barcode}
              onChange={(e) => setBarcode(e.target.value)}
              onPressEnter={openTube}
              data-testid="tube-barcode-input"
            />
            <CameraScanner
              wanted={(d) => d.linear || isTubeBarcode(d.text)}
              title={t('sampler.cameraTube')}
              aim={t('sampler.cameraAim')}
              testId="camera-tube"
              onRead={cameraRead}
              onProblem={session.cameraProblem}
            />
            <Button size="large" type="primary" onClick={openTube} data-testid="open-tube">
              {t('sampler.openTube')}
            </Button>
          </Space.Compact>
        </Card>
      ) : (
        <Card
          size="small"
          style={{ marginBottom: 12 }}
          title={
            <Space>
              {t('sampler.currentTube')}
              <Typography.Text code data-testid="current-barcode">
                {tube.barcode}
              </Typography.Text>
              {tube.status === 'opening' && <Tag>{t('sampler.pending')}</Tag>}
            </Space>
          }
          data-testid="current-tube"
        >
          <div style={{ textAlign: 'center', marginBottom: 12 }}>
            <Typography.Title level={2} style={{ margin: 0 }} data-testid="tube-count" data-count={tube.count} data-pending={pending}>
              {t('sampler.countOfPool', { count: shown, pool: tube.poolSize })}
            </Typography.Title>
            {pending > 0 && <Typography.Text type="warning">{t('sampler.queued', { n: pending })}</Typography.Text>}
            <Progress percent={Math.round((100 * shown) / Math.max(1, tube.poolSize))} showInfo={false} status={full ? 'success' : 'active'} />
          </div>
          <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
            <Input
              ref={personRef}
              size="large"
              autoFocus
              autoComplete="off"
              placeholder={t('sampler.personInput')}
              value={person}
              onChange={(e) => setPerson(e.target.value)}
              onPressEnter={addPerson}
              disabled={full}
              data-testid="person-input"
            />
            <CameraScanner
              wanted={(d) => !d.linear}
              title={t('sampler.cameraPerson')}
              aim={t('sampler.cameraAim')}
              testId="camera-person"
              disabled={full}
              onRead={cameraRead}
              onProblem={session.cameraProblem}
            />
            <Button size="large" type="primary" onClick={addPerson} disabled={full} data-testid="add-person">
              {t('sampler.add')}
            </Button>
          </Space.Compact>
          <div style={{ marginBottom: 12 }}>
            <Typography.Text type="secondary">{t('sampler.lastNames')}：</Typography.Text>
            <span data-testid="last-names">{tube.lastNames.length ? tube.lastNames.map((n, i) => <Tag key={`${n}${i}`}>{n}</Tag>) : '—'}</span>
          </div>
          <Button block size="large" danger onClick={closeTube} disabled={shown === 0} data-testid="close-tube">
            {t('sampler.closeTube')}
          </Button>
        </Card>
      )}

      <Card size="small" title={t('sampler.log')} style={{ marginBottom: 12 }}>
        {log.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.noData')} />
        ) : (
          <List
            size="small"
            dataSource={log}
            data-testid="sampler-log"
            renderItem={(e) => {
              const queued = qs.items.some((q) => q.op.clientId === e.clientId);
              const status = queued ? 'pending' : e.status;
              const color = status === 'applied' ? 'green' : status === 'duplicate' ? 'blue' : status === 'rejected' ? 'red' : 'default';
              return (
                <List.Item data-testid="sampler-log-entry" data-status={status} data-op={e.op}>
                  <Space wrap size={4}>
                    <Tag color={color}>{status === 'pending' ? t('sampler.pending') : status === 'applied' ? '✓' : status === 'duplicate' ? '↺' : '✗'}</Tag>
                    {e.op === 'scan' && e.name && (
                      <Typography.Text strong data-testid="log-name">
                        {e.name}
                      </Typography.Text>
                    )}
                    <Typography.Text type={e.op === 'scan' && e.name ? 'secondary' : undefined} data-testid="log-label">
                      {e.op === 'open'
                        ? `${t('sampler.openTube')} ${e.label}`
                        : e.op === 'close'
                          ? `${t('sampler.closeTube')} ${e.label}`
                          : e.label.startsWith('…')
                            ? `${t('sampler.codeTail')} ${e.label}`
                            : e.label}
                    </Typography.Text>
                    {(e.attention ?? []).map((a) => (
                      <Tag key={a} color="orange" data-testid="log-attention">
                        {t(`control.status.${ATTENTION_STATUS[a]}`)}
                      </Tag>
                    ))}
                    {e.text && <Typography.Text type={status === 'rejected' ? 'danger' : 'secondary'}>{e.text}</Typography.Text>}
                  </Space>
                </List.Item>
              );
            }}
          />
        )}
      </Card>

      {setup.campaignId && (rechecks.data?.items.length ?? 0) > 0 && (
        <Card size="small" title={t('sampler.rechecks')} data-testid="sampler-rechecks">
          <List
            size="small"
            dataSource={rechecks.data?.items ?? []}
            renderItem={(r) => (
              <List.Item
                data-testid="sampler-recheck"
                actions={[
                  <Button key="s" size="small" type="primary" onClick={() => setRecheck(r)} data-testid="recheck-sample">
                    {t('testing.recheckSample')}
                  </Button>,
                ]}
              >
                <Space orientation="vertical" size={0}>
                  <span>{r.nameMasked}</span>
                  <Typography.Text type={r.overdue ? 'danger' : 'secondary'}>
                    {t('testing.recheckDue')}：{formatTime(r.dueAt, lang)}
                  </Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        </Card>
      )}
      <RecheckSampleModal recheck={recheck} onClose={() => setRecheck(null)} onDone={rechecks.reload} />
    </div>
  );
}
