import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { AuthErrors } from './auth.errors.js';
import {
  changePasswordBody,
  createUnitBody,
  createUserBody,
  idParams,
  importQuery,
  importResultSchema,
  loginBody,
  meSchema,
  page,
  reasonBody,
  resetPasswordBody,
  totpConfirmBody,
  totpEnrolBody,
  unitListQuery,
  unitSchema,
  updateUnitBody,
  updateUserBody,
  userListQuery,
  userSchema,
} from './auth.schemas.js';
import { setSessionCookie } from './cookie.js';

const ok = z.object({ ok: z.literal(true) });
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Sign-in, sessions, the signed-in user and TOTP: /api/auth/*. */
const sessionRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const auth = deps.services.auth;

  app.post(
    '/api/auth/login',
    {
      config: { policy: { public: true } },
      schema: {
        tags: ['auth'],
        description:
          'Signs in; sets the httpOnly session cookie bulwark_sid. 401 INVALID_CREDENTIALS · ACCOUNT_LOCKED {until} · TOTP_REQUIRED · TOTP_INVALID; 429 RATE_LIMITED.',
        body: loginBody,
        response: { 200: z.object({ user: meSchema }) },
      },
    },
    async (req, reply) => {
      const { token, me } = await auth.login(req.body, { ip: req.ip });
      setSessionCookie(req, reply, token);
      return { user: me };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { policy: { public: true } },
      schema: { tags: ['auth'], description: 'Ends the current session (if any) and clears the cookie.', response: { 200: ok } },
    },
    async (req, reply) => {
      await auth.logout(req, reply);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: { tags: ['auth'], description: 'The signed-in user: roles, capabilities, unit and jurisdiction (scope).', response: { 200: meSchema } },
    },
    async (req) => auth.me(req.actor),
  );

  app.post(
    '/api/auth/password',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: { tags: ['auth'], description: "Changes one's own password; the user's other sessions end.", body: changePasswordBody, response: { 200: ok } },
    },
    async (req) => {
      await auth.changePassword(req.actor, req.body.currentPassword, req.body.newPassword);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/auth/totp/enrol',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: {
        tags: ['auth'],
        description:
          'Starts authenticator enrolment (asks for the current password again): a new secret (base32) and otpauth:// URL, shown once. Recommended for admin, commander and auditor.',
        body: totpEnrolBody,
        response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }) },
      },
    },
    async (req) => {
      // The answer holds the secret: never store it as an idempotent replay.
      req.idem = undefined;
      return auth.enrolTotp(req.actor, req.body.currentPassword);
    },
  );

  app.post(
    '/api/auth/totp/confirm',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: {
        tags: ['auth'],
        description: 'Turns on the second factor once a current code from the app is given.',
        body: totpConfirmBody,
        response: { 200: z.object({ user: meSchema }) },
      },
    },
    async (req) => ({ user: await req.tx((trx) => auth.confirmTotp(req.actor, req.body.code, trx)) }),
  );
};

