/**
 * The vocabulary and the transition rules of control status (管控状态). Pure data and functions, no
 * database: the service enforces them, the web may show them.
 */

export { AREA_MEASURE_STATUSES, BASIS_TYPES, CONTROL_STATUSES, PERSON_MEASURE_STATUSES, type BasisType, type ControlStatus } from '../../../common/control.js';
export type { Basis } from './control.schemas.js';
import { AREA_MEASURE_STATUSES, type ControlStatus } from '../../../common/control.js';
import type { Basis } from './control.schemas.js';

/**
 * THE TRANSITION RULES. A change is allowed when it is listed here, or when it moves to a stricter
 * measure (higher rank) citing a basis other than the one the current status rests on.
 *
 *   none, released      → pending_recheck | quarantined_central | quarantined_home | home_monitored | sealed | controlled
 *   pending_recheck     → quarantined_central | quarantined_home | none (negative recheck) | released
 *   quarantined_central → quarantined_home | home_monitored | released   (step-down per the protocol)
 *   quarantined_home    → home_monitored | released
 *   home_monitored      → released
 *   sealed              → controlled (area stepped down) | released | none (area lifted) | any person measure
 *   controlled          → released | none | sealed | any person measure
 *   awaiting_placement  → quarantined_central | quarantined_home (the stay starts) | home_monitored | released
 *   (none, released, pending_recheck, home_monitored, sealed, controlled → awaiting_placement: a contact is traced)
 *   any                 → a stricter measure, with a new basis
 *
 * Area measures (sealed, controlled) are measures of a risk area that its residents are under; a
 * person measure found for a resident (a positive pool, a contact) replaces it, and when that person
 * measure ends the area measure comes back (see `registerAreaMeasureResolver` in the service).
 * A status never changes to itself (to extend a measure, cite the new basis and change it).
 */
export const ALLOWED_TRANSITIONS: Record<ControlStatus, readonly ControlStatus[]> = {
  none: ['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'sealed', 'controlled', 'awaiting_placement'],
  released: ['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'sealed', 'controlled', 'awaiting_placement'],
  pending_recheck: ['quarantined_central', 'quarantined_home', 'none', 'released', 'awaiting_placement'],
  quarantined_central: ['quarantined_home', 'home_monitored', 'released'],
  quarantined_home: ['home_monitored', 'released'],
  home_monitored: ['released', 'awaiting_placement'],
  sealed: ['controlled', 'released', 'none', 'pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'awaiting_placement'],
  controlled: ['released', 'none', 'sealed', 'pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored', 'awaiting_placement'],
  awaiting_placement: ['quarantined_central', 'quarantined_home', 'home_monitored', 'released'],
};

/** How strict a status is: a move to a higher rank is an escalation. */
export const STRICTNESS: Record<ControlStatus, number> = {
  none: 0,
  released: 0,
  home_monitored: 1,
  controlled: 2,
  pending_recheck: 3,
  sealed: 3,
  quarantined_home: 4,
  quarantined_central: 5,
  // Held for a placement that will be quarantine: stricter than home monitoring or a pending recheck.
  awaiting_placement: 4,
};

/** Statuses that are measures a person is held to (person measures may carry an end time). */
export const MEASURES: ReadonlySet<ControlStatus> = new Set([
  'pending_recheck',
  'quarantined_central',
  'quarantined_home',
  'home_monitored',
  'sealed',
  'controlled',
  'awaiting_placement',
]);

/** Area measures (sealed, controlled): open-ended while the area stands. */
export const AREA_MEASURES: ReadonlySet<ControlStatus> = new Set(AREA_MEASURE_STATUSES);

/** Why a transition is refused, or null when it is allowed. */
export function transitionProblem(from: ControlStatus, to: ControlStatus, currentBasis: Basis | null, basis: Basis): string | null {
  if (from === to) return 'already in this status';
  if (ALLOWED_TRANSITIONS[from].includes(to)) return null;
  if (STRICTNESS[to] > STRICTNESS[from]) {
    if (currentBasis && currentBasis.type === basis.type && currentBasis.id === basis.id) return 'a stricter measure needs a new basis';
    return null;
  }
  return `not allowed from ${from}`;
}

export { commonPath } from '../../platform/paths.js';
