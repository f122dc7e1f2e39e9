/**
 * The one fetch wrapper the web app uses: JSON in and out, the session cookie (same-origin),
 * a fresh Idempotency-Key on every write (so a retried click never applies twice), and the
 * server's `{ error: { code, message, details } }` mapped to an ApiError. A 401 that means the
 * session is gone (SESSION_EXPIRED, UNAUTHENTICATED) is reported to the session layer, which sends
 * the user to the sign-in page with a clear message.
 */

import { GET_FRESH_MS, apiKey, invalidateAllGets, queryClient } from './query.js';

/** An error answer from the API, or a network failure (`status` 0, code NETWORK). */
export class ApiError extends Error {
  constructor(
    /** Stable SCREAMING_SNAKE code from the server (INVALID_CREDENTIALS, TASK_TRANSITION_INVALID…). */
    public readonly code: string,
    /** HTTP status; 0 when the server could not be reached. */
    public readonly status: number,
    message: string,
    /** Structured details (bad rows, `until`, `retryAfter`…). */
    public readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Codes that mean the session is no longer valid. */
export const SESSION_LOST_CODES = new Set(['SESSION_EXPIRED', 'UNAUTHENTICATED']);

type SessionLostHandler = (code: string) => void;
let sessionLost: SessionLostHandler | null = null;

/** Registers who is told when a request finds the session gone (the session provider). */
export function onSessionLost(handler: SessionLostHandler | null): void {
  sessionLost = handler;
}

/** A random UUID v4, also where `crypto.randomUUID` is missing (plain http on a LAN address). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

/** `path?query` with empty values left out and arrays joined by commas. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) qs.set(k, v.join(','));
    } else qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  query?: Query;
  /** JSON body (writes). */
  body?: unknown;
  /** Multipart body (uploads); sent as is. */
  form?: FormData;
  signal?: AbortSignal;
  /**
   * Do not report a 401 as a lost session: the sign-in call itself (wrong password is a 401),
   * and the first "who am I" check when nobody has signed in yet.
   */
  quietAuth?: boolean;
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Sends one request; resolves with the parsed JSON answer or rejects with an ApiError. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (WRITE.has(method)) headers['idempotency-key'] = uuid();
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('NETWORK', 0, (err as Error).message);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  // Any write may change any answer: cached GETs are read again next time (query.ts).
  if (WRITE.has(method)) invalidateAllGets();
  if (res.ok) return data as T;
  const e = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const error = new ApiError(e?.code ?? `HTTP_${res.status}`, res.status, e?.message ?? res.statusText, e?.details ?? null);
  if (res.status === 401 && SESSION_LOST_CODES.has(error.code) && !opts.quietAuth) sessionLost?.(error.code);
  throw error;
}

/** `p`, or a rejection with an AbortError as soon as `signal` aborts (`p` itself runs on). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DOMException('Aborted', 'AbortError'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DOMException('Aborted', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Short forms for the usual calls. */
export const http = {
  /**
   * A GET through the query cache, keyed by path and query (`apiKey`): the same URL asked by several
   * components at once is sent once, and its answer is reused for GET_FRESH_MS. The caller's signal
   * only stops the caller's wait; a request others share is not aborted.
   */
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => {
    const shared = queryClient.fetchQuery({
      queryKey: apiKey(path, query),
      queryFn: ({ signal: own }) => request<T>('GET', path, { query, signal: own }),
      staleTime: GET_FRESH_MS,
    });
    return signal ? abortable(shared, signal) : shared;
  },
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body: body ?? {}, query }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  upload: <T>(path: string, form: FormData, query?: Query) => request<T>('POST', path, { form, query }),
};