/** Staff administration: /api/users/*. */
const userRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { users, imports } = deps.services.auth;
  const tags = ['users'];
  const read = { policy: { capability: 'user.read', scope: { entity: 'user', from: 'params', key: 'id' } } } as const;
  const write = { policy: { capability: 'user.manage', scope: { entity: 'user', from: 'params', key: 'id' } } } as const;

  app.get(
    '/api/users',
    {
      config: { policy: { capability: 'user.read', scope: 'filtered' } },
      schema: { tags, description: "Users whose unit lies in the caller's jurisdiction.", querystring: userListQuery, response: { 200: page(userSchema) } },
    },
    async (req) => users.list(req.actor, req.query),
  );

  app.get(
    '/api/users/import/template',
    {
      config: { policy: { capability: 'user.manage', scope: 'filtered' } },
      schema: { tags, description: 'The .xlsx template for the staff import, with role names and the units in scope.' },
    },
    async (req, reply) => {
      const buf = await imports.template(req.actor);
      return reply
        .type(XLSX)
        .header('content-disposition', `attachment; filename="users-template.xlsx"; filename*=UTF-8''${encodeURIComponent('用户导入模板.xlsx')}`)
        .send(buf);
    },
  );

  app.post(
    '/api/users/import',
    {
      config: { policy: { capability: 'user.manage', scope: 'filtered' } },
      schema: {
        tags,
        consumes: ['multipart/form-data'],
        description:
          'Imports staff from an .xlsx file (multipart field `file`). mode=all (default): 400 IMPORT_INVALID listing every bad row, nothing written; mode=partial: good rows written, the rest reported.',
        querystring: importQuery,
        response: { 200: importResultSchema },
      },
    },
    async (req) => {
      const file = req.isMultipart() ? await req.file() : undefined;
      if (!file) throw AuthErrors.IMPORT_UNREADABLE({ problem: 'send multipart/form-data with an .xlsx file' });
      const prepared = await imports.prepare(req.actor, await file.toBuffer(), req.query.mode, file.filename);
      return req.tx((trx) => imports.apply(trx, req.actor, prepared));
    },
  );

  app.get('/api/users/:id', { config: read, schema: { tags, params: idParams, response: { 200: userSchema } } }, async (req) =>
    users.get(req.actor, req.params.id),
  );

  app.post(
    '/api/users',
    {
      config: { policy: { capability: 'user.manage', scope: { entity: 'unit', from: 'body', key: 'unitId' } } },
      schema: {
        tags,
        description: "Creates a user in a unit inside the caller's jurisdiction, with roles the caller may grant.",
        body: createUserBody,
        response: { 201: userSchema },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => users.create(req.actor, req.body, trx), 201);
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: write,
      schema: {
        tags,
        description: 'Changes display name, unit or roles (journaled with the before and after).',
        params: idParams,
        body: updateUserBody,
        response: { 200: userSchema },
      },
    },
    async (req) => req.tx((trx) => users.update(req.actor, req.params.id, req.body, trx)),
  );

  app.post(
    '/api/users/:id/disable',
    {
      config: write,
      schema: { tags, description: 'Deactivates a user; their sessions end at once.', params: idParams, body: reasonBody, response: { 200: userSchema } },
    },
    async (req) => req.tx((trx) => users.disable(req.actor, req.params.id, req.body.reason, trx)),
  );

  app.post(
    '/api/users/:id/enable',
    {
      config: write,
      schema: { tags, params: idParams, body: reasonBody, response: { 200: userSchema } },
    },
    async (req) => req.tx((trx) => users.enable(req.actor, req.params.id, req.body.reason, trx)),
  );

  app.post(
    '/api/users/:id/reset-password',
    {
      config: write,
      schema: {
        tags,
        description: "Sets a new password; the user's sessions end and any lock is cleared.",
        params: idParams,
        body: resetPasswordBody,
        response: { 200: userSchema },
      },
    },
    async (req) => req.tx((trx) => users.resetPassword(req.actor, req.params.id, req.body.password, req.body.reason, trx)),
  );

  app.post(
    '/api/users/:id/reset-totp',
    {
      config: write,
      schema: { tags, description: "Removes the user's authenticator (lost phone).", params: idParams, body: reasonBody, response: { 200: userSchema } },
    },
    async (req) => req.tx((trx) => users.resetTotp(req.actor, req.params.id, req.body.reason, trx)),
  );

  app.post(
    '/api/users/:id/unlock',
    {
      config: write,
      schema: {
        tags,
        description: 'Lifts a sign-in lock (five failures in a row). Journaled with the reason.',
        params: idParams,
        body: reasonBody,
        response: { 200: userSchema },
      },
    },
    async (req) => req.tx((trx) => users.unlock(req.actor, req.params.id, req.body.reason, trx)),
  );
};

/** Units (单位 / 专班): /api/units/*. */
const unitRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { units } = deps.services.auth;
  const tags = ['units'];
  const write = { policy: { capability: 'user.manage', scope: { entity: 'unit', from: 'params', key: 'id' } } } as const;

  app.get(
    '/api/units',
    {
      config: { policy: { capability: 'user.read', scope: 'filtered' } },
      schema: { tags, description: "Units whose jurisdiction lies in the caller's.", querystring: unitListQuery, response: { 200: page(unitSchema) } },
    },
    async (req) => units.list(req.actor, req.query),
  );

  app.get(
    '/api/units/:id',
    {
      config: { policy: { capability: 'user.read', scope: { entity: 'unit', from: 'params', key: 'id' } } },
      schema: { tags, params: idParams, response: { 200: unitSchema } },
    },
    async (req) => units.get(req.actor, req.params.id),
  );

  app.post(
    '/api/units',
    {
      config: { policy: { capability: 'user.manage', scope: { entity: 'jurisdiction', from: 'body', key: 'jurisdictionId' } } },
      schema: { tags, description: "Creates a unit in a jurisdiction inside the caller's.", body: createUnitBody, response: { 201: unitSchema } },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => units.create(req.actor, req.body, trx), 201);
    },
  );

  app.patch(
    '/api/units/:id',
    {
      config: write,
      schema: { tags, params: idParams, body: updateUnitBody, response: { 200: unitSchema } },
    },
    async (req) => req.tx((trx) => units.update(req.actor, req.params.id, req.body, trx)),
  );

  app.post(
    '/api/units/:id/disable',
    {
      config: write,
      schema: {
        tags,
        description: 'Deactivates a unit; refused while it has active users or child units.',
        params: idParams,
        body: reasonBody,
        response: { 200: unitSchema },
      },
    },
    async (req) => req.tx((trx) => units.disable(req.actor, req.params.id, req.body.reason, trx)),
  );

  app.post(
    '/api/units/:id/enable',
    {
      config: write,
      schema: { tags, params: idParams, body: reasonBody, response: { 200: unitSchema } },
    },
    async (req) => req.tx((trx) => units.enable(req.actor, req.params.id, req.body.reason, trx)),
  );
};

/** Identity and access: the module's plugin, registered once in app.ts. */
const authRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, opts) => {
  await app.register(sessionRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(unitRoutes, opts);
};

export default authRoutes;
