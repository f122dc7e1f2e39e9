import type { AreaDetailDto, AreaDto, AreaStatus, RiskLevel } from '../../../common/zoning.js';
import type { Deps } from '../../deps.js';
import type { Services } from '../../services.types.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { scopePrefix, type Actor } from '../../platform/actor.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { HOUR } from '../../platform/clock.js';
import * as repo from './zoning.repository.js';
import * as situation from './zoning.situation.js';
import { createAreaRecorder } from './area-events.service.js';
import { createAreaReader } from './areas.service.js';
import { createDetectorService } from './detector.service.js';
import { createLifecycleService } from './lifecycle.service.js';
import { createLiftingService } from './lifting.service.js';
import { createMapService } from './map.service.js';
import { createProposalService } from './proposals.service.js';
import { createPublicListService } from './public-list.service.js';
import { SYS, ZONING_EVALUATE_JOB, narrowTo, requireCap, visibleArea, type ZoningInputs } from './zoning.shared.js';
import type { ZoningPort } from './zoning.port.js';
import type { ZoningService } from './zoning.types.js';

/** The narrow inputs of the zoning sub-services, taken from the container once. */
export function zoningInputs(deps: Deps): ZoningInputs {
  const s = deps.services;
  return {
    db: deps.db,
    clock: deps.clock,
    wallClock: deps.wallClock,
    tz: deps.config.tz,
    log: deps.log,
    journal: s.journal,
    outbox: s.outbox,
    control: s.control,
    geo: s.geo,
    population: s.population,
    cases: s.cases,
    tasks: s.tasks,
    units: s.auth.units,
    testing: s.testing,
  };
}

/**
 * Risk areas (风险区). Proposals from cases' residences and places at the preset's granularity;
 * review, adjust, publish (the residents take the measures through the control service, basis
 * `risk_area`), the lifting schedule with tasks and alerts, the 一刀切 detector, the map and the
 * public list. Created after cases (it reads the presets, cases and contacts through that service);
 * its registrations with control, the policy and the jobs are made by `registerZoning`.
 *
 * A facade over sub-services, each built from the narrow inputs it needs:
 *   reader (areas.service: schedule, detector numbers, DTOs) · recorder (area-events.service) ·
 *   proposals · lifecycle (publish, step, justify, extensions) · lifting (the evaluate job, rounds) ·
 *   detector · map · public list.
 */
export function createZoningService(deps: Deps): ZoningService {
  const io = zoningInputs(deps);
  const reader = createAreaReader(io);
  const publicList = createPublicListService(io, reader);
  const recorder = createAreaRecorder(io, publicList.invalidate);
  const proposals = createProposalService(io, reader, recorder);
  const lifecycle = createLifecycleService(io, reader, recorder);
  const lifting = createLiftingService(io, reader, recorder);
  const detector = createDetectorService(io, reader);
  const map = createMapService(io, reader);

  const service = {
    evaluate: lifting.evaluate,
    ratioThreshold: reader.ratioThreshold,
    /** Control's area-measure resolver (registered by `registerZoning`). */
    areaMeasures: lifecycle.areaMeasures,

    /** Areas in scope, newest change first, with schedule and detector flag. */
    async list(
      actor: Actor,
      f: { status?: AreaStatus; level?: RiskLevel; jurisdictionId?: string; limit?: number; offset?: number } = {},
      db: DbOrTx = io.db,
    ): Promise<{ items: AreaDto[]; total: number }> {
      requireCap(actor, 'area.read');
      const prefix = await narrowTo(io.geo, db, actor, f.jurisdictionId, scopePrefix(actor));
      const { rows, total } = await repo.listAreas(db, {
        statuses: f.status ? [f.status] : undefined,
        level: f.level,
        prefix,
        limit: Math.min(f.limit ?? 50, 500),
        offset: f.offset ?? 0,
      });
      return { items: (await reader.compute(db, rows)).map(reader.toDto), total };
    },

    async get(actor: Actor, id: string, db: DbOrTx = io.db): Promise<AreaDetailDto> {
      requireCap(actor, 'area.read');
      return reader.detail(db, await visibleArea(db, actor, id));
    },

    generateProposals: proposals.generateProposals,
    create: proposals.create,
    adjust: proposals.adjust,
    reject: proposals.reject,

    publish: lifecycle.publish,
    step: lifecycle.step,
    justify: lifecycle.justify,
    decideExtension: lifecycle.decideExtension,
    areaLevelsUnder: lifecycle.areaLevelsUnder,

    detector: detector.detector,
    settings: detector.settings,
    setSettings: detector.setSettings,
    detectorXlsx: detector.detectorXlsx,

    map: map.map,

    publicList: publicList.publicList,
    publicJson: publicList.publicJson,
    tryEnterPublic: publicList.tryEnterPublic,
    leavePublic: publicList.leavePublic,

    /** For the demo seeder and scripts: proposals from the evidence, each published at once (as `actor`). */
    async proposeAndPublish(trx: Tx | undefined, actor: Actor, note = '演示 demo'): Promise<AreaDetailDto[]> {
      return inTx(trx ?? io.db, async (tx) => {
        const { created } = await proposals.generateProposals(tx, actor);
        const out: AreaDetailDto[] = [];
        for (const a of created) out.push(await lifecycle.publish(tx, actor, a.id, { note, justification: note }));
        return out;
      });
    },

    /** For the situation home page: areas published and lifted in a window, and published areas by level now (`prefix` null = city). */
    situation: {
      eventCounts: (prefix: string | null, from: number, to: number, db: DbOrTx = io.db) => situation.areaEventCounts(db, prefix, from, to),
      current: (prefix: string | null, db: DbOrTx = io.db) => situation.currentAreas(db, prefix),
    },
  };
  return service satisfies ZoningPort;
}

/**
 * The registrations zoning makes with other parts of the platform, made once by the composition
 * (services.ts) right after the service is created: `risk_area` as a control basis, the
 * area-measure resolver, the `zoning_area` entity scope and the hourly evaluate job.
 */
export function registerZoning(services: Pick<Services, 'control' | 'jobs'>, zoning: Pick<ZoningService, 'areaMeasures' | 'evaluate'>): void {
  services.control.registerBasisValidator('risk_area', async (db, id) => (await repo.areaPath(db, id)) !== undefined);
  // A person measure that ends inside a standing area returns the resident to the area's measure.
  services.control.registerAreaMeasureResolver((db, personIds) => zoning.areaMeasures(db, personIds));
  registerEntityScope('zoning_area', async (db, id) => {
    const p = await repo.areaPath(db, id);
    return p ? [p] : undefined;
  });
  services.jobs.registerRecurring(ZONING_EVALUATE_JOB, HOUR, async (trx, _p, ctx) => {
    await zoning.evaluate(trx, ctx.actor ?? SYS, ctx.now);
  });
}
