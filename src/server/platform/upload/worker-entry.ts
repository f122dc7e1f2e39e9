/**
 * The parse worker's side of worker-pool.ts. It runs one task at a time: imports the module the
 * task names and calls the function; a plain result is sent back whole, an async iterable in
 * batches, one batch ahead of the consumer at most (the consumer grants each next batch).
 * AppErrors cross back with their code, status and details.
 */
import { parentPort } from 'node:worker_threads';
import { AppError } from '../errors.js';

export type ToWorker =
  | { type: 'run'; id: number; module: string; fn: string; args: unknown[]; batch: number | null }
  | { type: 'more'; id: number }
  | { type: 'cancel'; id: number };

export type SerializedError = { app: true; code: string; status: number; message: string; details: unknown } | { app: false; message: string; name: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'batch'; id: number; items: unknown[] }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; error: SerializedError };

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

function serialize(err: unknown): SerializedError {
  if (err instanceof AppError) return { app: true, code: err.code, status: err.status, message: err.message, details: err.details };
  const e = err as Error;
  return { app: false, message: String(e?.message ?? err), name: String(e?.name ?? 'Error') };
}

let credits = 0;
let cancelled = false;
let wake: (() => void) | null = null;

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  credits = 1;
  cancelled = false;
  try {
    const mod = (await import(m.module)) as Record<string, (...a: unknown[]) => unknown>;
    const fn = mod[m.fn];
    if (typeof fn !== 'function') throw new Error(`${m.module} exports no function ${m.fn}`);
    const out = fn(...m.args);
    if (m.batch === null) {
      post({ type: 'result', id: m.id, value: await out });
      return;
    }
    let items: unknown[] = [];
    const send = async () => {
      while (credits === 0 && !cancelled) await new Promise<void>((r) => (wake = r));
      if (cancelled) return;
      credits--;
      post({ type: 'batch', id: m.id, items });
      items = [];
    };
    for await (const item of out as AsyncIterable<unknown>) {
      if (cancelled) break;
      items.push(item);
      if (items.length >= m.batch) await send();
    }
    if (items.length && !cancelled) await send();
    post({ type: 'end', id: m.id });
  } catch (err) {
    post({ type: 'error', id: m.id, error: serialize(err) });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') void run(m);
  else {
    if (m.type === 'more') credits++;
    else cancelled = true;
    const w = wake;
    wake = null;
    w?.();
  }
});
post({ type: 'ready' });
