import type { Deps } from '../../deps.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { MINUTE } from '../../platform/clock.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import * as repo from './quarantine.repository.js';
import * as situation from './quarantine.situation.js';
import { createQuarantineFacilities } from './quarantine-facilities.service.js';
import { createQuarantineRelease } from './quarantine-release.service.js';
import { createQuarantinePhases, OVERDUE_CHECK_JOB, PHASE_END_JOB } from './quarantine-phases.service.js';
import { createQuarantineStays } from './quarantine-stays.service.js';
import type { QuarantineInputs } from './quarantine.shared.js';
import type { QuarantinePort } from './quarantine.port.js';
import type { StayPhase } from '../../../common/quarantine.js';
import type { QuarantineService } from './quarantine.types.js';

// The module's published helpers and types, as before the split (other modules: import ./index.js).
export * from './index.js';
export type { QuarantineInputs } from './quarantine.shared.js';

/**
 * The entity scopes of this module's records: stays are visible by the person's path and by the
 * facility's; facilities by their location. Registered by the facade (not at file load).
 */
export function registerQuarantineScopes(register: typeof registerEntityScope = registerEntityScope): void {
  register('quarantine_facility', async (db, id) => {
    const r = await repo.findFacility(db, id);
    return r ? [r.jurisdiction_path] : undefined;
  });
  register('quarantine_stay', async (db, id) => {
    const r = await repo.findStay(db, id);
    return r ? [r.person_path, ...(r.facility_path ? [r.facility_path] : [])] : undefined;
  });
  register('quarantine_release_request', async (db, id) => {
    const r = await repo.findReleaseRequest(db, id);
    return r ? [r.person_path, ...(r.facility_path ? [r.facility_path] : [])] : undefined;
  });
}

/** The narrow inputs the quarantine sub-services take, wired from the container (lazily: a module created later is looked up at call time). */
export function quarantineInputs(deps: Deps): QuarantineInputs {
  const s = deps.services;
  return {
    db: deps.db,
    clock: deps.clock,
    tz: deps.config.tz,
    journal: s.journal,
    outbox: s.outbox,
    tasks: s.tasks,
    jobs: s.jobs,
    control: { applyAutomatic: (...a) => s.control.applyAutomatic(...a), statusesOf: (...a) => s.control.statusesOf(...a) },
    personPaths: (ids, db) => s.population.pathsOf(ids, db),
    personBriefs: (actor, ids, db) => s.population.briefs(actor, ids, db),
    jurisdiction: (id, db) => s.geo.getById(id, db),
    placesByPath: (paths, db) => s.geo.getManyByPath(paths, db),
    unitRef: (id, db) => s.auth.units.getRef(id, db),
    nearestUnit: (path, db) => s.auth.units.nearestTo(path, db),
    activePreset: async (trx) => {
      const p = await s.cases.presets.active(trx);
      return { id: p.id, key: p.key, version: p.label, name: p.name, params: p.params };
    },
    presetParams: async (presetId, db) => (await s.cases.presets.getVersion(presetId, db)).params,
    basisFacts: (db, actor, basis) => s.cases.quarantineBasisFacts(db, actor, basis),
    contactLink: (db, contactId) => s.cases.linkOf(db, contactId),
    basisPlaced: (trx, basis, status, at) => s.cases.contactPlaced(trx, basis, status, at),
    upgradeLinkedSecondaries: (trx, actor, id) => s.cases.upgradeLinkedSecondaries(trx, actor, id),
  };
}

/**
 * Quarantine (隔离): central facilities with rooms and live occupancy, and stays (central or home)
 * computed from the active protocol preset, moved through their phases by jobs, with test days as
 * tasks, release rules, and the overdue-release alert (nobody is held past their end unnoticed).
 *
 * A facade over four sub-services built from narrow inputs (`QuarantineInputs`): facilities and
 * rooms, release (criteria, early release), phases (test results, boundaries, transfer, overdue)
 * and stays (plan, placement, reads). Its registrations (entity scopes, the phase-end job and the
 * overdue check) are made here, in one place.
 */
export function createQuarantineService(deps: Deps): QuarantineService {
  const inputs = quarantineInputs(deps);
  const facilities = createQuarantineFacilities(inputs);
  const release = createQuarantineRelease({ ...inputs, facilities });
  const phases = createQuarantinePhases({ ...inputs, facilities, release });
  const stays = createQuarantineStays({ ...inputs, facilities, phases });

  registerQuarantineScopes();
  deps.services.jobs.registerHandler<{ stayId: string; phase: StayPhase }>(PHASE_END_JOB, async (trx, payload, ctx) => {
    await phases.advance(trx, ctx.actor, payload.stayId, payload.phase);
  });
  deps.services.jobs.registerRecurring(OVERDUE_CHECK_JOB, MINUTE, async (trx, _p, ctx) => {
    const n = await phases.checkOverdue(trx, ctx.actor, ctx.now);
    if (n) ctx.log.info({ n }, 'overdue quarantine alerts sent');
  });

  const service = {
    setPresetSource: stays.setPresetSource,
    activePreset: stays.activePreset,
    plan: stays.plan,

    createFacility: facilities.createFacility,
    updateFacility: facilities.updateFacility,
    getFacility: facilities.getFacility,
    listFacilities: facilities.listFacilities,
    createRooms: facilities.createRooms,
    setRoomStatus: facilities.setRoomStatus,
    occupancyCheck: facilities.occupancyCheck,

    assign: stays.assign,
    getStay: stays.getStay,
    listStays: stays.listStays,
    recordTest: phases.recordTest,
    release: release.release,
    requestEarlyRelease: release.requestEarlyRelease,
    decideEarlyRelease: release.decideEarlyRelease,
    listReleaseRequests: release.listReleaseRequests,
    recordTransfer: phases.recordTransfer,
    setBasisFacts: stays.setBasisFacts,

    /** Runs the overdue-release check now (the recurring job calls it every minute). */
    checkOverdue: (trx: Tx, actor: Actor = systemActor('quarantine')) => phases.checkOverdue(trx, actor, deps.clock.now()),

    /** For the situation home page: active stays past their end, not released (`prefix` null = city). */
    overdueReleases: (prefix: string | null, db: DbOrTx = deps.db) => situation.overdueReleases(db, prefix, deps.clock.now()),
  };
  // The port is what other modules may call; the routes use the whole facade.
  return service satisfies QuarantinePort;
}
