/**
 * Parsing uploads off the event loop: a small pool of worker threads (node:worker_threads) that
 * run a named export of a module — the guarded readers of this folder, or a module's own parser —
 * and send back its result, or its rows in batches with backpressure. A parse that takes seconds
 * leaves the server answering; one that needs too much memory dies in its worker (heap capped by
 * UploadLimits.maxWorkerHeapMb) and is refused as UPLOAD_PARSE_OUT_OF_MEMORY, the server unhurt.
 *
 * Workers load the TypeScript sources through tsx, like bin/bulwark.js; starting one takes a
 * second or two, so they are kept for IDLE_MS (unreferenced while idle, so they never hold a
 * process open).
 * At most POOL_SIZE parse at once; further uploads wait their turn.
 *
 * `diagnostics_channel` 'bulwark.upload.parse' receives { phase: 'start' | 'end', fn } around each
 * task, for tracing (and for the test that proves the server answers while a parse runs).
 */
import { channel } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { refuse, UPLOAD_LIMITS } from './limits.js';
import type { FromWorker, SerializedError, ToWorker } from './worker-entry.js';

/** Parses at once (local parameter: uploads are rare, and each parse takes a core). */
export const POOL_SIZE = 2;
/** An idle worker is ended after this long (local parameter: each holds tens of MB once warm). */
export const IDLE_MS = 5 * 60_000;
/** Items per message when a parser streams rows. */
export const STREAM_BATCH = 2000;

export const parseChannel = channel('bulwark.upload.parse');

const ENTRY = new URL('./worker-entry.ts', import.meta.url).href;
const TSX_API = (() => {
  // tsx's ESM register API (its CommonJS build cannot register hooks from a worker on Node 20).
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const entry = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
  if (!entry) throw new Error('tsx exports no ./esm/api');
  const api = entry.import.default;
  return pathToFileURL(path.join(path.dirname(pkg), api)).href;
})();
const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((t) => { t.register(); return import(workerData.entry); });
`;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  idleTimer: NodeJS.Timeout | null;
  /** The running task's handlers. */
  onMessage: ((m: FromWorker) => void) | null;
  onFail: ((err: unknown) => void) | null;
}

const slots: Slot[] = [];
const waiting: ((s: Slot) => void)[] = [];
let nextId = 1;

function revive(e: SerializedError): Error {
  if (e.app) return new AppError(e.code, e.status, e.message, e.details);
  return Object.assign(new Error(e.message), { name: e.name });
}

function spawn(): Slot {
  const worker = new Worker(BOOT, {
    eval: true,
    workerData: { tsx: TSX_API, entry: ENTRY },
    resourceLimits: { maxOldGenerationSizeMb: UPLOAD_LIMITS.maxWorkerHeapMb },
  });
  let ready!: () => void;
  const slot: Slot = { worker, ready: new Promise<void>((r) => (ready = r)), busy: false, idleTimer: null, onMessage: null, onFail: null };
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'ready') ready();
    else slot.onMessage?.(m);
  });
  const die = (err: unknown) => {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    const fail = slot.onFail;
    slot.onFail = slot.onMessage = null;
    const code = (err as { code?: string })?.code;
    fail?.(code === 'ERR_WORKER_OUT_OF_MEMORY' ? refuse('UPLOAD_PARSE_OUT_OF_MEMORY', { limit: UPLOAD_LIMITS.maxWorkerHeapMb, unit: 'MiB' }) : err);
    ready(); // a worker that died while starting releases its waiter, which then fails
    pump();
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`parse worker exited (${code})`)));
  slots.push(slot);
  return slot;
}

function pump(): void {
  while (waiting.length) {
    let s = slots.find((x) => !x.busy);
    if (!s && slots.length < POOL_SIZE) s = spawn();
    if (!s) return;
    s.busy = true;
    if (s.idleTimer) clearTimeout(s.idleTimer);
    s.idleTimer = null;
    s.worker.ref();
    waiting.shift()!(s);
  }
}

function acquire(): Promise<Slot> {
  return new Promise<Slot>((resolve) => {
    waiting.push(resolve);
    pump();
  });
}

function release(s: Slot): void {
  s.busy = false;
  s.onMessage = s.onFail = null;
  if (slots.includes(s)) {
    s.worker.unref();
    s.idleTimer = setTimeout(() => {
      if (s.busy) return;
      const i = slots.indexOf(s);
      if (i >= 0) slots.splice(i, 1); // out of the pool first, so no task picks a worker that is ending
      void s.worker.terminate();
    }, IDLE_MS).unref();
  }
  pump();
}

/** Runs `module`'s export `fn(...args)` on a parse worker and returns its (awaited) result. */
export async function runInWorker<T>(module: string | URL, fn: string, args: unknown[]): Promise<T> {
  const s = await acquire();
  parseChannel.publish({ phase: 'start', fn });
  try {
    await s.ready;
    return await new Promise<T>((resolve, reject) => {
      const id = nextId++;
      s.onFail = reject;
      s.onMessage = (m) => {
        if (m.type === 'result' && m.id === id) resolve(m.value as T);
        else if (m.type === 'error' && m.id === id) reject(revive(m.error));
      };
      if (!slots.includes(s)) return reject(new Error('parse worker failed to start'));
      s.worker.postMessage({ type: 'run', id, module: String(module), fn, args, batch: null } satisfies ToWorker);
    });
  } finally {
    parseChannel.publish({ phase: 'end', fn });
    release(s);
  }
}

/**
 * Runs `module`'s export `fn(...args)` — an async iterable — on a parse worker and yields its
 * items. The worker stays at most one batch ahead; leaving the loop early cancels the parse.
 */
export async function* streamFromWorker<T>(module: string | URL, fn: string, args: unknown[], batch = STREAM_BATCH): AsyncGenerator<T> {
  const s = await acquire();
  parseChannel.publish({ phase: 'start', fn });
  const id = nextId++;
  const queue: FromWorker[] = [];
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  /** The worker has said it is done (end or error). */
  let finished = false;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  try {
    await s.ready;
    if (!slots.includes(s)) throw new Error('parse worker failed to start');
    s.onFail = (err) => {
      failure = err;
      notify();
    };
    s.onMessage = (m) => {
      if ('id' in m && m.id === id) {
        queue.push(m);
        notify();
      }
    };
    s.worker.postMessage({ type: 'run', id, module: String(module), fn, args, batch } satisfies ToWorker);
    for (;;) {
      while (!queue.length && !failure) await new Promise<void>((r) => (wake = r));
      const m = queue.shift();
      if (!m) throw failure;
      if (m.type === 'error') {
        finished = true;
        throw revive(m.error);
      }
      if (m.type === 'end') {
        finished = true;
        return;
      }
      if (m.type === 'batch') {
        // Grant the next batch before handing this one out, so the worker parses while we consume.
        s.worker.postMessage({ type: 'more', id } satisfies ToWorker);
        for (const item of m.items) yield item as T;
      }
    }
  } finally {
    parseChannel.publish({ phase: 'end', fn });
    if (!finished && !failure && slots.includes(s)) {
      // Stopped early (a preview, an error downstream): cancel and wait for the worker to stop.
      s.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
      while (!failure && !queue.some((m) => m.type === 'end' || m.type === 'error')) await new Promise<void>((r) => (wake = r));
    }
    release(s);
  }
}
