import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { KnockList, KnockOutcome } from './doorknock.schemas.js';

/** What other modules may call on the door-knocking module (`deps.services.doorknock`). */
export interface DoorknockPort {
  /** Buildings in the actor's scope, by scanned code or name. */
  buildings(
    actor: Actor,
    f: { code?: string; q?: string },
    db?: DbOrTx,
  ): Promise<{ items: { id: string; code: string; name: string; path: string; place: string }[] }>;
  /** A building's door-knocking list for a campaign. */
  list(actor: Actor, campaignId: string, buildingId: string, db?: DbOrTx): Promise<KnockList>;
  /** Records a knock's outcome (journaled; exempting outcomes move coverage). */
  knock(
    trx: Tx | undefined,
    actor: Actor,
    campaignId: string,
    input: { personId: string; outcome: KnockOutcome; note?: string },
  ): Promise<{ id: string; personId: string; outcome: KnockOutcome; exempted: boolean; at: number }>;
  /** A resident's phone through the journaled reveal, with a reason. */
  revealPhone(trx: Tx | undefined, actor: Actor, personId: string, reason: string): Promise<{ value: string }>;
}
