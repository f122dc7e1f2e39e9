import type { Clock } from '../clock.js';
import { canonicalJson } from '../canonical.js';
import { notifyOnCommit, type DbOrTx, type Tx } from '../../db/dialect.js';
import { nextCounter } from '../counters.js';
import type { OutboxService } from './outbox.types.js';
import type { OutboxReach, OutboxEvent, OutboxMessage } from './outbox.types.js';

/** PostgreSQL channel that carries new outbox sequence numbers after commit. */
export const OUTBOX_CHANNEL = 'bulwark_outbox';

export function createOutboxService(deps: { db: DbOrTx; clock: Clock }): OutboxService {
  return {
    /** Writes an event in the caller's transaction; it is delivered only once that commits. */
    async publish(trx: Tx, e: OutboxEvent): Promise<number> {
      const seq = await nextCounter(trx, 'outbox');
      await trx
        .insertInto('outbox')
        .values({
          seq,
          at: deps.clock.now(),
          topic: e.topic,
          user_id: e.userId ?? null,
          unit_id: e.unitId ?? null,
          jurisdiction_path: e.jurisdictionPath ?? null,
          payload: canonicalJson(e.payload ?? {}),
          capability: e.capability,
          reach: e.reach ?? 'within',
        })
        .execute();
      await notifyOnCommit(trx, OUTBOX_CHANNEL, String(seq));
      return seq;
    },

    /** Committed events after `seq`, oldest first. */
    async readAfter(seq: number, limit = 500, db: DbOrTx = deps.db): Promise<OutboxMessage[]> {
      const rows = await db.selectFrom('outbox').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
      return rows.map((r) => ({
        seq: Number(r.seq),
        at: Number(r.at),
        topic: r.topic,
        userId: r.user_id,
        unitId: r.unit_id,
        jurisdictionPath: r.jurisdiction_path,
        // Rows written before capabilities existed reach only users who may read the journal-wide
        // view of everything: nobody is sent data by default.
        capability: (r.capability ?? 'system.manage') as OutboxMessage['capability'],
        reach: (r.reach ?? 'within') as OutboxReach,
        payload: JSON.parse(r.payload),
      }));
    },

    /** Deletes events older than `before` (epoch ms); clients that were away longer resume from what is left. */
    async prune(db: DbOrTx, before: number): Promise<number> {
      const r = await db.deleteFrom('outbox').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** The highest committed sequence (where a new subscriber starts). */
    async head(db: DbOrTx = deps.db): Promise<number> {
      const r = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.max('seq').as('m'))
        .executeTakeFirst();
      return Number(r?.m ?? 0);
    },
  };
}
