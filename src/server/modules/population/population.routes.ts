import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import { PERSON_CAPS } from './population.service.js';
import { createPersonBody, householdSchema, idParams, personListQuery, personListResponse, personSchema, residentCodeKeyResponse, residentCodeResponse, revealBody, revealResponse } from './population.schemas.js';

const personById = { entity: 'person', from: 'params', key: 'id' } as const;

/** Persons (masked), registration, reveal; households. */
const populationRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const population = deps.services.population;

  app.get('/api/persons', {
    config: { policy: { capability: PERSON_CAPS.read, scope: 'filtered' } },
    schema: { tags: ['population'], description: 'Persons in the caller\'s jurisdiction (masked ID and phone), by address.', querystring: personListQuery, response: { 200: personListResponse } },
  }, async (req) => population.list(req.actor, req.query));

  app.get('/api/persons/:id', {
    config: { policy: { capability: PERSON_CAPS.read, scope: personById } },
    schema: { tags: ['population'], description: 'One person, masked.', params: idParams, response: { 200: personSchema } },
  }, async (req) => population.get(req.actor, req.params.id));

  // Scope 'filtered': the body names the address (nested) or the place of stay; the service refuses
  // places outside the caller's jurisdiction (422 PERSON_ADDRESS_NOT_FOUND).
  app.post('/api/persons', {
    config: { policy: { capability: PERSON_CAPS.manage, scope: 'filtered' } },
    schema: { tags: ['population'], description: 'Registers a person: a resident (address or household) or a non-resident (place of stay, region of origin). Resident IDs are checked per GB 11643.', body: createPersonBody, response: { 201: personSchema } },
  }, async (req, reply) => {
    const person = await req.tx((trx) => population.create(trx, req.actor, req.body), 201);
    return reply.code(201).send(person);
  });

  app.post('/api/persons/:id/reveal', {
    config: { policy: { capability: PERSON_CAPS.reveal, scope: personById } },
    schema: { tags: ['population'], description: 'Reveals the full ID or phone number. Needs a reason; journaled as population.person.reveal (never the value).', params: idParams, body: revealBody, response: { 200: revealResponse } },
  }, async (req) => {
    // Never keep an Idempotency-Key response here: it would store the plaintext number at rest.
    // A retried reveal is a new disclosure and is journaled again.
    req.idem = undefined;
    return population.reveal(undefined, req.actor, req.params.id, req.body.field, req.body.reason);
  });

  app.get('/api/persons/:id/resident-code', {
    config: { policy: { capability: PERSON_CAPS.read, scope: personById } },
    schema: { tags: ['population'], description: 'Issues the person\'s resident code (居民码): a signed payload to show or print as a QR code.', params: idParams, response: { 200: residentCodeResponse } },
  }, async (req) => population.issueResidentCode(req.actor, req.params.id));

  app.get('/api/public/resident-code-key', {
    config: { policy: { public: true } },
    schema: { tags: ['population'], description: 'The Ed25519 public key that verifies resident codes offline.', response: { 200: residentCodeKeyResponse } },
  }, async () => population.residentCodeKey());

  app.get('/api/households/:id', {
    config: { policy: { capability: PERSON_CAPS.read, scope: { entity: 'household', from: 'params', key: 'id' } } },
    schema: { tags: ['population'], description: 'A household: its address and members (masked).', params: idParams, response: { 200: householdSchema } },
  }, async (req) => population.household(req.actor, req.params.id));
};

export default populationRoutes;
