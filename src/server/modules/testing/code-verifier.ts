/**
 * Resident-code checks for the sampling day, in bulk. A code's Ed25519 signature check costs
 * ~110–180 µs of CPU on this hardware: at thousands of scans a second that alone fills a core. So:
 * - where this process holds the signing key (it issued the codes), a code is confirmed by
 *   re-signing its text (~35 µs): Ed25519 is deterministic, so a genuine code is byte-identical to
 *   that; anything that differs still gets the full `verify`, which alone can refuse a code;
 * - codes whose signature verified before are remembered (the exact payload → its token; a bounded
 *   map): the same code is scanned again in every round of testing, and retries resend it;
 * - whose a code is, and whether it was revoked (reissued) or expired, is one keyed read of all the
 *   tokens of a call (`resolveResidentCodes`), never cached: a revoked code fails at once;
 * - larger sets are verified on worker threads (checked with the public key the population service
 *   publishes, exactly as an offline scanner does), so the main thread meanwhile reads persons and
 *   serves other requests;
 * - a code that fails here is checked once more by the population service itself, which gives the
 *   authoritative reason (`RESIDENT_CODE_INVALID` with `malformed` or `signature`).
 * The format (`BW2.<token>.<expiresAt base36>.<signature>`, see `population.residentCodeKey()`)
 * is parsed with population's own shape check (`parseResidentCodeShape`).
 */
