import { LRUCache } from 'lru-cache';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { createCampaignService } from './campaigns.service.js';
import { createCodeVerifier } from './code-verifier.js';
import { COVERAGE_PUBLISH_JOB, createCoverageService } from './coverage.service.js';
import { createKnockExemptionService } from './knock-exemptions.service.js';
import { createLabService } from './lab.service.js';
import { createLabWorklist } from './lab-worklist.service.js';
import { createLookupService } from './lookup.service.js';
import { createPlanningService } from './planning.service.js';
import { RECHECK_OVERDUE_JOB, createRecheckService } from './rechecks.service.js';
import { createSamplingService } from './sampling.service.js';
import { createDoorToDoorService } from './door-to-door.service.js';
import { createSiteService } from './sites.service.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { pathAtDepth } from './testing.rules.js';
import type { TraceDto, TubeDto } from './testing.schemas.js';
import type { TestingPort } from './testing.port.js';
import { CoverageDeltas, flagDto, flagRow, recheckDto, requireCap, resultContribution, resultRecordDto, tubeDto } from './testing.shared.js';
import type { Counter } from './testing.repository.js';
import { newId } from '../../platform/ids.js';
import type { TestingService } from './testing.types.js';

/** Tube lists count this many tubes at most (past it they say "10,000+"). */
export const TUBE_COUNT_CAP = 10_000;

/**
 * Mass testing (核酸检测): campaigns, sampling sites, tubes and scans, the lab, rechecks, live
 * coverage, planning and the residents' result lookup. Created after the control service: a tube
 * and a recheck tube are bases the status guard checks (`tube`, `recheck`).
 */
