/**
 * The declared type of the container's `OutboxService` (imports no service code at run time). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { OutboxEvent, OutboxMessage } from './outbox.service.js';

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
