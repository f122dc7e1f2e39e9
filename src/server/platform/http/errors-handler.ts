import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';
import { ReplayError } from './idempotency.js';

interface Issue {
  path: string;
  message: string;
}

/** The one error mapper: AppError → its status; validation → 400 with every issue; else a bare 500. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | ReplayError, req, reply) => {
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
        path: [where, ...String(v.instancePath ?? '').split('/').filter(Boolean)].join('.'),
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
      return reply.code(413).send({ error: { code: 'BODY_TOO_LARGE', message: 'The request body is larger than allowed', details: { limit: app.initialConfig.bodyLimit } } });
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
      return reply.code(fe.statusCode).send({ error: { code, message: fe.message, details: fe.statusCode === 400 ? [{ path: 'body', message: fe.message }] : null } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: `Internal error (request ${req.id})`, details: null } });
  });
}