import { availableParallelism } from 'node:os';
import { createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { DbOrTx } from '../../db/dialect.js';
import { AppError } from '../../platform/errors.js';
import { parseResidentCodeShape } from '../population/index.js';
import { itemAt } from '../../platform/items.js';

export interface CodeVerifierOptions {
  /** Verified payloads remembered at most (oldest tenth dropped when full). */
  cacheEntries: number;
  /** Worker threads at most (0: verify on the calling thread). */
  workers: number;
  /** Fewer unverified codes than this are checked on the calling thread (a message costs more). */
  minForWorkers: number;
}

export const DEFAULT_CODE_VERIFIER: CodeVerifierOptions = {
  cacheEntries: 500_000,
  workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
  minForWorkers: 16,
};

/** What the population service offers for codes (its public key, its own check, the token register). */
export interface CodeAuthority {
  residentCodeKey(): { publicKeyPem: string };
  /** Shape, signature and expiry; throws the AppError a bad code fails with. */
  verifyResidentCode(payload: string): { token: string; expiresAt: number };
  /** Whose codes these tokens are: the person id, or the AppError (unknown, revoked, expired). */
  resolveResidentCodes(tokens: readonly string[], db?: DbOrTx): Promise<Map<string, string | AppError>>;
  /** The signing key (PEM), when this process issues the codes: re-signing is the fast check. */
  residentCodeSigningKeyPem?(): string;
}

interface Parsed {
  body: string;
  sig: string;
  token: string;
}

/** The shape of a code (population/resident-code.ts), without the signature. */
export function parseResidentCode(payload: string): Parsed | null {
  const p = parseResidentCodeShape(payload);
  return p && { body: p.body, sig: p.sig, token: p.token };
}

/**
 * One [body, signature] check. Ed25519 signing is deterministic, so a code this deployment issued
 * equals re-signing its body: that comparison (~35 µs) confirms genuine codes; anything else gets
 * the full `verify` (~110 µs), which alone decides a refusal. Also the worker's source (below).
 */
function checkOne(body: string, sig: string, pub: KeyObject, signer: KeyObject | null): boolean {
  const text = Buffer.from(body, 'utf8');
  const given = Buffer.from(sig, 'base64url');
  // Compared in constant time: a comparison that stopped at the first differing byte would tell a
  // forger, by timing, how much of a signature they had right.
  if (signer && given.length === 64 && timingSafeEqual(sign(null, text, signer), given)) return true;
  return verify(null, text, pub, given);
}

/** The worker: checks [body, signature] pairs as `checkOne` does, answering 1/0 per pair. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, createPrivateKey, sign, timingSafeEqual, verify } = require('node:crypto');
const key = createPublicKey(workerData.pem);
const signer = workerData.signingPem ? createPrivateKey(workerData.signingPem) : null;
parentPort.on('message', (m) => {
  const ok = new Uint8Array(m.items.length);
  for (let i = 0; i < m.items.length; i++) {
    try {
      const body = Buffer.from(m.items[i][0], 'utf8');
      const given = Buffer.from(m.items[i][1], 'base64url');
      ok[i] = (signer && given.length === 64 && timingSafeEqual(sign(null, body, signer), given)) || verify(null, body, key, given) ? 1 : 0;
    } catch { ok[i] = 0; }
  }
  parentPort.postMessage({ id: m.id, ok });
});
`;

interface PoolWorker {
  worker: Worker;
  busy: number;
}

export function createCodeVerifier(authority: CodeAuthority, options: Partial<CodeVerifierOptions> = {}) {
  const opts = { ...DEFAULT_CODE_VERIFIER, ...options };
  const cache = new Map<string, string>();
  let key: KeyObject | undefined;
  let pem: string | undefined;
  let signer: KeyObject | null | undefined;
  let signingPem: string | undefined;
  const pool: PoolWorker[] = [];
  let broken = false;
  let seq = 0;
  const closing = new Set<PoolWorker>();
  const pending = new Map<number, { resolve: (ok: Uint8Array) => void; reject: (e: unknown) => void; w: PoolWorker }>();

  const publicKey = () => {
    if (!key) {
      pem = authority.residentCodeKey().publicKeyPem;
      key = createPublicKey(pem);
    }
    return key;
  };
  const signingKey = () => {
    if (signer === undefined) {
      signingPem = authority.residentCodeSigningKeyPem?.();
      signer = signingPem ? createPrivateKey(signingPem) : null;
    }
    return signer;
  };

  function remember(payload: string, token: string): void {
    if (cache.size >= opts.cacheEntries) {
      let n = Math.ceil(opts.cacheEntries / 10);
      for (const k of cache.keys()) {
        if (n-- <= 0) break;
        cache.delete(k);
      }
    }
    cache.set(payload, token);
  }

  function spawn(): PoolWorker {
    publicKey();
    signingKey();
    const w: PoolWorker = { worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { pem, signingPem } }), busy: 0 };
    w.worker.unref();
    w.worker.on('message', (m: { id: number; ok: Uint8Array }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      w.busy--;
      p.resolve(m.ok);
    });
    const fail = (err: unknown) => {
      // A lost worker: its requests fall back to this thread; no more workers are started.
      broken = true;
      for (const [id, p] of pending) {
        if (p.w !== w) continue;
        pending.delete(id);
        p.reject(err);
      }
      const i = pool.indexOf(w);
      if (i >= 0) pool.splice(i, 1);
    };
    w.worker.on('error', fail);
    w.worker.on('exit', (code) => {
      if (!closing.has(w)) fail(new Error(`code verifier worker exited (${code})`));
    });
    return w;
  }

  function onWorker(items: readonly [string, string][]): Promise<Uint8Array> {
    if (pool.length < opts.workers && !broken) pool.push(spawn());
    const w = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = ++seq;
    w.busy++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, w });
      w.worker.postMessage({ id, items });
    });
  }

  const onThisThread = (items: readonly [string, string][]) =>
    Uint8Array.from(items, ([body, sig]) => {
      try {
        return checkOne(body, sig, publicKey(), signingKey()) ? 1 : 0;
      } catch {
        return 0;
      }
    });

  async function checkSigs(items: readonly [string, string][]): Promise<Uint8Array> {
    if (items.length < opts.minForWorkers || opts.workers <= 0 || broken) return onThisThread(items);
    // Split across the workers so each gets an even share.
    const n = Math.min(opts.workers, Math.max(1, Math.floor(items.length / opts.minForWorkers)));
    const size = Math.ceil(items.length / n);
    const parts: Promise<Uint8Array>[] = [];
    for (let i = 0; i < items.length; i += size) parts.push(onWorker(items.slice(i, i + size)));
    try {
      const done = await Promise.all(parts);
      const out = new Uint8Array(items.length);
      let at = 0;
      for (const d of done) {
        out.set(d, at);
        at += d.length;
      }
      return out;
    } catch {
      return onThisThread(items);
    }
  }

  return {
    /**
     * The person id each code names, or the AppError it fails with. `personIds` (optional) is
     * called with the ids the well-formed codes' tokens name before their signatures are checked,
     * so the caller can read those persons meanwhile; a person id is only returned once its code
     * verified (signature, expiry) and its token is neither revoked nor expired. `db`: the caller's
     * transaction, if any (the tokens are read through it: SQLite has one connection).
     */
    async verifyMany(payloads: readonly string[], personIds?: (ids: string[]) => void, db?: DbOrTx): Promise<(string | AppError)[]> {
      const out: (string | AppError)[] = new Array(payloads.length);
      const tokenOf: (string | undefined)[] = new Array(payloads.length);
      const todo: { i: number; payload: string; p: Parsed }[] = [];
      const authoritative = (i: number) => {
        try {
          // Population accepting what failed here is never expected; its answer wins either way.
          authority.verifyResidentCode(itemAt(payloads, i, 'a payload'));
          return true;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          out[i] = err;
          return false;
        }
      };
      payloads.forEach((payload, i) => {
        const hit = cache.get(payload);
        if (hit) return void (tokenOf[i] = hit);
        const p = parseResidentCode(payload);
        if (!p) return void authoritative(i);
        tokenOf[i] = p.token;
        todo.push({ i, payload, p });
      });
      const sigs = todo.length ? checkSigs(todo.map((x) => [x.p.body, x.p.sig])) : Promise.resolve(new Uint8Array(0));
      const holders = await authority.resolveResidentCodes([...new Set(tokenOf.filter((x): x is string => !!x))], db);
      personIds?.([...new Set([...holders.values()].filter((x): x is string => typeof x === 'string'))]);
      const ok = await sigs;
      todo.forEach((x, k) => {
        if (ok[k] || authoritative(x.i)) remember(x.payload, x.p.token);
        else tokenOf[x.i] = undefined;
      });
      payloads.forEach((_, i) => {
        const t = tokenOf[i];
        if (t === undefined) return;
        // Expired codes fail here too: the register refuses a token past its expiry.
        out[i] = holders.get(t)!;
      });
      return out;
    },

    /** Verified payloads remembered (tests). */
    get cached(): number {
      return cache.size;
    },

    /** Stops the workers (tests, shutdown); they are started again when needed. */
    async close(): Promise<void> {
      const ws = pool.splice(0);
      for (const w of ws) closing.add(w);
      for (const [id, p] of pending) {
        if (!closing.has(p.w)) continue;
        pending.delete(id);
        p.reject(new Error('code verifier closed'));
      }
      await Promise.all(ws.map((w) => w.worker.terminate()));
      for (const w of ws) closing.delete(w);
    },
  };
}

export type CodeVerifier = ReturnType<typeof createCodeVerifier>;
