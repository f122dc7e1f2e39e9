/**
 * The vocabulary and the transition rules of control status (管控状态). Pure data and functions, no
 * database: the service enforces them, the web may show them.
 */

export { BASIS_TYPES, CONTROL_STATUSES, CONTROL_STATUS_LABELS, type Basis, type BasisType, type ControlStatus } from '../../../common/control.js';
import type { Basis, ControlStatus } from '../../../common/control.js';

/**
 * THE TRANSITION RULES. A change is allowed when it is listed here, or when it moves to a stricter
 * measure (higher rank) citing a basis other than the one the current status rests on.
 *
 *   none, released      → pending_recheck | quarantined_central | quarantined_home | home_monitored
 *   pending_recheck     → quarantined_central | quarantined_home | none (negative recheck) | released
 *   quarantined_central → quarantined_home | home_monitored | released   (step-down per the protocol)
 *   quarantined_home    → home_monitored | released
 *   home_monitored      → released
 *   any                 → a stricter measure, with a new basis
 *
 * A status never changes to itself (to extend a measure, cite the new basis and change it).
 */
export const ALLOWED_TRANSITIONS: Record<ControlStatus, readonly ControlStatus[]> = {
  none: ['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored'],
  released: ['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored'],
  pending_recheck: ['quarantined_central', 'quarantined_home', 'none', 'released'],
  quarantined_central: ['quarantined_home', 'home_monitored', 'released'],
  quarantined_home: ['home_monitored', 'released'],
  home_monitored: ['released'],
};

/** How strict a status is: a move to a higher rank is an escalation. */
export const STRICTNESS: Record<ControlStatus, number> = {
  none: 0,
  released: 0,
  home_monitored: 1,
  pending_recheck: 2,
  quarantined_home: 3,
  quarantined_central: 4,
};

/** Statuses that are measures a person is held to (they may carry an end time). */
export const MEASURES: ReadonlySet<ControlStatus> = new Set(['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored']);

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
