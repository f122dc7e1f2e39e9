/**
 * The declared type of the container's `OutboxService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Capability } from '../../../common/roles.js';

/** The OutboxService facade as the container holds it (what `createOutboxService` returns). */
export interface OutboxService {
  /** Writes an event in the caller's transaction; it is delivered only once that commits. */
  publish(trx: Tx, e: OutboxEvent): Promise<number>;
  /** Committed events after `seq`, oldest first. */
  readAfter(seq: number, limit?: number, db?: DbOrTx): Promise<OutboxMessage[]>;
  /** Deletes events older than `before` (epoch ms); clients that were away longer resume from what is left. */
  prune(db: DbOrTx, before: number): Promise<number>;
  /** The highest committed sequence (where a new subscriber starts). */
  head(db?: DbOrTx): Promise<number>;
}

/**
 * How a jurisdiction-addressed event reaches people: `within` (data: the path lies inside the
 * recipient's scope, as a REST read of the record would require) or `overlap` (notifications: also
 * everyone above… and below, as the notification feed reads them).
 */
export type OutboxReach = 'within' | 'overlap';

/**
 * A live update. It reaches a connection only when the user holds `capability` (the one that
 * reads the same data through REST; `authenticated` = any signed-in user) AND is addressed: the
 * user, their unit, or a jurisdiction per `reach` (default `within`); no address = every user
 * holding the capability.
 */
export interface OutboxEvent {
  topic: string;
  capability: Capability | 'authenticated';
  reach?: OutboxReach;
  userId?: string | null;
  unitId?: string | null;
  jurisdictionPath?: string | null;
  payload: unknown;
}

export interface OutboxMessage extends Required<Omit<OutboxEvent, 'payload'>> {
  seq: number;
  at: number;
  payload: unknown;
}
