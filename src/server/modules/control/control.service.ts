import type { Deps } from '../../deps.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { createReviewService } from './control-reviews.service.js';
import { createStatusGuard } from './control-guard.service.js';
import { createBulkRequests } from './control-bulk.service.js';
import { createControlCounts } from './control-counts.service.js';
import type { ControlPort } from './control.port.js';
import type { ControlService } from './control.types.js';

// The module's published helpers and types, as before the split (other modules: import ./index.js).
export * from './index.js';
/**
 * The one place that owns a person's control status, and THE STATUS GUARD: every change cites a
 * basis and a reason, follows the transition rules, is journaled in the same transaction, and a
 * manual change affecting more persons than the threshold waits for a second approver.
 * (The guard exists because in 2022 Henan turned 1,317 bank depositors' health codes red with no
 * epidemiological basis.)
 *
 * A facade over three sub-services built from narrow inputs: the status guard
 * (control-guard.service.ts), bulk requests and the two-person rule (control-bulk.service.ts) and
 * the counts (control-counts.service.ts); plus the review records (control-reviews.service.ts).
 * Its one registration, population's merge handler, is made here.
 */
export function createControlService(deps: Deps): ControlService {
  const reviews = createReviewService(deps);
  const pathsOf = (ids: readonly string[], db?: DbOrTx) => deps.services.population.pathsOf(ids, db);
  const guard = createStatusGuard({
    db: deps.db,
    clock: deps.clock,
    journal: deps.services.journal,
    outbox: deps.services.outbox,
    pathsOf,
    reviewCitable: reviews.citable,
  });
  const bulk = createBulkRequests({ db: deps.db, clock: deps.clock, journal: deps.services.journal, outbox: deps.services.outbox, pathsOf, guard });
  const counts = createControlCounts({ db: deps.db, clock: deps.clock, jurisdictionPathOf: async (id, db) => (await deps.services.geo.getById(id, db))?.path });

  // A merged record: pending bulk requests naming it move to the kept record, then its own status
  // is retired (population runs this in the merge's transaction).
  deps.services.population.registerMergeHandler(async (trx: Tx, fromId: string, intoId: string) => {
    await bulk.repointPendingRequests(trx, fromId, intoId);
    await guard.retireMerged(trx, fromId, intoId);
  });

  const service = {
    registerBasisValidator: guard.registerBasisValidator,
    registerAreaMeasureResolver: guard.registerAreaMeasureResolver,
    applyAutomatic: guard.applyAutomatic,
    requestChange: bulk.requestChange,
    approveBulk: bulk.approveBulk,
    rejectBulk: bulk.rejectBulk,
    needsApproval: bulk.needsApproval,
    bulkThreshold: bulk.bulkThreshold,
    setBulkThreshold: bulk.setBulkThreshold,
    getStatus: guard.getStatus,
    statusesOf: guard.statusesOf,
    explain: guard.explain,
    history: guard.history,
    getBulkRequest: bulk.getBulkRequest,
    listBulkRequests: bulk.listBulkRequests,
    summary: counts.summary,
    summaryOf: counts.summaryOf,
    recount: counts.recount,
    relocate: counts.relocate,
    bulkRequestPath: bulk.bulkRequestPath,
    /** Review records (研判记录): the only thing a `manual_review` basis may name (see control-reviews.service.ts). */
    reviews,
  };
  // The port is what other modules may call; the routes use the whole facade.
  return service satisfies ControlPort;
}
