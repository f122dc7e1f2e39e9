import { CloudSyncOutlined, DisconnectOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Input, List, Progress, Select, Space, Tag, Typography, type InputRef } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { formatTime } from '../../../app/format.js';
import { uuid } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { BARCODE_PATTERN, testingApi, type BatchOp, type Recheck, type TubeStatus } from '../api.js';
import { RecheckSampleModal } from '../components/recheck-sample-modal.js';
import { useTestingErrorText } from '../errors.js';
import { SamplerQueue, type QueueState, type SentOp } from '../sampler-queue.js';

/** The tube being filled, as far as this device knows it (kept across reloads). */
interface CurrentTube {
  campaignId: string;
  barcode: string;
  tubeId: string | null;
  poolSize: number;
  /** Persons the server has counted in it. */
  count: number;
  status: TubeStatus | 'opening';
  lastNames: string[];
}

/** A line of the device's log. */
interface LogEntry {
  clientId: string;
  op: BatchOp['op'];
  label: string;
  status: 'pending' | 'applied' | 'duplicate' | 'rejected';
  text: string | null;
  at: number;
}

function stored<T>(key: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
}
function store(key: string, v: unknown): void {
  try {
    if (v === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(v));
  } catch {
    // Not kept across reloads; the page still works.
  }
}

