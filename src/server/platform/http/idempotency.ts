import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../canonical.js';
import { inTx, isUniqueViolation, type Db, type Tx } from '../../db/dialect.js';
import type { Clock } from '../clock.js';
import { Errors } from '../errors.js';

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface IdemState {
  actor: string;
  key: string;
  hash: string;
  stored: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    idem?: IdemState;
    /**
     * Runs a write in one transaction. When the request carries an Idempotency-Key, the response
     * is stored in that same transaction, so a retry replays it and the change never applies twice.
     */
    tx<T>(fn: (trx: Tx) => Promise<T>, status?: number): Promise<T>;
  }
}

/**
 * Idempotency-Key support for every write route. Call after authentication so keys are per user.
 * Handlers that write through `req.tx()` store the response atomically with the change; any other
 * write route's 2xx response is stored after it is sent.
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock }): void {
  app.decorateRequest('idem', undefined);
  app.decorateRequest('tx', function (this: FastifyRequest, fn: (trx: Tx) => Promise<unknown>, status = 200) {
    const req = this; // eslint-disable-line typescript/no-this-alias -- Fastify hands the request over as `this`; the async body below needs it by name
    return (async () => {
      if (!req.idem) return inTx(deps.db, fn);
      try {
        return await inTx(deps.db, async (trx) => {
          const result = await fn(trx);
          await trx
            .insertInto('idempotency_keys')
            .values({
              actor: req.idem!.actor,
              key: req.idem!.key,
              method: req.method,
              path: req.routeOptions.url ?? req.url,
              request_hash: req.idem!.hash,
              status_code: status,
              response_body: JSON.stringify(result ?? null),
              created_at: deps.clock.now(),
            })
            .execute();
          req.idem!.stored = true;
          return result;
        });
      } catch (err) {
        // A concurrent twin committed first: our transaction rolled back; replay theirs.
        if (isUniqueViolation(err)) {
          const prior = await find(deps.db, req.idem.actor, req.idem.key);
          if (prior && prior.request_hash === req.idem.hash) throw new ReplayError(prior.status_code, JSON.parse(prior.response_body));
          throw Errors.IDEMPOTENCY_KEY_REUSED({ key: req.idem.key });
        }
        throw err;
      }
    })();
  } as never);
}

/** Thrown inside a handler to answer with a previously stored response. */
export class ReplayError extends Error {
  constructor(
    public readonly status: number,
    public readonly body: unknown,
  ) {
    super('idempotent replay');
  }
}

async function find(db: Db, actor: string, key: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('actor', '=', actor).where('key', '=', key).executeTakeFirst();
}

/** preHandler step: replays a stored response or refuses a reused key; else arms storage. */
export async function idempotencyPreHandler(req: FastifyRequest, reply: FastifyReply, db: Db, actorId: string | null, key32: Buffer): Promise<boolean> {
  if (!WRITE.has(req.method)) return false;
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return false;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
    throw Errors.VALIDATION_FAILED([{ path: 'header.idempotency-key', message: 'must be 1–200 printable ASCII characters' }]);
  }
  const actor = actorId ?? '-';
  // Keyed hash: bodies can carry passwords, and a plain SHA-256 of a password is a fast, unsalted
  // hash an attacker with the table could brute-force.
  const hash = createHmac('sha256', key32)
    .update(`idempotency\n${req.method} ${req.url}\n${canonicalJson(req.body ?? null)}`)
    .digest('hex');
  const prior = await find(db, actor, key);
  if (prior) {
    if (prior.request_hash !== hash) throw Errors.IDEMPOTENCY_KEY_REUSED({ key });
    reply.header('idempotent-replayed', 'true');
    reply.code(prior.status_code).send(JSON.parse(prior.response_body));
    return true;
  }
  req.idem = { actor, key, hash, stored: false };
  return false;
}

/** onSend step: stores a 2xx response of a write route that did not go through `req.tx()`. */
export async function idempotencyOnSend(req: FastifyRequest, reply: FastifyReply, payload: unknown, db: Db, clock: Clock): Promise<void> {
  const idem = req.idem;
  if (!idem || idem.stored || reply.statusCode >= 300 || reply.getHeader('idempotent-replayed')) return;
  idem.stored = true;
  let body: unknown = null;
  try {
    body = typeof payload === 'string' && payload.length ? JSON.parse(payload) : null;
  } catch {
    return; // not JSON (a file): nothing sensible to replay
  }
  await db
    .insertInto('idempotency_keys')
    .values({
      actor: idem.actor,
      key: idem.key,
      method: req.method,
      path: req.routeOptions.url ?? req.url,
      request_hash: idem.hash,
      status_code: reply.statusCode,
      response_body: JSON.stringify(body),
      created_at: clock.now(),
    })
    .onConflict((oc) => oc.columns(['actor', 'key']).doNothing())
    .execute();
}
