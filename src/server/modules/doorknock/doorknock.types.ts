/**
 * The declared type of the container's `DoorknockService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { KnockList, KnockOutcome } from './doorknock.schemas.js';

/** The DoorknockService facade as the container holds it (what `createDoorknockService` returns). */
export interface DoorknockService {
  /** Buildings in the actor's scope by scanned code or by name, with their compound named. */
  buildings(
    actor: Actor,
    f: {
      code?: string;
      q?: string;
    },
    db?: DbOrTx,
  ): Promise<{
    items: {
      id: string;
      code: string;
      name: string;
      path: string;
      place: string;
    }[];
  }>;
  /** A building's door-knocking list for a campaign: to knock (entrance, floor, room), settled, and apart. */
  list(actor: Actor, campaignId: string, buildingId: string, db?: DbOrTx): Promise<KnockList>;
  /**
   * Records a knock's outcome, journaled; moved away, away from the city and in hospital exempt the
   * person from the campaign in the same transaction (coverage's target drops at once).
   */
  knock(
    trx: Tx | undefined,
    actor: Actor,
    campaignId: string,
    input: {
      personId: string;
      outcome: KnockOutcome;
      note?: string;
    },
  ): Promise<{
    id: string;
    personId: string;
    outcome: 'refused' | 'sampled_at_home' | 'not_at_home' | 'moved_away' | 'away_from_city' | 'in_hospital';
    exempted: boolean;
    at: number;
  }>;
  /**
   * The resident's full phone number for a call from the door: population's journaled reveal (rate
   * limit and journal included) with the worker's reason, for the phone only. A grid worker holds
   * `doorknock.work`, not `person.reveal`: this narrow path lends the reveal for this one field.
   */
  revealPhone(
    trx: Tx | undefined,
    actor: Actor,
    personId: string,
    reason: string,
  ): Promise<{
    value: string;
  }>;
}
