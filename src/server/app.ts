import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { fastifyTrustProxy, type Config } from './config.js';
import type { Deps } from './deps.js';
import { openDb } from './db/dialect.js';
import { migrateToLatest } from './db/migrate.js';
import { AdjustableClock, type Clock } from './platform/clock.js';
import { Errors } from './platform/errors.js';
import { registerErrorHandler } from './platform/http/errors-handler.js';
import { createAdmission } from './platform/http/admission.js';
import { idempotencyOnSend, idempotencyPreHandler, registerIdempotency } from './platform/http/idempotency.js';
import { assertRouteHasPolicy, enforcePolicy } from './platform/http/policy.js';
import { findBadText } from './platform/http/text-guard.js';
import { newId } from './platform/ids.js';
import { createServices } from './services.js';
import platformRoutes from './platform/platform.routes.js';
import authRoutes from './platform/auth/auth.routes.js';
import taskRoutes from './platform/tasks/tasks.routes.js';
import geoRoutes from './modules/geo/geo.routes.js';
import populationRoutes from './modules/population/population.routes.js';
import dashboardRoutes from './modules/dashboard/dashboard.routes.js';
import controlRoutes from './modules/control/control.routes.js';
import testingRoutes from './modules/testing/testing.routes.js';
import quarantineRoutes from './modules/quarantine/quarantine.routes.js';
import companionRoutes from './modules/companions/companions.routes.js';
import casesRoutes from './modules/cases/cases.routes.js';
import zoningRoutes from './modules/zoning/zoning.routes.js';
import doorknockRoutes from './modules/doorknock/doorknock.routes.js';

/** A logger that never prints request bodies, query strings or cookies (personal data stays out). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.idNumber', '*.phone'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    destination,
  );
}

/** Opens and migrates the database and builds every service. One per process. */
export async function createDeps(config: Readonly<Config>, opts: { clock?: Clock; wallClock?: Clock; log?: Logger; migrate?: boolean } = {}): Promise<Deps> {
  const log = opts.log ?? createLogger(config);
  const handle = await openDb(config, {
    onConnectionError: (err) => log.warn({ cause: err.message }, 'database connection lost; it is dropped and the pool reconnects'),
  });
  if (opts.migrate !== false) await migrateToLatest(handle.db);
  const clock = opts.clock ?? new AdjustableClock();
  const wallClock = opts.wallClock ?? opts.clock ?? { now: () => Date.now() };
  const base = { config, handle, db: handle.db, clock, wallClock, log };
  const services = createServices(base);
  return { ...base, services };
}

/** Builds the HTTP app from its dependencies. Does not listen; tests call `app.inject()`. */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const { config, db, clock } = deps;
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    genReqId: () => newId(),
    requestIdHeader: false,
    trustProxy: fastifyTrustProxy(config.trustProxy), // a hop count becomes a function: Fastify trusts nobody for a bare number
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  // Load shedding: refuse new work with 503 + Retry-After instead of falling over (admission.ts).
  const admission = createAdmission(config);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    await admission.onRequest(req, reply);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(self), geolocation=(self), microphone=()');
    // 'wasm-unsafe-eval' lets the sampler's camera decoder (zxing-wasm, served from our own assets)
    // compile WebAssembly; it allows no JavaScript eval.
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    await idempotencyOnSend(req, reply, payload, db, clock);
    return payload;
  });

  // HSTS when served over TLS, or behind a trusted proxy (BULWARK_TRUST_PROXY) that says https.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });

  app.addHook('onRoute', (route) => assertRouteHasPolicy(route as never));
  registerIdempotency(app, deps);
  app.decorateRequest('actor', undefined as never);
  // The edge check on text (text-guard.ts): before the policy hook, which already looks ids up.
  app.addHook('preValidation', async (req) => {
    const issues = [...findBadText(req.params, 'params'), ...findBadText(req.query, 'query'), ...findBadText(req.body, 'body')];
    if (issues.length) throw Errors.VALIDATION_FAILED(issues, `The request is not valid: ${issues[0].path} ${issues[0].message}`);
  });
  // Policy runs before schema validation (the body is parsed but not yet validated), so a caller
  // without the capability gets 403 and an out-of-scope record 404 whatever the body holds.
  app.addHook('preValidation', async (req, reply) => {
    await enforcePolicy(req, reply, db, deps.services.auth.authenticate);
  });
  app.addHook('preHandler', async (req, reply) => {
    if (req.routeOptions.config?.idempotency === false) return;
    if (await idempotencyPreHandler(req, reply, db, req.actor.userId, config.sessionKey)) return reply;
  });

  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, { limits: { fileSize: config.bodyLimit, files: 1 } });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Bulwark (铜墙) API', version: '0.1.0', description: 'Outbreak command platform. Every write accepts an Idempotency-Key header.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'bulwark_sid' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  // Modules, registered explicitly. Add a module's plugin here.
  await app.register(platformRoutes, { deps });
  await app.register(authRoutes, { deps });
  await app.register(taskRoutes, { deps });
  await app.register(geoRoutes, { deps });
  await app.register(populationRoutes, { deps });
  await app.register(dashboardRoutes, { deps });
  await app.register(controlRoutes, { deps });
  await app.register(testingRoutes, { deps });
  await app.register(quarantineRoutes, { deps });
  await app.register(companionRoutes, { deps });
  await app.register(casesRoutes, { deps });
  await app.register(zoningRoutes, { deps });
  await app.register(doorknockRoutes, { deps });

  // The built web app, with client-side routing falling back to index.html.
  const indexFile = path.join(config.webDir, 'index.html');
  const hasWeb = existsSync(indexFile);
  // Issue 16, "Weight on weak networks": the build writes .br/.gz beside each asset and they are sent
  // by Accept-Encoding (preCompressed); hashed files under /assets/ never change, so browsers keep
  // them a year without asking (immutable); anything else (index.html) is revalidated every time.
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: config.webDir,
      wildcard: false,
      index: false,
      preCompressed: true,
      cacheControl: false,
      globIgnore: ['**/*.br', '**/*.gz'],
      setHeaders: (reply, file) => {
        reply.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  const webRoot = path.resolve(config.webDir);
  app.setNotFoundHandler((req, reply) => {
    // Assets written after start (a rebuild while serving) have no static route yet: serve them
    // from disk, confined to the web folder, instead of answering index.html for a script.
    const urlPath = req.url.split('?')[0];
    if (req.method === 'GET' && hasWeb && urlPath.startsWith('/assets/')) {
      let file = '';
      try {
        file = path.resolve(webRoot, '.' + decodeURIComponent(urlPath));
      } catch {
        // A malformed escape is simply not a file.
      }
      if (file.startsWith(webRoot + path.sep) && existsSync(file)) return reply.sendFile(path.relative(webRoot, file));
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No asset ${urlPath}`, details: null } });
    }
    if (req.method === 'GET' && !req.url.startsWith('/api') && hasWeb) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(readFileSync(indexFile));
    }
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}`, details: null } });
  });

  app.addHook('onClose', async () => {
    admission.stop();
  });
  return app as unknown as FastifyInstance;
}
