import { App } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { uuid } from '../../app/http.js';
import { useI18n } from '../../app/i18n.js';
import { useRemote } from '../../app/use-remote.js';
import { BARCODE_PATTERN, testingApi, type BatchItemResult, type BatchOp, type TubeStatus } from './api.js';
import { useTestingErrorText } from './errors.js';
import type { Decoded } from '../../components/barcode-decoder.js';
import type { CameraProblem } from '../../components/camera.js';
import { classifyPersonInput, forgetScan, personKeyOfOp, personLabel, rememberScan, seenBefore, type SeenScans } from './sampler-codes.js';
import { SamplerQueue, type QueueState, type SentOp } from './sampler-queue.js';

/** The tube being filled, as far as this device knows it (kept across reloads). */
export interface CurrentTube {
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
export interface LogEntry {
  clientId: string;
  op: BatchOp['op'];
  label: string;
  status: 'pending' | 'applied' | 'duplicate' | 'rejected';
  /** The person's masked name, once the server has named them. */
  name?: string | null;
  /** What the sampler must heed about the person (home quarantine, a sealed area), as the server said. */
  attention?: BatchItemResult['attention'];
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

/**
 * The sampler's session (采样), without its screen: the campaign and site chosen, the tube being
 * filled and the device's log (both kept in localStorage per user), the offline queue and its
 * answers, and the three operations (open a tube, add a person, close the tube). The page keeps
 * only its inputs and focus.
 */
export function useSamplerSession(userId: string) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useTestingErrorText();
  const keys = useMemo(
    () => ({ setup: `bulwark.sampler.setup.${userId}`, tube: `bulwark.sampler.tube.${userId}`, seen: `bulwark.sampler.seen.${userId}` }),
    [userId],
  );
  const [setup, setSetup] = useState<{ campaignId?: string; siteId?: string }>(() => stored(keys.setup) ?? {});
  const [tube, setTubeState] = useState<CurrentTube | null>(() => stored(keys.tube));
  const [notice, setNotice] = useState<{ type: 'success' | 'info' | 'warning' | 'error'; text: string } | null>(null);
  // Operations still queued from an earlier visit (a reload, an expired session) start the log.
  const [log, setLog] = useState<LogEntry[]>(() =>
    (stored<{ op: BatchOp; label: string; queuedAt: number }[]>(`bulwark.sampler.queue.${userId}`) ?? [])
      .map((q) => ({ clientId: q.op.clientId, op: q.op.op, label: q.label, status: 'pending' as const, text: null, at: q.queuedAt }))
      .reverse(),
  );
  const campaigns = useRemote((signal) => testingApi.campaigns({ status: 'active', limit: 100 }, signal), []);
  const sites = useRemote((signal) => testingApi.sites({ active: 'true', limit: 500 }, signal), []);
  const campaign = campaigns.data?.items.find((c) => c.id === setup.campaignId);
  const rechecks = useRemote(
    (signal) =>
      setup.campaignId
        ? testingApi.rechecks({ campaignId: setup.campaignId, status: 'awaiting_sample', limit: 50 }, signal)
        : Promise.resolve({ items: [], total: 0 }),
    [setup.campaignId],
  );

