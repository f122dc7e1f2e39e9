import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../app/http.js';
import { testingApi, type BatchItemResult, type BatchOp, type BatchResult } from './api.js';
import { SamplerQueue } from './sampler-queue.js';

// The queue runs in the browser; the suite gives it the three browser objects it touches.
class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.map.set(k, v);
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
}

const USER = 'user-1';
const KEY = `bulwark.sampler.queue.${USER}`;
let storage: MemoryStorage;
let win: EventTarget;

const scan = (clientId: string, residentCode = 'RC-1'): BatchOp => ({ op: 'scan', clientId, tubeId: 'tube-1', residentCode });

/** The server's answer: each item as given, in order. */
function answer(items: BatchOp[], status: (op: BatchOp) => BatchItemResult['status'] = () => 'applied'): BatchResult {
  return {
    items: items.map((op, index) => ({
      index,
      clientId: op.clientId,
      op: op.op,
      status: status(op),
      error: null,
      tube: null,
      scanId: null,
      nameMasked: null,
      flags: [],
    })),
  } as unknown as BatchResult;
}

/** Resolves once the queue has finished a send (its `sending` flag back to false). */
const settled = (q: SamplerQueue) =>
  new Promise<void>((resolve) => {
    const off = q.subscribe((s) => {
      if (!s.sending) {
        off();
        resolve();
      }
    });
  });

beforeEach(() => {
  vi.useFakeTimers();
  storage = new MemoryStorage();
  win = new EventTarget();
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('window', win);
  vi.stubGlobal('navigator', { onLine: true });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the sampler offline queue (离线队列)', () => {
  it('writes an operation to storage before sending it, and empties storage once the server has it', async () => {
    let storedAtSend: string | null = null;
    const batch = vi.spyOn(testingApi, 'batch').mockImplementation((items) => {
      storedAtSend = storage.getItem(KEY);
      return Promise.resolve(answer(items));
    });
    const q = new SamplerQueue(USER);
    const sent: string[] = [];
    q.onSent((s) => sent.push(...s.map((x) => `${x.queued.label}:${x.result.status}`)));
    const done = settled(q);
    q.enqueue(scan('client-0001'), 'RC-1');
    await done;
    expect(JSON.parse(storedAtSend ?? '[]')).toHaveLength(1);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(sent).toEqual(['RC-1:applied']);
    expect(q.snapshot.items).toEqual([]);
    expect(storage.getItem(KEY)).toBeNull();
    q.dispose();
  });

  it('keeps operations through a network failure and resends them later with the same client ids', async () => {
    const calls: string[][] = [];
    vi.spyOn(testingApi, 'batch')
      .mockImplementationOnce((items) => {
        calls.push(items.map((i) => i.clientId));
        return Promise.reject(new ApiError('NETWORK', 0, 'offline'));
      })
      .mockImplementation((items) => {
        calls.push(items.map((i) => i.clientId));
        return Promise.resolve(answer(items));
      });
    const q = new SamplerQueue(USER);
    const failed = settled(q);
    q.enqueue(scan('client-0001'), 'RC-1');
    await failed;
    expect(q.snapshot.online).toBe(false);
    expect(q.snapshot.retryAt).not.toBeNull();
    expect(q.snapshot.items.map((i) => i.op.clientId)).toEqual(['client-0001']);
    // A reload of the page finds the operation still queued.
    expect(new SamplerQueue(USER).snapshot.items.map((i) => i.op.clientId)).toEqual(['client-0001']);

    const resent = settled(q);
    await vi.advanceTimersByTimeAsync(2000);
    await resent;
    expect(calls).toEqual([['client-0001'], ['client-0001']]);
    expect(q.snapshot.online).toBe(true);
    expect(q.snapshot.items).toEqual([]);
    q.dispose();
  });

  it('sends again when the browser reports the network back', async () => {
    const batch = vi
      .spyOn(testingApi, 'batch')
      .mockRejectedValueOnce(new ApiError('NETWORK', 0, 'offline'))
      .mockImplementation((items) => Promise.resolve(answer(items)));
    const q = new SamplerQueue(USER);
    const failed = settled(q);
    q.enqueue(scan('client-0001'), 'RC-1');
    await failed;
    const resent = settled(q);
    win.dispatchEvent(new Event('online'));
    await resent;
    expect(batch).toHaveBeenCalledTimes(2);
    expect(q.snapshot.items).toEqual([]);
    q.dispose();
  });

  it('drops a batch the server refuses as a whole, with the reason, so it cannot block the queue', async () => {
    vi.spyOn(testingApi, 'batch').mockRejectedValue(new ApiError('VALIDATION_FAILED', 400, 'bad item'));
    const q = new SamplerQueue(USER);
    const results: BatchItemResult[] = [];
    q.onSent((s) => results.push(...s.map((x) => x.result)));
    const done = settled(q);
    q.enqueue(scan('client-0001'), 'RC-1');
    await done;
    expect(results.map((r) => [r.clientId, r.status, r.error?.code])).toEqual([['client-0001', 'rejected', 'VALIDATION_FAILED']]);
    expect(q.snapshot.items).toEqual([]);
    expect(q.snapshot.retryAt).toBeNull();
    q.dispose();
  });

  it('keeps one queue per user, so a shared phone never sends one sampler’s scans as another’s', () => {
    storage.setItem(KEY, JSON.stringify([{ op: scan('client-0001'), label: 'RC-1', queuedAt: 1 }]));
    expect(new SamplerQueue(USER).snapshot.items).toHaveLength(1);
    expect(new SamplerQueue('user-2').snapshot.items).toHaveLength(0);
  });

  it('ignores stored entries that are not operations', () => {
    storage.setItem(KEY, JSON.stringify([{ op: scan('client-0001'), label: 'RC-1', queuedAt: 1 }, { label: 'junk' }, null, 7]));
    expect(new SamplerQueue(USER).snapshot.items.map((i) => i.op.clientId)).toEqual(['client-0001']);
  });
});
