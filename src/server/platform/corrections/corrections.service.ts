import type { Deps } from '../../deps.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';
import { canonicalJson } from '../canonical.js';
import { defineErrors } from '../errors.js';
import { newId } from '../ids.js';
import type { CorrectionService } from './corrections.types.js';
import type { FieldChange, Correction } from './corrections.types.js';

export const CorrectionErrors = defineErrors({
  CORRECTION_REASON_REQUIRED: [422, 'A correction must state its reason'],
  CORRECTION_NO_CHANGE: [422, 'The correction changes nothing'],
});

/**
 * Records are never edited silently. A module that corrects a record (a lab result, a status, a
 * person) updates its row and calls `record()` in the same transaction: the original values, the new
 * values and the reason are kept, and the correction is journaled.
 */
export function createCorrectionService(deps: Deps): CorrectionService {
  return {
    async record(
      trx: Tx,
      actor: Actor,
      c: {
        entityType: string;
        entityId: string;
        jurisdictionPath: string | null;
        before: Record<string, unknown>;
        after: Record<string, unknown>;
        reason: string;
        action?: string;
      },
    ): Promise<Correction> {
      const reason = c.reason?.trim();
      if (!reason) throw CorrectionErrors.CORRECTION_REASON_REQUIRED({ entityType: c.entityType, entityId: c.entityId });
      const changes: FieldChange[] = Object.keys(c.after)
        .filter((f) => canonicalJson(c.before[f] ?? null) !== canonicalJson(c.after[f] ?? null))
        .map((field) => ({ field, from: c.before[field] ?? null, to: c.after[field] ?? null }));
      if (changes.length === 0) throw CorrectionErrors.CORRECTION_NO_CHANGE({ entityType: c.entityType, entityId: c.entityId });
      const entry = await deps.services.journal.append(trx, actor, {
        action: c.action ?? `${c.entityType}.correct`,
        entityType: c.entityType,
        entityId: c.entityId,
        jurisdictionPath: c.jurisdictionPath,
        payload: { changes },
        reason,
      });
      const row = {
        id: newId(),
        entity_type: c.entityType,
        entity_id: c.entityId,
        field_changes: JSON.stringify(changes),
        reason,
        actor_id: actor.userId,
        at: deps.clock.now(),
        journal_seq: entry.seq,
      };
      await trx.insertInto('corrections').values(row).execute();
      return { id: row.id, entityType: row.entity_type, entityId: row.entity_id, changes, reason, actorId: row.actor_id, at: row.at, journalSeq: entry.seq };
    },

    /** Every correction of a record, oldest first, so the original stays readable. */
    async history(entityType: string, entityId: string, db: DbOrTx = deps.db): Promise<Correction[]> {
      const rows = await db
        .selectFrom('corrections')
        .selectAll()
        .where('entity_type', '=', entityType)
        .where('entity_id', '=', entityId)
        .orderBy('at')
        .orderBy('journal_seq')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        entityType: r.entity_type,
        entityId: r.entity_id,
        changes: JSON.parse(r.field_changes),
        reason: r.reason,
        actorId: r.actor_id,
        at: Number(r.at),
        journalSeq: Number(r.journal_seq),
      }));
    },
  };
}
