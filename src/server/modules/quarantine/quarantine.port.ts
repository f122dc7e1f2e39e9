/**
 * The quarantine module's port: the methods other modules may call on `services.quarantine`, one
 * line each. Import this type (and the helpers in ./index.ts), never quarantine's repository or tables.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { PresetParams } from '../cases/index.js';
import type { StayCategory } from '../../../common/quarantine.js';
import type { StayDto, StayPlanDto } from './quarantine.schemas.js';
import type { AssignInput } from './quarantine.shared.js';

export interface QuarantinePort {
  /** The stay the active preset (or the `under` version) gives from an exposure or arrival day; no write, no scope. */
  plan(
    input: { mode: 'central' | 'home'; category?: StayCategory | null; exposureDate?: string | null },
    db?: DbOrTx,
    under?: { id: string; key: string; label: string; name: string; params: PresetParams },
  ): Promise<StayPlanDto>;
  /** Places a person in central or home quarantine on a basis; control status, test-day tasks and phase jobs follow. */
  assign(trx: DbOrTx | undefined, actor: Actor, input: AssignInput): Promise<StayDto>;
  /** One stay visible to the actor (by the person's path or the facility's), with masked name and room. */
  getStay(actor: Actor, id: string, db?: DbOrTx): Promise<StayDto>;
  /** Stays in the actor's scope, newest first. */
  listStays(
    actor: Actor,
    q?: { status?: 'active' | 'released'; facilityId?: string; page?: number; pageSize?: number },
    db?: DbOrTx,
  ): Promise<{ items: StayDto[]; total: number }>;
  /** Records a scheduled test day's result; a positive close contact upgrades their secondaries (9th edition). */
  recordTest(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { day: number; result: 'negative' | 'positive' }): Promise<StayDto>;
  /** Runs the overdue-release check now (the recurring job runs it every minute). */
  checkOverdue(trx: Tx, actor?: Actor): Promise<number>;
  /** Active stays past their end, not released, under a path (null = city): the situation page's number. */
  overdueReleases(prefix: string | null, db?: DbOrTx): Promise<number>;
}