/** A resident code is shortened on screen; an ID number is masked like everywhere else. */
function labelOf(input: string): string {
  if (/^BW[12]\./.test(input)) return `${input.slice(0, 12)}…`;
  return input.length > 8 ? `${input.slice(0, 6)}****${input.slice(-4)}` : input;
}

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
  const { message } = App.useApp();
  const errorText = useTestingErrorText();
  const keys = useMemo(() => ({ setup: `bulwark.sampler.setup.${me.id}`, tube: `bulwark.sampler.tube.${me.id}` }), [me.id]);
  const [setup, setSetup] = useState<{ campaignId?: string; siteId?: string }>(() => stored(keys.setup) ?? {});
  const [tube, setTubeState] = useState<CurrentTube | null>(() => stored(keys.tube));
  const [notice, setNotice] = useState<{ type: 'success' | 'info' | 'warning' | 'error'; text: string } | null>(null);
  // Operations still queued from an earlier visit (a reload, an expired session) start the log.
  const [log, setLog] = useState<LogEntry[]>(() =>
    (stored<{ op: BatchOp; label: string; queuedAt: number }[]>(`bulwark.sampler.queue.${me.id}`) ?? [])
      .map((q) => ({ clientId: q.op.clientId, op: q.op.op, label: q.label, status: 'pending' as const, text: null, at: q.queuedAt }))
      .reverse(),
  );
  const [barcode, setBarcode] = useState('');
  const [person, setPerson] = useState('');
  const [recheck, setRecheck] = useState<Recheck | null>(null);
  const personRef = useRef<InputRef>(null);
  const barcodeRef = useRef<InputRef>(null);

  const campaigns = useRemote((signal) => testingApi.campaigns({ status: 'active', limit: 100 }, signal), []);
  const sites = useRemote((signal) => testingApi.sites({ active: 'true', limit: 500 }, signal), []);
  const campaign = campaigns.data?.items.find((c) => c.id === setup.campaignId);
  const rechecks = useRemote(
    (signal) => (setup.campaignId ? testingApi.rechecks({ campaignId: setup.campaignId, status: 'awaiting_sample', limit: 50 }, signal) : Promise.resolve({ items: [], total: 0 })),
    [setup.campaignId],
  );

  // The tube as last set, readable synchronously by the queue's callbacks.
  const tubeRef = useRef(tube);
  const setTube = useCallback(
    (v: CurrentTube | null) => {
      tubeRef.current = v;
      store(keys.tube, v);
      setTubeState(v);
    },
    [keys.tube],
  );

  // The queue lives as long as the page (made in the effect, so StrictMode's remount gets a live one).
  const [queue, setQueue] = useState<SamplerQueue | null>(null);
  const [qs, setQs] = useState<QueueState>({ items: [], sending: false, online: true, retryAt: null });
  useEffect(() => {
    const q = new SamplerQueue(me.id);
    setQueue(q);
    setQs(q.snapshot);
    const off = q.subscribe(setQs);
    return () => {
      off();
      q.dispose();
    };
  }, [me.id]);

  /** Re-reads the current tube (its count, status and last masked names). */
  const refreshTube = useCallback(
    async (tubeId: string) => {
      try {
        const fresh = await testingApi.tube(tubeId);
        const cur = tubeRef.current;
        if (!cur || cur.tubeId !== tubeId) return;
        if (fresh.status !== 'open') {
          setTube(null);
          if (fresh.closedReason === 'full') setNotice({ type: 'success', text: t('sampler.tubeFull', { pool: fresh.poolSize }) });
        } else setTube({ ...cur, count: fresh.count, poolSize: fresh.poolSize, status: fresh.status, lastNames: fresh.lastNames });
      } catch {
        // Offline: the next successful send refreshes it.
      }
    },
    [setTube, t],
  );

  // The server's answers update the tube and the log. The listener is registered once per queue
  // and reads the latest render's helpers through a ref.
  const helpers = useRef({ t, errorText, message, refreshTube, setTube, reloadRechecks: rechecks.reload });
  helpers.current = { t, errorText, message, refreshTube, setTube, reloadRechecks: rechecks.reload };
  useEffect(() => {
    if (!queue) return;
    const off = queue.onSent((sent: SentOp[]) => {
      const { t, errorText, message, refreshTube, setTube, reloadRechecks } = helpers.current;
      const byId = new Map(sent.map((s) => [s.result.clientId, s]));
      setLog((prev) =>
        prev.map((e) => {
          const s = byId.get(e.clientId);
          if (!s) return e;
          const r = s.result;
          const text =
            r.status === 'rejected'
              ? t('sampler.rejected', { reason: errorText(r.error) })
              : r.status === 'duplicate'
                ? t('sampler.duplicate')
                : r.flags.length
                  ? t('sampler.flagged', { flag: r.flags.map((f) => t(`testing.flag.${f}`)).join('、') })
                  : r.nameMasked;
          return { ...e, status: r.status, text };
        }),
      );
      let touched: string | null = null;
      for (const { queued, result } of sent) {
        const op = queued.op;
        const cur = tubeRef.current;
        const mine = !!cur && 'barcode' in op && op.barcode === cur.barcode && 'campaignId' in op && op.campaignId === cur.campaignId;
        if (result.status === 'rejected') {
          message.error(t('sampler.rejected', { reason: errorText(result.error) }));
          // A tube the server would not open is no tube at all.
          if (mine && op.op === 'open') setTube(null);
          continue;
        }
        if (!mine || !result.tube || !cur) continue;
        touched = result.tube.id;
        setTube({ ...cur, tubeId: result.tube.id, poolSize: result.tube.poolSize, count: result.tube.count, status: result.tube.status });
      }
      if (touched) void refreshTube(touched);
      reloadRechecks();
    });
    // Send what an earlier visit left queued, now that its answers have a listener.
    if (queue.snapshot.items.length) void queue.flush();
    return off;
  }, [queue]);

  const pendingFor = (b: string | undefined) => qs.items.filter((q) => q.op.op === 'scan' && 'barcode' in q.op && q.op.barcode === b).length;
  const pending = pendingFor(tube?.barcode);
  const shown = (tube?.count ?? 0) + pending;
  const full = !!tube && shown >= tube.poolSize;

  const chooseSetup = (patch: { campaignId?: string; siteId?: string }) => {
    const next = { ...setup, ...patch };
    setSetup(next);
    store(keys.setup, next);
  };

  const addLog = (op: BatchOp, label: string) => setLog((prev) => [{ clientId: op.clientId, op: op.op, label, status: 'pending' as const, text: null, at: Date.now() }, ...prev].slice(0, 50));

  const openTube = () => {
    const code = barcode.trim().toUpperCase();
    if (!setup.campaignId || !setup.siteId) return setNotice({ type: 'warning', text: !setup.campaignId ? t('sampler.pickCampaign') : t('sampler.pickSite') });
    if (!BARCODE_PATTERN.test(code)) return setNotice({ type: 'error', text: t('sampler.badBarcode') });
    const op: BatchOp = { op: 'open', clientId: uuid(), campaignId: setup.campaignId, siteId: setup.siteId, barcode: code };
    setTube({ campaignId: setup.campaignId, barcode: code, tubeId: null, poolSize: campaign?.poolSize ?? 10, count: 0, status: 'opening', lastNames: [] });
    setNotice(null);
    setBarcode('');
    addLog(op, code);
    queue?.enqueue(op, code);
    setTimeout(() => personRef.current?.focus(), 0);
  };

  const addPerson = () => {
    const raw = person.trim();
    if (!raw) return;
    if (!tube) return setNotice({ type: 'warning', text: t('sampler.noTube') });
    if (full) return setNotice({ type: 'warning', text: t('sampler.tubeFull', { pool: tube.poolSize }) });
    const isCode = /^BW[12]\./.test(raw);
    if (!isCode && !/^[A-Za-z0-9]{5,40}$/.test(raw)) return setNotice({ type: 'error', text: t('sampler.badInput') });
    const op: BatchOp = { op: 'scan', clientId: uuid(), campaignId: tube.campaignId, barcode: tube.barcode, ...(isCode ? { residentCode: raw } : { idNumber: raw.toUpperCase() }) };
    const label = labelOf(raw);
    setNotice(null);
    setPerson('');
    addLog(op, label);
    queue?.enqueue(op, label);
    if (shown + 1 >= tube.poolSize) {
      // The server closes a full tube by itself: make way for the next one at once (offline too).
      setNotice({ type: 'success', text: t('sampler.tubeFull', { pool: tube.poolSize }) });
      setTube(null);
      setTimeout(() => barcodeRef.current?.focus(), 0);
    } else personRef.current?.focus();
  };

  const closeTube = () => {
    if (!tube) return;
    const op: BatchOp = { op: 'close', clientId: uuid(), campaignId: tube.campaignId, barcode: tube.barcode };
    addLog(op, tube.barcode);
    queue?.enqueue(op, tube.barcode);
    setNotice({ type: 'info', text: `${t('sampler.tubeClosed')} · ${tube.barcode} · ${t('sampler.countOfPool', { count: shown, pool: tube.poolSize })}` });
    setTube(null);
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
            <Typography.Text type="secondary">{qs.items.length ? (qs.sending ? t('sampler.sending') : t('sampler.queued', { n: qs.items.length })) : t('sampler.allSent')}</Typography.Text>
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

      {notice && <Alert type={notice.type} showIcon title={notice.text} closable={{ onClose: () => setNotice(null) }} style={{ marginBottom: 12 }} data-testid="sampler-notice" />}

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
            <Button size="large" type="primary" onClick={addPerson} disabled={full} data-testid="add-person">
              {t('sampler.add')}
            </Button>
          </Space.Compact>
          <div style={{ marginBottom: 12 }}>
            <Typography.Text type="secondary">{t('sampler.lastNames')}：</Typography.Text>
            <span data-testid="last-names">
              {tube.lastNames.length ? tube.lastNames.map((n, i) => <Tag key={`${n}${i}`}>{n}</Tag>) : '—'}
            </span>
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
                    <Typography.Text>{e.op === 'open' ? `${t('sampler.openTube')} ${e.label}` : e.op === 'close' ? `${t('sampler.closeTube')} ${e.label}` : e.label}</Typography.Text>
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
