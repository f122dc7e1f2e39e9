import type { FastifyError, FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable, isStorageFull } from '../../db/dialect.js';
import { AppError } from '../errors.js';
import { ReplayError } from './idempotency.js';

interface Issue {
  path: string;
  message: string;
}

/** Seconds a client is told to wait when the database cannot be reached (a cut connection, a restart). */
const DB_UNAVAILABLE_RETRY_S = 2;
/** Seconds a client is told to wait when the disk is full (an operator has to free space). */
const STORAGE_FULL_RETRY_S = 30;
/** A fault that hits every request (a full disk, a database restart) is logged once per this window. */
const FAULT_LOG_WINDOW_MS = 60_000;

/** A refused body is read to its end (and thrown away) up to this many bytes past the limit… */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** …and for at most this long, before the 413 is sent anyway. */
const DRAIN_MAX_MS = 15_000;

/**
 * Reads what is left of a request body and discards it. Node closes the connection when a response
 * is sent before the request's body was read; a client still sending its body then sees a reset
 * (EPIPE/ECONNRESET) instead of the 413. Reading the rest first keeps the connection orderly. Bounded
 * in bytes and time, so a client sending without end is cut off as before.
 */
function drainBody(raw: IncomingMessage): Promise<void> {
  if (raw.complete || raw.destroyed || raw.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('close', done);
      raw.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('close', done);
    raw.once('error', done);
    raw.unpipe(); // a multipart parser that gave up on the part
    raw.resume();
  });
}

/**
 * The one error mapper: AppError → its status; validation → 400 with every issue; the database
 * unreachable → 503 DATABASE_UNAVAILABLE, the disk full → 503 STORAGE_FULL (both with Retry-After,
 * logged once per minute with their cause, not once per request); else a bare 500.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  const lastLogged = new Map<string, number>();
  const logOnce = (req: { log: { error(o: object, m: string): void } }, code: string, err: unknown, what: string) => {
    const now = Date.now();
    if ((lastLogged.get(code) ?? 0) > now - FAULT_LOG_WINDOW_MS) return;
    lastLogged.set(code, now);
    const e = err as { code?: string; message?: string };
    // The driver's code and message only: they name the fault, never a query's values.
    req.log.error({ cause: { code: e?.code ?? null, message: String(e?.message ?? err) } }, `${what} (further occurrences in the next minute are not logged)`);
  };
  app.setErrorHandler(async (err: FastifyError | AppError | ReplayError, req, reply) => {
    // A body refused for its size (by Fastify or by an upload): read the rest first (drainBody).
    const status = err instanceof AppError ? err.status : (err as FastifyError).statusCode;
    if (status === 413) await drainBody(req.raw);
    if (isStorageFull(err)) {
      logOnce(req, 'STORAGE_FULL', err, 'the database has no room to write');
      reply.header('retry-after', String(STORAGE_FULL_RETRY_S));
      return reply
        .code(503)
        .send({ error: { code: 'STORAGE_FULL', message: 'The server cannot store data right now (its disk is full); retry later', details: null } });
    }
    if (isDatabaseUnavailable(err)) {
      logOnce(req, 'DATABASE_UNAVAILABLE', err, 'the database cannot be reached');
      reply.header('retry-after', String(DB_UNAVAILABLE_RETRY_S));
      return reply.code(503).send({ error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is briefly unavailable; retry shortly', details: null } });
    }
    if (err instanceof ReplayError) {
      reply.header('idempotent-replayed', 'true');
      return reply.code(err.status).send(err.body);
    }
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      if (err.status >= 500) req.log.error({ err }, 'service error');
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, details: err.details ?? null } });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const issues: Issue[] = err.validation.map((v) => ({
        path: [
          where,
          ...String(v.instancePath ?? '')
            .split('/')
            .filter(Boolean),
        ].join('.'),
        message: v.message ?? 'invalid',
      }));
      return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: `The request is not valid: ${issues.length} issue(s)`, details: issues } });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err: { message: err.message, cause: String(err.cause) } }, 'response did not match its schema');
      return reply.code(500).send({ error: { code: 'INTERNAL', message: `Internal error (request ${req.id})`, details: null } });
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ error: { code: 'BODY_TOO_LARGE', message: 'The request body is larger than allowed', details: { limit: app.initialConfig.bodyLimit } } });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code =
        fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : fe.statusCode === 400
            ? 'VALIDATION_FAILED'
            : fe.statusCode === 429
              ? 'RATE_LIMITED'
              : 'BAD_REQUEST';
      return reply
        .code(fe.statusCode)
        .send({ error: { code, message: fe.message, details: fe.statusCode === 400 ? [{ path: 'body', message: fe.message }] : null } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: `Internal error (request ${req.id})`, details: null } });
  });
}
