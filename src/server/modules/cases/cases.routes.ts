import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import * as s from './cases.schemas.js';

/** Cases, tracing and clusters (感染者、流调、一起疫情) and protocol presets (防控方案). */
const casesRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const cases = deps.services.cases;
  const tags = ['cases'];

  app.get(
    '/api/presets',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: {
        tags,
        description: 'Every protocol preset version (防控方案), the active one flagged.',
        response: { 200: z.object({ items: z.array(s.preset) }) },
      },
    },
    async () => ({ items: await cases.presets.list() }),
  );

  app.get(
    '/api/presets/active',
    {
      config: { policy: { capability: 'authenticated', scope: 'none' } },
      schema: { tags, description: 'The preset the city follows now.', response: { 200: s.preset } },
    },
    async () => cases.presets.active(),
  );

  app.post(
    '/api/presets',
    {
      config: { policy: { capability: 'preset.manage', scope: 'none' } },
      schema: {
        tags,
        description: 'A custom preset, or a new version of a key (not active until activated). 422 PRESET_INVALID lists missing parameters.',
        body: s.presetBody,
        response: { 200: s.preset },
      },
    },
    async (req) => req.tx((trx) => cases.presets.create(trx, req.actor, req.body)),
  );

  app.post(
    '/api/presets/:id/activate',
    {
      config: { policy: { capability: 'preset.manage', scope: 'none' } },
      schema: {
        tags,
        description: 'Switch the city to this preset (journaled with the reason). Existing records keep their version.',
        params: s.idParams,
        body: s.activateBody,
        response: { 200: s.preset },
      },
    },
    async (req) => req.tx((trx) => cases.presets.activate(trx, req.actor, req.params.id, req.body.reason)),
  );

  // ---- cases
  const caseScope = { entity: 'case', from: 'params', key: 'id' } as const;
  app.get(
    '/api/cases',
    {
      config: { policy: { capability: 'case.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Cases in your scope, newest report first (keyset pages: pass nextCursor).',
        querystring: s.caseListQuery,
        response: { 200: s.caseList },
      },
    },
    async (req) => cases.cases.list(req.actor, req.query),
  );

  app.post(
    '/api/cases',
    {
      config: { policy: { capability: 'case.manage', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Record a case by hand (the person goes to central isolation through control, basis case).',
        body: s.caseBody,
        response: { 200: s.caseDto },
      },
    },
    async (req) => req.tx((trx) => cases.cases.create(trx, req.actor, req.body)),
  );

  app.post(
    '/api/cases/confirm-from-recheck',
    {
      config: { policy: { capability: 'case.manage', scope: 'filtered' } },
      schema: {
        tags,
        description: 'THE confirmation flow: a positive single-tube recheck becomes a case; tube, recheck and case linked.',
        body: s.confirmBody,
        response: { 200: s.caseDto },
      },
    },
    async (req) => req.tx((trx) => cases.cases.confirmFromRecheck(trx, req.actor, req.body)),
  );

  app.get(
    '/api/cases/:id',
    {
      config: { policy: { capability: 'case.read', scope: caseScope } },
      schema: {
        tags,
        description: "One case with its speed measures against its preset version's targets.",
        params: s.idParams,
        response: { 200: s.caseDetail },
      },
    },
    async (req) => cases.cases.get(req.actor, req.params.id),
  );

  app.post(
    '/api/cases/:id/source',
    {
      config: { policy: { capability: 'case.manage', scope: caseScope } },
      schema: {
        tags,
        description: 'Set the source case (422 CHAIN_CYCLE when it would make a loop).',
        params: s.idParams,
        body: s.sourceBody,
        response: { 200: s.caseDto },
      },
    },
    async (req) => req.tx((trx) => cases.cases.setSource(trx, req.actor, req.params.id, req.body.sourceCaseId, req.body.reason)),
  );

  app.post(
    '/api/cases/:id/clinical-status',
    {
      config: { policy: { capability: 'case.manage', scope: caseScope } },
      schema: {
        tags,
        description: 'Clinical status: treatment, recovered, discharged.',
        params: s.idParams,
        body: s.clinicalBody,
        response: { 200: s.caseDto },
      },
    },
    async (req) => req.tx((trx) => cases.cases.setClinicalStatus(trx, req.actor, req.params.id, req.body.status, req.body.reason ?? '')),
  );

  app.post(
    '/api/cases/:id/core-investigation',
    {
      config: { policy: { capability: 'case.manage', scope: caseScope } },
      schema: { tags, description: 'Mark the core investigation (核心信息流调) done.', params: s.idParams, response: { 200: s.caseDto } },
    },
    async (req) => req.tx((trx) => cases.cases.markCoreInvestigationDone(trx, req.actor, req.params.id)),
  );

  // ---- investigation and contacts
  app.get(
    '/api/cases/:id/places',
    {
      config: { policy: { capability: 'case.read', scope: caseScope } },
      schema: {
        tags,
        description: 'Places and time windows the case visited (流调).',
        params: s.idParams,
        response: { 200: z.object({ items: z.array(s.place) }) },
      },
    },
    async (req) => ({ items: await cases.tracing.places(req.actor, req.params.id) }),
  );

  app.post(
    '/api/cases/:id/places',
    {
      config: { policy: { capability: 'case.manage', scope: caseScope } },
      schema: {
        tags,
        description: 'Add a place: a compound/building, or coordinates snapped to the nearest one, plus free text and a time window.',
        params: s.idParams,
        body: s.placeBody,
        response: { 200: s.place },
      },
    },
    async (req) => req.tx((trx) => cases.tracing.addPlace(trx, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/api/cases/:id/contacts',
    {
      config: { policy: { capability: 'case.read', scope: caseScope } },
      schema: { tags, description: 'Contacts of a case.', params: s.idParams, response: { 200: z.object({ items: z.array(s.contact) }) } },
    },
    async (req) => ({ items: await cases.tracing.contactsOfCase(req.actor, req.params.id) }),
  );

  app.post(
    '/api/cases/:id/contacts',
    {
      config: { policy: { capability: 'case.manage', scope: caseScope } },
      schema: {
        tags,
        description: 'Add a contact (密接/次密接): control through the status guard, hand-over to another district, or an outgoing 协查 request.',
        params: s.idParams,
        body: s.contactBody,
        response: { 200: s.contact },
      },
    },
    async (req) => req.tx((trx) => cases.tracing.addContact(trx, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/api/contacts',
    {
      config: { policy: { capability: 'case.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Contacts in your scope (by their case), newest exposure first, keyset pages.',
        querystring: s.contactListQuery,
        response: { 200: s.contactList },
      },
    },
    async (req) => cases.tracing.listContacts(req.actor, req.query),
  );

  app.get(
    '/api/tracing/worklist',
    {
      config: { policy: { capability: 'case.read', scope: 'filtered' } },
      schema: {
        tags,
        description:
          "The tracer's worklist: open cases (core investigation or close contacts not recorded) and contacts not yet placed in your scope, earliest speed-target deadline first.",
        response: { 200: s.tracerWorklist },
      },
    },
    async (req) => cases.worklist.worklist(req.actor),
  );

  app.post(
    '/api/contacts/:id/close',
    {
      config: { policy: { capability: 'case.manage', scope: { entity: 'case_contact', from: 'params', key: 'id' } } },
      schema: { tags, description: "Close a contact's follow-up.", params: s.idParams, body: s.reasonBody, response: { 200: s.contact } },
    },
    async (req) => req.tx((trx) => cases.tracing.closeContact(trx, req.actor, req.params.id, req.body.reason)),
  );

  // ---- 协查
  app.get(
    '/api/cases/assist-requests',
    {
      config: { policy: { capability: 'case.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Cross-region requests (协查) in your scope, newest first.',
        querystring: s.assistListQuery,
        response: { 200: z.object({ items: z.array(s.assist) }) },
      },
    },
    async (req) => cases.tracing.listAssists(req.actor, req.query),
  );

  app.post(
    '/api/cases/assist-requests/incoming',
    {
      config: { policy: { capability: 'case.manage', scope: 'filtered' } },
      schema: { tags, description: 'Record a request from another region about someone in our city.', body: s.incomingBody, response: { 200: s.assist } },
    },
    async (req) => req.tx((trx) => cases.tracing.recordIncoming(trx, req.actor, req.body)),
  );

  app.post(
    '/api/cases/assist-requests/:id/status',
    {
      config: { policy: { capability: 'case.manage', scope: { entity: 'case_assist_request', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Move a request forward: pending → sent → answered → closed.',
        params: s.idParams,
        body: s.assistStatusBody,
        response: { 200: s.assist },
      },
    },
    async (req) => req.tx((trx) => cases.tracing.setAssistStatus(trx, req.actor, req.params.id, req.body.status, req.body.note)),
  );

  // ---- clusters
  app.get(
    '/api/clusters/board',
    {
      config: { policy: { capability: 'case.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Every cluster not extinguished: days since last case, share found in control, open contacts, speed measures.',
        response: { 200: s.board },
      },
    },
    async (req) => cases.clusters.board(req.actor),
  );

  app.get(
    '/api/clusters/:id',
    {
      config: { policy: { capability: 'case.read', scope: { entity: 'case_cluster', from: 'params', key: 'id' } } },
      schema: { tags, description: 'One cluster (一起疫情).', params: s.idParams, response: { 200: s.cluster } },
    },
    async (req) => cases.clusters.get(req.actor, req.params.id),
  );

  app.post(
    '/api/clusters/:id/rename',
    {
      config: { policy: { capability: 'case.manage', scope: { entity: 'case_cluster', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Renames a cluster (HQs name them by district and first case day: 西陵区 12·07 疫情); journaled with the old name.',
        params: s.idParams,
        body: s.renameClusterBody,
        response: { 200: s.cluster },
      },
    },
    async (req) => req.tx((trx) => cases.clusters.rename(trx, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/api/clusters/:id/graph',
    {
      config: { policy: { capability: 'case.read', scope: { entity: 'case_cluster', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'The chain of transmission: cases and contacts (masked) with edges; filters by contact category and case kind.',
        params: s.idParams,
        querystring: s.graphQuery,
        response: { 200: s.graph },
      },
    },
    async (req) => cases.clusters.graph(req.actor, req.params.id, req.query),
  );

  // ---- travellers
  const travellerScope = { entity: 'traveller', from: 'params', key: 'id' } as const;
  app.post(
    '/api/travellers',
    {
      config: { policy: { capability: 'case.manage', scope: { entity: 'person', from: 'body', key: 'personId' } } },
      schema: {
        tags,
        description: "Registers a traveller (来返、入境、高风险岗位人员) with the active preset's schedule; a real basis (traveller) for their measure.",
        body: s.travellerBody,
        response: { 201: s.traveller },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return req.tx((trx) => cases.travellers.register(trx, req.actor, req.body), 201);
    },
  );

  app.get(
    '/api/travellers',
    {
      config: { policy: { capability: 'case.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Travellers in your scope, newest first, with their schedules.',
        querystring: s.travellerListQuery,
        response: { 200: z.object({ items: z.array(s.traveller), total: z.number().int() }) },
      },
    },
    async (req) => cases.travellers.list(req.actor, req.query),
  );

  app.get(
    '/api/travellers/:id',
    {
      config: { policy: { capability: 'case.read', scope: travellerScope } },
      schema: { tags, description: 'One traveller: schedule (with its source text) and arrival tests.', params: s.idParams, response: { 200: s.traveller } },
    },
    async (req) => cases.travellers.get(req.actor, req.params.id),
  );

  app.post(
    '/api/travellers/:id/arrival-tests',
    {
      config: { policy: { capability: 'case.manage', scope: travellerScope } },
      schema: {
        tags,
        description: "Records an arrival test (落地检) at one of the city's entry points.",
        params: s.idParams,
        body: s.arrivalTestBody,
        response: { 200: s.traveller },
      },
    },
    async (req) => req.tx((trx) => cases.travellers.recordArrivalTest(trx, req.actor, req.params.id, req.body)),
  );
};

export default casesRoutes;