  // The persons this device put into tubes this round (kept across reloads), read synchronously.
  const seenRef = useRef<SeenScans>(stored<SeenScans>(keys.seen) ?? { campaignId: null, byKey: {} });
  const setSeen = useCallback(
    (v: SeenScans) => {
      seenRef.current = v;
      store(keys.seen, v);
    },
    [keys.seen],
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
    const q = new SamplerQueue(userId);
    setQueue(q);
    setQs(q.snapshot);
    const off = q.subscribe(setQs);
    return () => {
      off();
      q.dispose();
    };
  }, [userId]);

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
  const helpers = useRef({ t, errorText, message, refreshTube, setTube, setSeen, setNotice, reloadRechecks: rechecks.reload });
  helpers.current = { t, errorText, message, refreshTube, setTube, setSeen, setNotice, reloadRechecks: rechecks.reload };
  useEffect(() => {
    if (!queue) return;
    const off = queue.onSent((sent: SentOp[]) => {
      const { t, errorText, message, refreshTube, setTube, setSeen, setNotice, reloadRechecks } = helpers.current;
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
                  : null;
          return { ...e, status: r.status, text, name: r.nameMasked ?? e.name ?? null, attention: r.attention };
        }),
      );
      let touched: string | null = null;
      for (const { queued, result } of sent) {
        const op = queued.op;
        const cur = tubeRef.current;
        const mine = !!cur && 'barcode' in op && op.barcode === cur.barcode && 'campaignId' in op && op.campaignId === cur.campaignId;
        // Someone to sample at home: the sampler hears it at once (amber), the community from the journal.
        if (result.status !== 'rejected' && result.attention.length) {
          const who = result.nameMasked ?? queued.label;
          setNotice({ type: 'warning', text: result.attention.map((a) => t(`sampler.attention.${a}`, { name: who })).join(' ') });
        }
        if (result.status === 'rejected') {
          message.error(t('sampler.rejected', { reason: errorText(result.error) }));
          // Not sampled after all: the device may take this person again.
          const key = personKeyOfOp(op);
          const campaignId = ('campaignId' in op && op.campaignId) || cur?.campaignId;
          if (key && campaignId) {
            setSeen(forgetScan(seenRef.current, campaignId, key));
          }
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

  const addLog = (op: BatchOp, label: string) =>
    setLog((prev) => [{ clientId: op.clientId, op: op.op, label, status: 'pending' as const, text: null, at: Date.now() }, ...prev].slice(0, 50));

  /** Opens a tube with the typed or scanned barcode; false when it cannot (the notice says why). */
  const openTube = (typed: string): boolean => {
    const code = typed.trim().toUpperCase();
    if (!setup.campaignId || !setup.siteId) {
      setNotice({ type: 'warning', text: !setup.campaignId ? t('sampler.pickCampaign') : t('sampler.pickSite') });
      return false;
    }
    if (!BARCODE_PATTERN.test(code)) {
      setNotice({ type: 'error', text: t('sampler.badBarcode') });
      return false;
    }
    const op: BatchOp = { op: 'open', clientId: uuid(), campaignId: setup.campaignId, siteId: setup.siteId, barcode: code };
    setTube({ campaignId: setup.campaignId, barcode: code, tubeId: null, poolSize: campaign?.poolSize ?? 10, count: 0, status: 'opening', lastNames: [] });
    setNotice(null);
    addLog(op, code);
    queue?.enqueue(op, code);
    return true;
  };

  /**
   * Adds a person (a resident code or an ID number) to the current tube: 'refused' when it cannot
   * (the notice says why), 'added', or 'tube-full' when this person filled the tube. Refused on the
   * device, with an amber notice and nothing queued: an unreadable or foreign code, and a person
   * this device already put into this tube or another tube of this round. `linear`: the camera read
   * it from a 1D barcode (never a person's code).
   */
  const addPerson = (typed: string, linear = false): 'refused' | 'added' | 'tube-full' => {
    if (!typed.trim()) return 'refused';
    if (!tube) {
      setNotice({ type: 'warning', text: t('sampler.noTube') });
      return 'refused';
    }
    if (full) {
      setNotice({ type: 'warning', text: t('sampler.tubeFull', { pool: tube.poolSize }) });
      return 'refused';
    }
    const input = classifyPersonInput(typed, linear);
    if (input.kind === 'unreadable' || input.kind === 'foreign') {
      setNotice({ type: 'warning', text: t(input.kind === 'unreadable' ? 'sampler.unreadable' : 'sampler.foreign') });
      return 'refused';
    }
    const label = personLabel(input);
    const before = seenBefore(seenRef.current, tube.campaignId, input.key, tube.barcode);
    if (before) {
      setNotice({
        type: 'warning',
        text: before.where === 'tube' ? t('sampler.alreadyInTube', { who: label }) : t('sampler.alreadyThisRound', { who: label, barcode: before.barcode }),
      });
      return 'refused';
    }
    const op: BatchOp = {
      op: 'scan',
      clientId: uuid(),
      campaignId: tube.campaignId,
      barcode: tube.barcode,
      ...(input.kind === 'code' ? { residentCode: input.value } : { idNumber: input.value }),
    };
    setNotice(null);
    setSeen(rememberScan(seenRef.current, tube.campaignId, input.key, tube.barcode));
    addLog(op, label);
    queue?.enqueue(op, label);
    if (shown + 1 < tube.poolSize) return 'added';
    // The server closes a full tube by itself: make way for the next one at once (offline too).
    setNotice({ type: 'success', text: t('sampler.tubeFull', { pool: tube.poolSize }) });
    setTube(null);
    return 'tube-full';
  };

  /** A code the camera read: a tube barcode opens a tube, a person's code joins the open one. */
  const cameraRead = (d: Decoded): 'refused' | 'added' | 'tube-full' | 'opened' => {
    if (!tube) {
      if (d.linear || BARCODE_PATTERN.test(d.text.trim().toUpperCase())) return openTube(d.text) ? 'opened' : 'refused';
      setNotice({ type: 'warning', text: t('sampler.notATube') });
      return 'refused';
    }
    return addPerson(d.text, d.linear);
  };

  /** The camera cannot be used: say why, and that the scanner gun and the keyboard still work. */
  const cameraProblem = (p: CameraProblem) => setNotice({ type: 'warning', text: `${t(`sampler.camera.${p}`)} ${t('sampler.cameraFallback')}` });

  /** Closes the current tube (fewer persons than its pool size). */
  const closeTube = () => {
    if (!tube) return;
    const op: BatchOp = { op: 'close', clientId: uuid(), campaignId: tube.campaignId, barcode: tube.barcode };
    addLog(op, tube.barcode);
    queue?.enqueue(op, tube.barcode);
    setNotice({ type: 'info', text: `${t('sampler.tubeClosed')} · ${tube.barcode} · ${t('sampler.countOfPool', { count: shown, pool: tube.poolSize })}` });
    setTube(null);
  };

  return {
    setup,
    chooseSetup,
    tube,
    notice,
    setNotice,
    log,
    queue,
    qs,
    campaigns,
    sites,
    campaign,
    rechecks,
    pending,
    shown,
    full,
    openTube,
    addPerson,
    cameraRead,
    cameraProblem,
    closeTube,
  };
}
