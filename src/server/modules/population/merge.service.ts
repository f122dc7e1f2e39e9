import type { PopulationInputs } from './population.types.js';
import { flag } from '../../db/row-values.js';
import { inTx, type Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { requireReason } from '../../platform/reason.js';
import { newId } from '../../platform/ids.js';
import { STRICTNESS } from '../control/index.js';
import { PopulationErrors } from './population.errors.js';
import { PERSON_CAPS, type PopulationBase } from './population.shared.js';
import * as repo from './population.repository.js';
import type { MergeRow, PersonRow } from './population.repository.js';
import type { MergeDto, MergeHandler, PersonDetail } from './population.types.js';

/**
 * Person merges: a record merged into another (manually, or when a resident absorbs a
 * non-resident with the same document), with every module's registered merge handler.
 */
export function createMergeService(deps: PopulationInputs<'db' | 'clock', 'control' | 'journal' | 'outbox' | 'tasks'>, base: PopulationBase) {
  const { geo, toDtoOf, mergeDto, requireCap, visiblePerson } = base;
  const mergeHandlers: MergeHandler[] = [];

  /**
   * Merges `from` into `into` in the caller's transaction. Both records stay: `from` is marked
   * merged (left out of lists and counts), everything merged into it before follows, every module's
   * registered handler redirects its references, and control statuses are combined: when `from` is
   * under the stricter measure, `into` is put under it through the status guard, citing the same
   * basis (an automatic change). Journaled as `population.person.merge`.
   */
  async function mergeRows(
    tx: Tx,
    actor: Actor,
    from: PersonRow,
    into: Pick<PersonRow, 'id' | 'jurisdiction_path' | 'resident' | 'merged_into'>,
    method: 'manual' | 'document',
    reason: string,
  ): Promise<MergeDto> {
    if (from.id === into.id) throw PopulationErrors.PERSON_MERGE_SAME();
    if (from.merged_into || into.merged_into) throw PopulationErrors.PERSON_MERGE_ALREADY_MERGED();
    if (flag(from.resident) && Number(into.resident) === 0) throw PopulationErrors.PERSON_MERGE_DIRECTION();
    const now = deps.clock.now();
    await repo.markMerged(tx, from.id, into.id, now);
    await geo().addPopulation(tx, from.jurisdiction_path, -1);

    const control = deps.services.control;
    const st = await control.statusesOf([from.id, into.id], tx);
    const a = st.get(from.id)!;
    const b = st.get(into.id)!;
    const combined: Record<string, unknown> = { from: a.status, into: b.status, kept: b.status };
    if (a.basis && STRICTNESS[a.status] > STRICTNESS[b.status]) {
      const r = await control.applyAutomatic(tx, actor, {
        personIds: [into.id],
        to: a.status,
        basis: a.basis,
        reason: a.reason
          ? `合并记录，沿用被合并记录的管控依据：${a.reason} · Merged record's measure kept: ${a.reason}`
          : "合并记录，沿用被合并记录的管控依据 · Merged record's measure kept",
        endsAt: a.endsAt !== null && a.endsAt > now ? a.endsAt : null,
        presetVersion: a.presetVersion,
        ifNotAllowed: 'skip',
      });
      if (r.applied) combined.kept = a.status;
    }
    for (const h of mergeHandlers) await h(tx, from.id, into.id);
    // A hand-over between these two records (issue 14) is settled by the merge: its task closes itself.
    for (const h of await repo.handoversBetween(tx, from.id, into.id))
      await deps.services.tasks.closeForWork(tx, actor, { taskIds: [h.task_id] }, { kind: 'handover_merged', id: h.id });
    const details = { control: combined, handlers: mergeHandlers.length };
    const entry = await deps.services.journal.append(tx, actor, {
      action: 'population.person.merge',
      entityType: 'person',
      entityId: from.id,
      jurisdictionPath: into.jurisdiction_path,
      payload: { fromPersonId: from.id, intoPersonId: into.id, method, ...details },
      reason,
    });
    const row: MergeRow = {
      id: newId(now),
      from_person_id: from.id,
      into_person_id: into.id,
      method,
      reason,
      details: JSON.stringify(details),
      from_path: from.jurisdiction_path,
      jurisdiction_path: into.jurisdiction_path,
      actor_id: actor.userId,
      actor_name: actor.name,
      at: now,
      journal_seq: entry.seq,
    };
    await repo.insertMerge(tx, row);
    await deps.services.outbox.publish(tx, {
      topic: 'population.changed',
      capability: 'person.read',
      jurisdictionPath: from.jurisdiction_path,
      payload: { jurisdictionPath: from.jurisdiction_path, delta: -1, merged: true },
    });
    return mergeDto(row);
  }

  return {
    mergeRows,

    /**
     * Merges a person record into another (a non-resident matched to a resident, or a duplicate):
     * needs `person.manage`, both inside the actor's scope, and a reason. Both records and their
     * histories stay; the merged one points at the kept one. See `registerMergeHandler`.
     */
    async merge(trx: Tx | undefined, actor: Actor, fromId: string, intoId: string, reason: string): Promise<PersonDetail> {
      requireCap(actor, PERSON_CAPS.manage);
      const why = requireReason(reason);
      return inTx(trx ?? deps.db, async (tx) => {
        // Both ids are scope-checked: the route's policy checks the path id, this the merge target.
        const from = await visiblePerson(tx, actor, fromId);
        const into = await visiblePerson(tx, actor, intoId);
        await mergeRows(tx, actor, from, into, 'manual', why);
        const dto = await toDtoOf(tx, (await repo.findPerson(tx, from.id))!);
        return { ...dto, merges: (await repo.mergesOf(tx, from.id)).map(mergeDto) };
      });
    },

    /**
     * Registers a module's handler that redirects its references from a merged person to the kept
     * one (`async (trx, fromId, intoId) => …`), run inside every merge's transaction. Call once at
     * start. Control statuses are combined by the merge itself (the stricter measure is kept).
     */
    registerMergeHandler(fn: MergeHandler): void {
      mergeHandlers.push(fn);
    },
  };
}

export type MergeService = ReturnType<typeof createMergeService>;
