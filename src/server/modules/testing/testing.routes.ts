import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.js';
import { leaveOnClose, shed } from '../../platform/http/admission.js';
import * as s from './testing.schemas.js';
import { redactForActor } from './person-fields.js';

const tags = ['testing'];

/**
 * Mass testing (核酸检测) routes: campaigns and coverage, sites, tubes and scans (single and batch),
 * the lab, rechecks, flags, planning, and the public result lookup. Writes go through `req.tx`
 * (Idempotency-Key), except single scans, which share a group commit (their clientId makes them
 * idempotent).
 */
const testingRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const t = deps.services.testing;
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // Person-level data only for holders of person.read (see person-fields.ts): answers lose their
  // person fields for everyone else.
  app.addHook('preSerialization', async (req, _reply, payload) => redactForActor(req.actor, `${req.method} ${req.routeOptions.url ?? ''}`, payload));

  // ---------------------------------------------------------------------------------------------
  // Campaigns and coverage

  app.post(
    '/api/testing/campaigns',
    {
      config: { policy: { capability: 'testing.manage', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Plans a campaign (核酸检测轮次) over any set of jurisdictions inside your scope: start, deadline (default 24 h), pool size with overrides, exempt control statuses.',
        body: s.createCampaignBody,
        response: { 201: s.campaign },
      },
    },
    async (req, reply) => reply.code(201).send(await req.tx((trx) => t.campaigns.create(trx, req.actor, req.body), 201)),
  );

  app.get(
    '/api/testing/campaigns',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: { tags, description: 'Campaigns overlapping your scope, newest first.', querystring: s.campaignListQuery, response: { 200: s.campaignList } },
    },
    async (req) => t.campaigns.list(req.actor, req.query),
  );

  app.get(
    '/api/testing/campaigns/:id',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: { tags, description: 'One campaign (visible when its scope overlaps yours).', params: s.idParams, response: { 200: s.campaign } },
    },
    async (req) => t.campaigns.get(req.actor, req.params.id),
  );

  app.post(
    '/api/testing/campaigns/:id/activate',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'testing_campaign', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description:
          'Activates a planned campaign: stores the target population per jurisdiction node (persons minus exemptions). Tubes can then be opened. A city-wide scope takes a while; the server keeps serving meanwhile, and a second activation of the same campaign is refused (409).',
        params: s.idParams,
        response: { 200: s.campaign },
      },
      // Not in one request transaction: the node rows go in short transactions (see campaigns.activate).
    },
    async (req) => t.campaigns.activate(undefined, req.actor, req.params.id),
  );

  app.post(
    '/api/testing/campaigns/:id/close',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'testing_campaign', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Closes an active campaign: no more tubes or scans; results still arrive.',
        params: s.idParams,
        response: { 200: s.campaign },
      },
    },
    async (req) => req.tx((trx) => t.campaigns.close(trx, req.actor, req.params.id)),
  );

  app.post(
    '/api/testing/campaigns/:id/exemptions',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'testing_campaign', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: "Exempts persons with a reason (tested on their own schedule); an active campaign's targets move at once.",
        params: s.idParams,
        body: s.exemptBody,
        response: { 200: s.exemptResult },
      },
    },
    async (req) => req.tx((trx) => t.campaigns.exempt(trx, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/api/testing/campaigns/:id/exemptions',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Persons exempted by hand, with the reasons.',
        params: s.idParams,
        querystring: s.campaignListQuery.pick({ limit: true, offset: true }),
        response: { 200: s.exemptionList },
      },
    },
    async (req) => t.campaigns.listExemptions(req.actor, req.params.id, req.query),
  );

  app.get(
    '/api/testing/campaigns/:id/coverage',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description:
          "Coverage at a node (default: your scope or the campaign's top) and its children: target, sampled, resulted, negative, positive tubes, pending recheck, rate and estimated finish. From counters, never a scan of persons.",
        params: s.idParams,
        querystring: s.coverageQuery,
        response: { 200: s.coverage },
      },
    },
    async (req) => t.coverage.get(req.actor, req.params.id, req.query.jurisdictionId),
  );

  app.get(
    '/api/testing/campaigns/:id/coverage/geojson',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Compounds (or another level) with geometry and coverage, for the map. Live changes arrive as SSE `testing.coverage` events (at most one per campaign per second).',
        params: s.idParams,
        querystring: s.coverageGeojsonQuery,
        response: { 200: s.coverageFeatureCollection },
      },
    },
    async (req) => t.coverage.geojson(req.actor, req.params.id, req.query),
  );

  app.get(
    '/api/testing/campaigns/:id/buildings/:buildingId/unsampled',
    {
      config: { policy: { capability: 'testing.read', scope: { entity: 'jurisdiction', from: 'params', key: 'buildingId' } } },
      schema: {
        tags,
        description: 'Door-knocking (敲门行动): persons of a building not yet sampled in the campaign.',
        params: s.campaignBuildingParams,
        response: { 200: s.unsampledList },
      },
    },
    async (req) => t.coverage.unsampled(req.actor, req.params.id, req.params.buildingId),
  );

  app.post(
    '/api/testing/campaigns/:id/home-sampling',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'jurisdiction', from: 'body', key: 'jurisdictionId' } } },
      schema: {
        tags,
        description: "Home sampling (上门采样): one task per vulnerable person not yet sampled, to their community's unit (never twice per campaign).",
        params: s.idParams,
        body: s.homeSamplingBody,
        response: { 200: s.homeSamplingResult },
      },
    },
    async (req) => req.tx((trx) => t.coverage.homeSampling(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/testing/campaigns/:id/household-tubes',
    {
      config: { policy: { capability: 'testing.sample', scope: { entity: 'household', from: 'body', key: 'householdId' } } },
      schema: {
        tags,
        description:
          "Door-to-door sampling (上门采样), one tube per household (1户1管): the tube takes exactly the household's members, scanned at the door (422 otherwise). Only where the campaign's pool mode is household (sealed areas).",
        params: s.idParams,
        body: s.householdTubeBody,
        response: { 200: s.householdTubeResult },
      },
    },
    async (req) => {
      const prepared = await t.doorToDoor.prepare(req.actor, req.params.id, req.body);
      return req.tx((trx) => t.doorToDoor.apply(trx, req.actor, req.params.id, prepared));
    },
  );

  app.get(
    '/api/testing/campaigns/:id/supplies',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Tubes and swabs the campaign needs: target ÷ pool size × (1 + margin), and recheck tubes at a prevalence.',
        params: s.idParams,
        querystring: s.suppliesQuery,
        response: { 200: s.supplies },
      },
    },
    async (req) => t.coverage.supplies(req.actor, req.params.id, req.query),
  );

  app.get(
    '/api/testing/campaigns/:id/flags',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Flags to review (kept and counted once): person sampled twice, conflicting results, tube reused across campaigns, tube over its pool size.',
        params: s.idParams,
        querystring: s.flagListQuery,
        response: { 200: s.flagList },
      },
    },
    async (req) => t.flags.list(req.actor, req.params.id, req.query),
  );

  app.post(
    '/api/testing/flags/:id/review',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'testing_flag', from: 'params', key: 'id' } } },
      schema: { tags, description: 'Marks a flag reviewed with a note.', params: s.idParams, body: s.reviewBody, response: { 200: s.flag } },
    },
    async (req) => req.tx((trx) => t.flags.review(trx, req.actor, req.params.id, req.body.note)),
  );

  // ---------------------------------------------------------------------------------------------
  // Sites

  app.post(
    '/api/testing/sites',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'jurisdiction', from: 'body', key: 'jurisdictionId' } } },
      schema: {
        tags,
        description: 'Adds a sampling site (采样点): kind, location, lanes, hours, staff, served compounds.',
        body: s.createSiteBody,
        response: { 201: s.site },
      },
    },
    async (req, reply) => reply.code(201).send(await req.tx((trx) => t.sites.create(trx, req.actor, req.body), 201)),
  );

  app.get(
    '/api/testing/sites',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: { tags, description: 'Sites in your scope (or under a jurisdiction).', querystring: s.siteListQuery, response: { 200: s.siteList } },
    },
    async (req) => t.sites.list(req.actor, req.query),
  );

  app.get(
    '/api/testing/sites/not-ready',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Active sites not checked ready for the season (春能躲雨、夏能避暑、秋能防风、冬能保暖; default: the current season).',
        querystring: s.notReadyQuery,
        response: { 200: s.notReadyList },
      },
    },
    async (req) => t.sites.notReady(req.actor, req.query),
  );

  app.get(
    '/api/testing/sites/uncovered-compounds',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'The 15-minute circle: compounds with no active site within the distance (default 1.2 km, straight line).',
        querystring: s.uncoveredQuery,
        response: { 200: s.uncoveredList },
      },
    },
    async (req) => t.sites.uncoveredCompounds(req.actor, req.query),
  );

  app.get(
    '/api/testing/sites/:id',
    {
      config: { policy: { capability: 'testing.read', scope: { entity: 'testing_site', from: 'params', key: 'id' } } },
      schema: { tags, description: 'One site with its readiness checklist.', params: s.idParams, response: { 200: s.site } },
    },
    async (req) => t.sites.get(req.actor, req.params.id),
  );

  app.patch(
    '/api/testing/sites/:id',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'testing_site', from: 'params', key: 'id' } } },
      schema: { tags, description: 'Changes a site (active=false closes it).', params: s.idParams, body: s.updateSiteBody, response: { 200: s.site } },
    },
    async (req) => req.tx((trx) => t.sites.update(trx, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/api/testing/sites/:id/readiness',
    {
      config: { policy: { capability: 'testing.manage', scope: { entity: 'testing_site', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Records one aspect of the four-season checklist (who and when are kept).',
        params: s.idParams,
        body: s.readinessBody,
        response: { 200: s.site },
      },
    },
    async (req) => req.tx((trx) => t.sites.checkReadiness(trx, req.actor, req.params.id, req.body)),
  );

  // ---------------------------------------------------------------------------------------------
  // Tubes and scans

  app.post(
    '/api/testing/tubes',
    {
      config: { policy: { capability: 'testing.sample', scope: { entity: 'testing_site', from: 'body', key: 'siteId' } } },
      schema: {
        tags,
        description: 'Opens a tube at a site (barcode 8–20 A–Z/0–9). A resent clientId answers duplicate.',
        body: s.openTubeBody,
        response: { 200: s.batchItemResult },
      },
    },
    async (req) => t.sampling.openTube(req.actor, req.body),
  );

  app.get(
    '/api/testing/tubes',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Tubes in your scope, newest first (filter by campaign, status, barcode).',
        querystring: s.tubeListQuery,
        response: { 200: s.tubeList },
      },
    },
    async (req) => t.tubes.list(req.actor, req.query),
  );

  app.get(
    '/api/testing/tubes/:id',
    {
      config: { policy: { capability: 'testing.read', scope: { entity: 'testing_tube', from: 'params', key: 'id' } } },
      schema: { tags, description: 'One tube with its count and last masked names.', params: s.idParams, response: { 200: s.tube } },
    },
    async (req) => t.tubes.get(req.actor, req.params.id),
  );

  app.get(
    '/api/testing/tubes/:id/trace',
    {
      config: { policy: { capability: 'testing.read', scope: { entity: 'testing_tube', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Where a tube leads: persons (masked), buildings, compounds, site, sampler, times, results, rechecks.',
        params: s.idParams,
        response: { 200: s.trace },
      },
    },
    async (req) => t.tubes.trace(req.actor, req.params.id),
  );

  app.post(
    '/api/testing/tubes/:id/close',
    {
      config: { policy: { capability: 'testing.sample', scope: { entity: 'testing_tube', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Closes a tube on demand. Closing a closed tube is refused (409 TUBE_ALREADY_CLOSED) unless the clientId was already applied.',
        params: s.idParams,
        body: s.closeTubeBody,
        response: { 200: s.batchItemResult },
      },
    },
    async (req) => t.sampling.closeTube(req.actor, req.params.id, req.body?.clientId),
  );

  app.post(
    '/api/testing/scans',
    {
      config: { policy: { capability: 'testing.sample', scope: { entity: 'testing_tube', from: 'body', key: 'tubeId' } } },
      schema: {
        tags,
        description:
          'Adds one person to a tube by resident code or ID number. Idempotent by clientId; answers the count and last masked names. Errors: unknown person, person outside the campaign, tube closed.',
        body: s.scanBody,
        response: { 200: s.scanResult },
      },
    },
    async (req) => t.sampling.scan(req.actor, req.body),
  );

  app.post(
    '/api/testing/scans/batch',
    {
      config: { policy: { capability: 'testing.sample', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Scanner devices and offline queues: up to 2,000 open/scan/close operations applied in order in one transaction, each answered applied, duplicate (its clientId was applied before) or rejected with its reason.',
        body: s.batchBody,
        response: { 200: s.batchResult },
      },
    },
    async (req) => {
      const prepared = await t.sampling.prepareBatch(req.actor, req.body.items);
      return req.tx((trx) => t.sampling.applyBatch(trx, prepared));
    },
  );

  // ---------------------------------------------------------------------------------------------
  // Lab

  app.get(
    '/api/testing/lab/worklist',
    {
      config: { policy: { capability: 'testing.lab', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'The lab worklist: tubes at the lab past the turnaround target (longest first), inside it (nearest due first) and closed but not yet received (oldest first), with the turnaround of the last 24 h.',
        querystring: s.labWorklistQuery,
        response: { 200: s.labWorklist },
      },
    },
    async (req) => t.labWorklist.worklist(req.actor, req.query),
  );

  app.post(
    '/api/testing/lab/receive',
    {
      config: { policy: { capability: 'testing.lab', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Receives tubes by transport box (an open tube is closed by its receipt).',
        body: s.receiveBody,
        response: { 200: s.receiveResult },
      },
    },
    async (req) => req.tx((trx) => t.lab.receive(trx, req.actor, req.body)),
  );

  app.post(
    '/api/testing/lab/results',
    {
      config: { policy: { capability: 'testing.lab', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Records one result. Errors: unknown tube, not yet received, Ct out of range. A positive or suspicious pool starts its rechecks in the same transaction.',
        body: s.resultBody,
        response: { 200: s.resultOutcome },
      },
    },
    async (req) => req.tx((trx) => t.lab.recordOne(trx, req.actor, req.body)),
  );

  app.post(
    '/api/testing/lab/results/import',
    {
      config: { policy: { capability: 'testing.lab', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Imports results from CSV (barcode, result, ct_orf1ab, ct_n, time, lab; Chinese headers too) as text/csv or {csv}. All or nothing with a row report unless mode=partial.',
        querystring: s.importQuery,
        body: s.importBody,
        response: { 200: s.importResult },
      },
    },
    async (req) => {
      const csv = typeof req.body === 'string' ? req.body : req.body.csv;
      const mode = (typeof req.body === 'string' ? undefined : req.body.mode) ?? req.query.mode ?? 'all';
      return req.tx((trx) => t.lab.importCsv(trx, req.actor, csv, mode));
    },
  );

  app.post(
    '/api/testing/tubes/:id/result/correction',
    {
      config: { policy: { capability: 'testing.lab', scope: { entity: 'testing_tube', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: "Corrects a tube's result with a reason: journaled, the original kept; counters and rechecks follow.",
        params: s.idParams,
        body: s.correctionBody,
        response: { 200: s.correctionResult },
      },
    },
    async (req) => req.tx((trx) => t.lab.correct(trx, req.actor, req.params.id, req.body)),
  );

  // ---------------------------------------------------------------------------------------------
  // Rechecks

  app.get(
    '/api/testing/rechecks',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description: 'Single-tube rechecks in your scope (handover=pending: positives waiting for the cases module).',
        querystring: s.recheckListQuery,
        response: { 200: s.recheckList },
      },
    },
    async (req) => t.rechecks.list(req.actor, req.query),
  );

  app.get(
    '/api/testing/rechecks/:id',
    {
      config: { policy: { capability: 'testing.read', scope: { entity: 'testing_recheck', from: 'params', key: 'id' } } },
      schema: { tags, description: 'One recheck.', params: s.idParams, response: { 200: s.recheck } },
    },
    async (req) => t.rechecks.get(req.actor, req.params.id),
  );

  app.post(
    '/api/testing/rechecks/:id/sample',
    {
      config: { policy: { capability: 'testing.sample', scope: { entity: 'testing_recheck', from: 'params', key: 'id' } } },
      schema: {
        tags,
        description: 'Samples a recheck into its single tube (barcode), optionally confirming the person by code or ID.',
        params: s.idParams,
        body: s.recheckSampleBody,
        response: { 200: s.recheckSampleResult },
      },
    },
    async (req) => req.tx((trx) => t.rechecks.sample(trx, req.actor, req.params.id, req.body)),
  );

  // ---------------------------------------------------------------------------------------------
  // Planning

  app.get(
    '/api/testing/planning/capacity',
    {
      config: { policy: { capability: 'testing.read', scope: 'filtered' } },
      schema: {
        tags,
        description:
          'Capacity planner: hours needed per jurisdiction from persons, sites, lanes and a throughput (default 44 per lane-hour); who is short of the deadline.',
        querystring: s.capacityQuery,
        response: { 200: s.capacityPlan },
      },
    },
    async (req) => t.planning.capacity(req.actor, req.query),
  );

  app.get(
    '/api/testing/planning/pool-size',
    {
      config: { policy: { capability: 'testing.read', scope: 'none' } },
      schema: {
        tags,
        description:
          "Pool-size advisor (Dorfman two-stage): per mode the expected tests, the people held at their doors by positive pools, the sensitivity lost to dilution (as data, with sources) and ranks; in a risk area the regional guide's rule decides.",
        querystring: s.poolSizeQuery,
        response: { 200: s.poolAdvice },
      },
    },
    async (req) => t.planning.poolSize(req.query),
  );

  // ---------------------------------------------------------------------------------------------
  // The residents' lookup (public)

  app.post(
    '/api/public/results/lookup',
    {
      // A resident's results are personal data: never stored as an idempotent replay.
      config: { policy: { public: true }, idempotency: false },
      // The per-route concurrency cap answers before the body is read or validated.
      onRequest: async (req, reply) => {
        const gate = t.lookup.gate();
        if (!gate.tryEnter()) return shed(req, reply, gate, { code: 'LOOKUP_BUSY', message: 'The result lookup is busy; retry shortly', retryAfterS: 1 });
        leaveOnClose(gate, reply);
      },
      schema: {
        tags: ['public'],
        description:
          'Residents: the status of your latest samples by ID number and name (sampled, in lab, negative, or "please stay home: recheck needed"). Rate-limited per client and per ID; 503 + Retry-After when busy.',
        body: s.lookupBody,
        response: { 200: s.lookupResult, 429: s.errorResponse, 503: s.errorResponse },
      },
    },
    async (req) => t.lookup.lookup(req.ip, req.body),
  );
};

export default testingRoutes;
