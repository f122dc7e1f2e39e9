import { ApiError } from '../../app/http.js';
import { testingApi, type BatchItemResult, type BatchOp } from './api.js';

/** One operation waiting to reach the server, with what the sampler saw when it was made. */
export interface QueuedOp {
  op: BatchOp;
  /** What the page shows for it (the barcode, or the scanned code shortened). */
  label: string;
  /** Device time it was made (display only). */
  queuedAt: number;
}

/** What the server said about one queued operation. */
export interface SentOp {
  queued: QueuedOp;
  result: BatchItemResult;
}

export interface QueueState {
  items: QueuedOp[];
  sending: boolean;
  /** False after a send failed for want of a network (or a busy server) until one succeeds. */
  online: boolean;
  /** When the next automatic retry runs (epoch ms), if one is scheduled. */
  retryAt: number | null;
}

/** Most operations sent in one batch (the server takes 2,000). */
const BATCH_MAX = 500;
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30_000;

/** Errors that mean "try again later": no network, the server busy or failing, the session to renew. */
function retriable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.status === 0 || err.status === 401 || err.status === 408 || err.status === 429 || err.status >= 500;
}

/**
 * The sampler's local queue (离线队列). Every open/scan/close is first written to localStorage with
 * its client-generated id, then sent through the batch API. When the network drops, operations
 * stay queued and are resent later — on the browser's `online` event, on a timer with backoff, or
 * by hand — with the SAME ids, so a retry whose first attempt did reach the server is answered
 * `duplicate` and never counts twice. Operations the server rejects leave the queue with their
 * reason. The queue is kept per user, so a shared phone never sends one sampler's scans as another's.
 */
export class SamplerQueue {
  private state: QueueState;
  private readonly key: string;
  private listeners = new Set<(s: QueueState) => void>();
  private resultListeners = new Set<(sent: SentOp[]) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff = RETRY_MIN_MS;
  private disposed = false;
  private readonly onOnline = () => void this.flush();

  constructor(userId: string) {
    this.key = `bulwark.sampler.queue.${userId}`;
    this.state = { items: this.load(), sending: false, online: typeof navigator === 'undefined' ? true : navigator.onLine, retryAt: null };
    window.addEventListener('online', this.onOnline);
  }

  private load(): QueuedOp[] {
    try {
      const v = JSON.parse(localStorage.getItem(this.key) ?? '[]') as unknown;
      return Array.isArray(v) ? (v as QueuedOp[]).filter((x) => x && typeof x === 'object' && x.op && typeof x.op.clientId === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Writes the queue through to storage (it survives a reload, a crash or a flat battery). */
  private persist(items: QueuedOp[]): void {
    try {
      if (items.length) localStorage.setItem(this.key, JSON.stringify(items));
      else localStorage.removeItem(this.key);
    } catch {
      // Storage full or unavailable: the queue still lives in memory for this page.
    }
  }

  private set(patch: Partial<QueueState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }

  get snapshot(): QueueState {
    return this.state;
  }

  subscribe(fn: (s: QueueState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called with the server's answers after each successful send (and with local rejections). */
  onSent(fn: (sent: SentOp[]) => void): () => void {
    this.resultListeners.add(fn);
    return () => this.resultListeners.delete(fn);
  }

  /** Queues an operation (kept in localStorage at once) and tries to send it. */
  enqueue(op: BatchOp, label: string): void {
    const items = [...this.state.items, { op, label, queuedAt: Date.now() }];
    this.persist(items);
    this.set({ items });
    void this.flush();
  }

  /** Sends what is queued, oldest first, in batches; stops at the first failure and schedules a retry. */
  async flush(): Promise<void> {
    if (this.state.sending || this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.set({ sending: true, retryAt: null });
    try {
      while (this.state.items.length && !this.disposed) {
        const chunk = this.state.items.slice(0, BATCH_MAX);
        let sent: SentOp[];
        try {
          const res = await testingApi.batch(chunk.map((q) => q.op));
          const byId = new Map(chunk.map((q) => [q.op.clientId, q]));
          sent = res.items.map((r) => ({ queued: byId.get(r.clientId) ?? chunk[r.index], result: r }));
        } catch (err) {
          if (retriable(err)) {
            this.set({ online: false });
            this.scheduleRetry();
            return;
          }
          // The server refused the batch as a whole (a malformed item): drop it with the reason, or it would block the queue forever.
          const e = err as ApiError;
          sent = chunk.map((q, index) => ({
            queued: q,
            result: {
              index,
              clientId: q.op.clientId,
              op: q.op.op,
              status: 'rejected',
              error: { code: e.code, message: e.message },
              tube: null,
              scanId: null,
              nameMasked: null,
              flags: [],
              attention: [],
            },
          }));
        }
        const done = new Set(chunk.map((q) => q.op.clientId));
        const rest = this.state.items.filter((q) => !done.has(q.op.clientId));
        this.persist(rest);
        this.backoff = RETRY_MIN_MS;
        this.set({ items: rest, online: true });
        for (const l of this.resultListeners) l(sent);
      }
    } finally {
      this.set({ sending: false });
    }
  }

  private scheduleRetry(): void {
    if (this.disposed) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, RETRY_MAX_MS);
    this.set({ retryAt: Date.now() + wait });
    this.timer = setTimeout(() => void this.flush(), wait);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    this.listeners.clear();
    this.resultListeners.clear();
  }
}
