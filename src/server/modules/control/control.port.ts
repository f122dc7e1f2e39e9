/**
 * The control module's port: the methods other modules may call on `services.control`, one line
 * each. Import this type (and the helpers in ./index.ts), never control's repository or tables.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { BasisType } from './control.rules.js';
import type {
  AreaMeasureResolver,
  AutomaticInput,
  AutomaticResult,
  BasisValidator,
  ChangeInput,
  ControlStatusDto,
  ControlSummaryDto,
  ExplanationDto,
  RequestChangeResult,
  StatusChangeDto,
} from './control.shared.js';

export interface ControlPort {
  /** The module owning a basis record registers the check that its id exists (once, at start). */
  registerBasisValidator(type: BasisType, fn: BasisValidator): void;
  /** Zoning registers which area measure a person's home is under, so an ended person measure returns to it. */
  registerAreaMeasureResolver(fn: AreaMeasureResolver): void;
  /** An automatic change following a recorded basis, in the caller's transaction; one batch journal entry. */
  applyAutomatic(trx: Tx, actor: Actor, input: AutomaticInput): Promise<AutomaticResult>;
  /** A manual change: applied at once up to the bulk threshold, else a pending request for a second person. */
  requestChange(trx: DbOrTx | undefined, actor: Actor, input: ChangeInput): Promise<RequestChangeResult>;
  /** Current statuses of many persons for another module's (already scoped) list; `none` when never set. */
  statusesOf(personIds: readonly string[], db?: DbOrTx): Promise<Map<string, ControlStatusDto>>;
  /** Current status of one person in the actor's scope (404 otherwise). */
  getStatus(actor: Actor, personId: string, db?: DbOrTx): Promise<ControlStatusDto>;
  /** The status with every change that led to it (who, when, basis, why). */
  explain(actor: Actor, personId: string, db?: DbOrTx): Promise<ExplanationDto>;
  /** A person's status changes, oldest first. */
  history(actor: Actor, personId: string, db?: DbOrTx): Promise<StatusChangeDto[]>;
  /** Persons per status under a path (the actor's scope by default), from the live counters. */
  summary(actor: Actor, path?: string | null, db?: DbOrTx): Promise<ControlSummaryDto>;
  /** Moves a person's status row and counts to a new path (population, when an address changes). */
  relocate(trx: Tx, personId: string, newPath: string): Promise<void>;
  /** How many persons a manual change may affect before it needs a second approver. */
  bulkThreshold(db?: DbOrTx): Promise<number>;
  /** Sets that threshold (journaled). */
  setBulkThreshold(trx: DbOrTx | undefined, actor: Actor, n: number): Promise<void>;
}
