import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import { PERSON_CAPS } from './population.service.js';
import {
  createPersonBody,
  exportQuery,
  householdSchema,
  idParams,
  importPreviewSchema,
  importQuery,
  importReportSchema,
  mergeBody,
  personDetailSchema,
  personListQuery,
  personListResponse,
  personSchema,
  previewQuery,
  reissueCodeBody,
  residentCodeKeyResponse,
  residentCodeResponse,
  residentCodesQuery,
  revealBody,
  revealResponse,
} from './population.schemas.js';
import { importTemplate } from './template.js';
import { withUpload } from './upload.js';

const personById = { entity: 'person', from: 'params', key: 'id' } as const;
const tags = ['population'];

/** Persons (masked), search, registration, reveal, merge, import/export, resident codes; households. */
const populationRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const population = deps.services.population;
  const limit = deps.config.bodyLimit;

  app.get(
    '/api/persons',
    {
      config: { policy: { capability: PERSON_CAPS.read, scope: 'filtered' } },
      schema: {
        tags,
        description:
          "Persons in the caller's jurisdiction (masked ID and phone), by address. Search `q`: name, pinyin initials (zs → 张三), compound/building name, or a full document or mobile number (exact, via HMAC: needs `purpose`, rate-limited per user, journaled as population.person.search).",
        querystring: personListQuery,
        response: { 200: personListResponse },
      },
    },
    async (req) => population.list(req.actor, req.query),
  );

  app.get(
    '/api/persons/export',
    {
      config: { policy: { capability: PERSON_CAPS.read, scope: 'filtered' } },
      schema: {
        tags,
        description: "Exports the persons of the caller's jurisdiction (or a subtree) as CSV or XLSX, masked, streamed. Journaled as population.person.export.",
        querystring: exportQuery,
      },
    },
    async (req, reply) => {
      const out = await population.exports.open(req.actor, req.query);
      return reply
        .type(out.contentType)
        .header('content-disposition', `attachment; filename="${out.filename}"`)
        .header('x-row-count', String(out.count))
        .send(out.stream);
    },
  );

  app.get(
    '/api/persons/import/template',
    {
      config: { policy: { capability: PERSON_CAPS.manage, scope: 'none' } },
      schema: { tags, description: 'The .xlsx template of the resident import (headers in Chinese and English, an example row and the rules).' },
    },
    async (_req, reply) =>
      reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', 'attachment; filename="residents-template.xlsx"')
        .send(await importTemplate()),
  );

  app.post(
    '/api/persons/import/preview',
    {
      config: { policy: { capability: PERSON_CAPS.manage, scope: 'filtered' } },
      schema: {
        tags,
        consumes: ['multipart/form-data'],
        description:
          'Reads the header and the first rows of an uploaded CSV/XLSX: the header→field mapping, missing required columns, the detected encoding. Writes nothing.',
        querystring: previewQuery,
        response: { 200: importPreviewSchema },
      },
    },
    async (req) => withUpload(req, limit, (file, fileName) => population.imports.preview(req.actor, file, { ...req.query, fileName })),
  );

  app.post(
    '/api/persons/import',
    {
      config: { policy: { capability: PERSON_CAPS.manage, scope: 'filtered' } },
      schema: {
        tags,
        consumes: ['multipart/form-data'],
        description:
          'Imports residents from a CSV (UTF-8 or GBK) or XLSX upload (multipart, streamed). mode=all (default): 422 IMPORT_INVALID with the row report if any row is bad, nothing written; mode=partial: the valid rows are written. dryRun=true validates only. Re-importing a file changes nothing.',
        querystring: importQuery,
        response: { 200: importReportSchema },
      },
    },
    async (req) =>
      withUpload(req, limit, async (file, fileName) => {
        const validated = await population.imports.validate(req.actor, file, { ...req.query, fileName });
        return req.tx((trx) => population.imports.write(trx, req.actor, validated));
      }),
  );

  app.get(
    '/api/persons/resident-codes',
    {
      config: { policy: { capability: PERSON_CAPS.read, scope: { entity: 'jurisdiction', from: 'query', key: 'buildingId' } } },
      schema: {
        tags,
        description: "A printable HTML page of the resident codes (QR) of one building's residents, masked names. Journaled (who printed which building).",
        querystring: residentCodesQuery,
      },
    },
    async (req, reply) => reply.type('text/html; charset=utf-8').send(await population.residentCodeSheet(req.actor, req.query.buildingId)),
  );

  app.get(
    '/api/persons/:id',
    {
      config: { policy: { capability: PERSON_CAPS.read, scope: personById } },
      schema: { tags, description: 'One person, masked, with every merge it took part in.', params: idParams, response: { 200: personDetailSchema } },
    },
    async (req) => population.get(req.actor, req.params.id),
  );

  // Scope 'filtered': the body names the address (nested) or the place of stay; the service refuses
  // places outside the caller's jurisdiction (422 PERSON_ADDRESS_NOT_FOUND).
  app.post(
    '/api/persons',
    {
      config: { policy: { capability: PERSON_CAPS.manage, scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Registers a person: a resident (address or household) or a non-resident (place of stay, region of origin). Resident IDs are checked per GB 11643.',
        body: createPersonBody,
        response: { 201: personSchema },
      },
    },
    async (req, reply) => {
      const person = await req.tx((trx) => population.create(trx, req.actor, req.body), 201);
      return reply.code(201).send(person);
    },
  );

  app.post(
    '/api/persons/:id/merge',
    {
      config: { policy: { capability: PERSON_CAPS.manage, scope: personById } },
      schema: {
        tags,
        description:
          'Merges this person record into another (a non-resident matched to a resident): both records and histories stay, this one is marked mergedInto, references move, the stricter control status is kept. Journaled.',
        params: idParams,
        body: mergeBody,
        response: { 200: personDetailSchema },
      },
    },
    async (req) => req.tx((trx) => population.merge(trx, req.actor, req.params.id, req.body.intoPersonId, req.body.reason)),
  );

  app.post(
    '/api/persons/:id/reveal',
    {
      // Never keep an Idempotency-Key response here: it would store the plaintext number at rest.
      // A retried reveal is a new disclosure and is journaled again.
      config: { policy: { capability: PERSON_CAPS.reveal, scope: personById }, idempotency: false },
      schema: {
        tags,
        description:
          'Reveals the full ID number, phone number or birth date. Needs a real reason; rate-limited per user (429 DISCLOSURE_RATE_LIMITED); journaled as population.person.reveal (never the value).',
        params: idParams,
        body: revealBody,
        response: { 200: revealResponse },
      },
    },
    async (req) => {
      return population.reveal(undefined, req.actor, req.params.id, req.body.field, req.body.reason);
    },
  );

  app.get(
    '/api/persons/:id/resident-code',
    {
      config: { policy: { capability: PERSON_CAPS.read, scope: personById } },
      schema: {
        tags,
        description:
          "The person's resident code (居民码): a signed payload with an opaque token and an expiry, to show or print as a QR code. The active code is returned (a new one when none is left); asking does not revoke.",
        params: idParams,
        response: { 200: residentCodeResponse },
      },
    },
    async (req) => population.issueResidentCode(req.actor, req.params.id),
  );

  app.post(
    '/api/persons/:id/resident-code/reissue',
    {
      config: { policy: { capability: PERSON_CAPS.manage, scope: personById } },
      schema: {
        tags,
        description: "Replaces the person's resident code (lost or leaked): every earlier code is revoked. Needs a reason; journaled.",
        params: idParams,
        body: reissueCodeBody,
        response: { 200: residentCodeResponse },
      },
    },
    async (req) => req.tx((trx) => population.reissueResidentCode(trx, req.actor, req.params.id, req.body.reason)),
  );

  app.get(
    '/api/public/resident-code-key',
    {
      config: { policy: { public: true } },
      schema: { tags, description: 'The Ed25519 public key that verifies resident codes offline.', response: { 200: residentCodeKeyResponse } },
    },
    async () => population.residentCodeKey(),
  );

  app.get(
    '/api/households/:id',
    {
      config: { policy: { capability: PERSON_CAPS.read, scope: { entity: 'household', from: 'params', key: 'id' } } },
      schema: { tags, description: 'A household: its address and members (masked).', params: idParams, response: { 200: householdSchema } },
    },
    async (req) => population.household(req.actor, req.params.id),
  );
};

export default populationRoutes;