export function createTestingService(deps: Deps): TestingService {
  const lookup = createLookupService(deps);
  const campaigns = createCampaignService(deps);
  const sites = createSiteService(deps);
  const verifier = createCodeVerifier(deps.services.population);
  const rechecks = createRecheckService(deps, verifier);
  const sampling = createSamplingService(deps, campaigns, verifier, { invalidateLookup: lookup.invalidate });
  const lab = createLabService(deps, rechecks, {
    resultChanged: lookup.resultChanged,
    coverageChanged: (tx, campaignId) => sampling.scheduleCoveragePublish(tx, campaignId, deps.clock.now()),
  });
  const coverage = createCoverageService(deps, campaigns);
  const planning = createPlanningService(deps, campaigns, sites);
  const doorToDoor = createDoorToDoorService(deps, campaigns, sampling);
  const knockExemptions = createKnockExemptionService(deps, campaigns);
  const labWorklist = createLabWorklist(deps);

  deps.services.control.registerBasisValidator('tube', async (db, id) => (await repo.findTube(db, id))?.kind === 'pool');
  deps.services.control.registerBasisValidator('recheck', async (db, id) => (await repo.findTube(db, id))?.kind === 'recheck');

  const pathResolver = (find: (db: DbOrTx, id: string) => Promise<string | undefined>) => async (db: DbOrTx, id: string) => {
    const p = await find(db, id);
    return p ? [p] : undefined;
  };
  registerEntityScope('testing_campaign', pathResolver(repo.campaignScopePath));
  registerEntityScope('testing_site', pathResolver(repo.sitePath));
  // A tube's jurisdiction is fixed when it is opened (its site's), so every scan's scope check
  // need not read it again: remembered per database handle, bounded.
  const tubePaths = new WeakMap<object, LRUCache<string, string>>();
  registerEntityScope('testing_tube', async (db, id) => {
    let known = tubePaths.get(db);
    if (!known) tubePaths.set(db, (known = new LRUCache({ max: 100_000 })));
    const hit = known.get(id);
    if (hit) return [hit];
    const p = await repo.tubePath(db, id);
    if (!p) return undefined;
    known.set(id, p);
    return [p];
  });
  registerEntityScope('testing_recheck', pathResolver(repo.recheckPath));
  registerEntityScope('testing_flag', pathResolver(repo.flagPath));

  deps.services.jobs.registerHandler<{ campaignId: string }>(COVERAGE_PUBLISH_JOB, async (trx, payload, ctx) => {
    await coverage.publish(trx, payload, ctx);
  });
  deps.services.jobs.registerHandler<{ parentTubeId: string }>(RECHECK_OVERDUE_JOB, async (trx, payload, ctx) => {
    await rechecks.escalateOverdue(trx, payload, ctx);
  });

  // A merged person record's samples, rechecks and exemptions move to the kept record; where both
  // were sampled in one campaign, the merged one's scan stops counting (and is flagged for review).
  deps.services.population.registerMergeHandler(async (trx, fromId, intoId) => {
    const clashing = await repo.countedScansClashing(trx, fromId, intoId);
    if (clashing.length) {
      const now = deps.clock.now();
      await repo.setScansCounted(
        trx,
        clashing.map((x) => x.id),
        0,
      );
      const byCampaign = new Map<string, CoverageDeltas>();
      for (const x of clashing) {
        const d = byCampaign.get(x.campaign_id) ?? new CoverageDeltas();
        byCampaign.set(x.campaign_id, d);
        d.add(x.jurisdiction_path, 'sampled', -1);
        for (const [k, v] of Object.entries(resultContribution(x.tube_result))) d.add(x.jurisdiction_path, k as Counter, -v);
        await repo.upsertFlag(
          trx,
          flagRow({
            id: newId(now),
            campaignId: x.campaign_id,
            kind: 'person_sampled_twice',
            subjectKey: intoId,
            personId: intoId,
            tubeId: x.tube_id,
            path: x.jurisdiction_path,
            detail: { mergedFrom: fromId, scanId: x.id },
            now,
          }),
        );
      }
      for (const [campaignId, d] of byCampaign) await repo.applyCoverageDeltas(trx, campaignId, d.byPath, now);
    }
    await repo.redirectPerson(trx, fromId, intoId);
    await lookup.resultChanged(trx, [fromId, intoId]);
  });

  async function visibleTube(db: DbOrTx, actor: Actor, id: string): Promise<repo.TubeRow> {
    const t = await repo.findTube(db, id);
    if (!t || !inScope(actor, t.jurisdiction_path)) throw TestingErrors.TUBE_NOT_FOUND({ tubeId: id });
    return t;
  }

  const tubes = {
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<TubeDto> {
      const t = await visibleTube(db, actor, id);
      return tubeDto(t, await sampling.lastNames(t.id, db));
    },

    /** Tubes newest first; `total` counts at most `countCap` of them (`totalCapped` when there are more). */
    async list(
      actor: Actor,
      f: { campaignId?: string; status?: string; barcode?: string; limit?: number; offset?: number },
      db: DbOrTx = deps.db,
      countCap = TUBE_COUNT_CAP,
    ) {
      const { rows, total, capped } = await repo.listTubes(db, {
        ...f,
        barcode: f.barcode?.trim().toUpperCase(),
        prefix: scopePrefix(actor),
        limit: f.limit ?? 50,
        offset: f.offset ?? 0,
        countCap,
      });
      return { items: rows.map((r) => tubeDto(r)), total, totalCapped: capped };
    },

    /**
     * Where a tube leads: its persons (masked) with their buildings, compounds and communities, the
     * site, the sampler and the times, its results and its rechecks. Indexed reads only.
     */
    async trace(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<TraceDto> {
      const t = await visibleTube(db, actor, id);
      const [c, site, scans, results, parent] = await Promise.all([
        repo.findCampaign(db, t.campaign_id),
        t.site_id ? repo.findSite(db, t.site_id) : undefined,
        repo.scansOfTube(db, t.id),
        repo.resultsOfTube(db, t.id),
        t.parent_tube_id ? repo.findTube(db, t.parent_tube_id) : undefined,
      ]);
      const recheckRows =
        t.kind === 'pool' ? await repo.rechecksOfParent(db, t.id) : [await repo.findRecheckByTube(db, t.id)].filter((r): r is repo.RecheckRow => !!r);
      const wanted = new Set<string>();
      for (const s of scans)
        for (const d of [4, 5, 6]) {
          const p = pathAtDepth(s.jurisdiction_path, d);
          if (p) wanted.add(p);
        }
      const nodes = new Map((await deps.services.geo.getManyByPath([...wanted], db)).map((n) => [n.path, n]));
      const ref = (path: string, depth: number) => {
        const n = nodes.get(pathAtDepth(path, depth) ?? '');
        return n ? { id: n.id, name: n.name, path: n.path } : null;
      };
      const now = deps.clock.now();
      return {
        tube: tubeDto(
          t,
          scans
            .slice(-5)
            .reverse()
            .map((s) => s.name_masked),
        ),
        campaign: { id: c!.id, name: c!.name },
        site: site
          ? {
              id: site.id,
              name: site.name,
              kind: site.kind,
              location: [Number(site.lng), Number(site.lat)] as [number, number],
              jurisdictionPath: site.jurisdiction_path,
            }
          : null,
        sampler: t.opened_by_name ? { id: t.opened_by, name: t.opened_by_name } : null,
        parent: parent ? { id: parent.id, barcode: parent.barcode, result: (parent.result as TraceDto['tube']['result']) ?? null } : null,
        persons: scans.map((s) => ({
          personId: s.person_id,
          nameMasked: s.name_masked,
          scannedAt: Number(s.scanned_at),
          counted: Number(s.counted) === 1 || Number(s.recheck) === 1,
          sampler: { id: s.sampler_id, name: s.sampler_name },
          building: ref(s.jurisdiction_path, 6),
          compound: ref(s.jurisdiction_path, 5),
          community: ref(s.jurisdiction_path, 4),
        })),
        results: results.map(resultRecordDto),
        rechecks: recheckRows.map((r) => recheckDto(r, now)),
      };
    },
  };

  const flags = {
    /** Flags of a campaign in the actor's scope (newest first), with counts per kind in the same scope. */
    async list(actor: Actor, campaignId: string, f: { kind?: string; reviewed?: boolean; limit?: number; offset?: number }, db: DbOrTx = deps.db) {
      const c = await campaigns.visible(db, actor, campaignId);
      const { rows, total } = await repo.listFlags(db, {
        campaignId: c.id,
        kind: f.kind,
        reviewed: f.reviewed,
        prefix: scopePrefix(actor),
        limit: f.limit ?? 50,
        offset: f.offset ?? 0,
      });
      const counts = (await repo.flagCounts(db, c.id, scopePrefix(actor))).map((x) => ({ kind: x.kind as never, total: x.n, open: x.open }));
      return { items: rows.map(flagDto), total, counts };
    },

    /** Marks a flag reviewed with a note (journaled). */
    async review(trx: Tx | undefined, actor: Actor, id: string, note: string) {
      requireCap(actor, 'testing.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const f = await repo.findFlag(tx, id);
        if (!f || !inScope(actor, f.jurisdiction_path)) throw TestingErrors.FLAG_NOT_FOUND({ id });
        const now = deps.clock.now();
        if (!(await repo.reviewFlag(tx, f.id, { reviewed_at: now, reviewed_by: actor.userId, reviewed_by_name: actor.name, review_note: note.trim() })))
          throw TestingErrors.FLAG_ALREADY_REVIEWED({ id });
        await deps.services.journal.append(tx, actor, {
          action: 'testing.flag.review',
          entityType: 'testing_flag',
          entityId: f.id,
          jurisdictionPath: f.jurisdiction_path,
          payload: { kind: f.kind, subjectKey: f.subject_key },
          reason: note.trim(),
        });
        return flagDto((await repo.findFlag(tx, f.id))!);
      });
    },
  };

  const service = { campaigns, sites, sampling, lab, labWorklist, rechecks, coverage, planning, lookup, tubes, flags, doorToDoor, knockExemptions };
  return service satisfies TestingPort;
}
