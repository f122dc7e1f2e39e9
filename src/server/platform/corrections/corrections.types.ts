/**
 * The declared type of the container's `CorrectionService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';

/** The CorrectionService facade as the container holds it (what `createCorrectionService` returns). */
export interface CorrectionService {
  record(
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
  ): Promise<Correction>;
  /** Every correction of a record, oldest first, so the original stays readable. */
  history(entityType: string, entityId: string, db?: DbOrTx): Promise<Correction[]>;
}

/** One field's change: the original value stays readable next to the new one. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Correction {
  id: string;
  entityType: string;
  entityId: string;
  changes: FieldChange[];
  reason: string;
  actorId: string | null;
  at: number;
  journalSeq: number;
}
