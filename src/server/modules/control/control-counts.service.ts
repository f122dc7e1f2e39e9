import type { ControlSummaryDto } from './control.schemas.js';
import type { Db, DbOrTx, Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { Errors } from '../../platform/errors.js';
import * as repo from './control.repository.js';
import { CAP_READ, CountDeltas, requireCapability, toSummary } from './control.shared.js';

/** What the counts are built from (narrow: no container). */
export interface ControlCountsDeps {
  db: Db;
  clock: Clock;
  /** The path of a jurisdiction node (the geography module's `getById`). */
  jurisdictionPathOf: (id: string, db: DbOrTx) => Promise<string | undefined>;
}

/**
 * Persons per status within a jurisdiction subtree, kept current with each change by the guard's
 * counter deltas (no scan), the recount that checks them, and the move of a person's counts when
 * their address changes.
 */
export function createControlCounts(deps: ControlCountsDeps) {
  /**
   * Persons per status within a jurisdiction subtree, read from the counters kept current with
   * each change (no scan). `path` defaults to the actor's scope; a subtree not inside the actor's
   * scope is a 404 (as the route's `jurisdiction` entity scope answers).
   */
  async function summary(actor: Actor, path?: string | null, db: DbOrTx = deps.db): Promise<ControlSummaryDto> {
    requireCapability(actor, CAP_READ);
    const at = path ?? actor.scopePath;
    if (!inScope(actor, at)) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
    return toSummary(at, await repo.countsAt(db, at));
  }

  return {
    summary,

    /** `summary` for a jurisdiction id (the route's form); an unknown id is a 404. */
    async summaryOf(actor: Actor, jurisdictionId?: string | null, db: DbOrTx = deps.db): Promise<ControlSummaryDto> {
      if (!jurisdictionId) return summary(actor, null, db);
      const path = await deps.jurisdictionPathOf(jurisdictionId, db);
      if (!path) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
      return summary(actor, path, db);
    },

    /** The same numbers recounted from every status row under the path (slow; for checks and repair). */
    async recount(path: string, db: DbOrTx = deps.db): Promise<ControlSummaryDto> {
      return toSummary(path, await repo.recountUnder(db, path));
    },

    /**
     * Moves a person's status row (and its counts) to a new jurisdiction path. The population
     * module calls it in its own transaction when a person's address changes (a merged record's
     * status is retired instead: see `retireMerged`).
     */
    async relocate(trx: Tx, personId: string, newPath: string): Promise<void> {
      const row = await repo.findStatus(trx, personId);
      if (!row || row.jurisdiction_path === newPath) return;
      await repo.updateStatusPath(trx, personId, newPath, deps.clock.now());
      if (row.status === 'none') return;
      const deltas = new CountDeltas();
      deltas.bump(row.jurisdiction_path, row.status, -1);
      deltas.bump(newPath, row.status, +1);
      await repo.applyCountDeltas(trx, deltas.list());
    },
  };
}
