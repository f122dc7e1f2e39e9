import { describe, expect, it } from 'vitest';
import { CONTROL_STATUSES, commonPath, transitionProblem, type ControlStatus } from './control.rules.js';

/**
 * The transitions the protocol allows, written out by hand (not derived from the rules table), so
 * a change to the rules shows up here. "+" = allowed with any basis; "n" = allowed only with a basis
 * other than the current one (an escalation); "." = refused.
 */
const EXPECTED: Record<ControlStatus, Record<ControlStatus, '+' | 'n' | '.'>> = {
  //                 none  pending  central  home  monitored  sealed  controlled  released  awaiting
  none: {
    none: '.',
    pending_recheck: '+',
    quarantined_central: '+',
    quarantined_home: '+',
    home_monitored: '+',
    sealed: '+',
    controlled: '+',
    released: '.',
    awaiting_placement: '+',
  },
  released: {
    none: '.',
    pending_recheck: '+',
    quarantined_central: '+',
    quarantined_home: '+',
    home_monitored: '+',
    sealed: '+',
    controlled: '+',
    released: '.',
    awaiting_placement: '+',
  },
  pending_recheck: {
    none: '+',
    pending_recheck: '.',
    quarantined_central: '+',
    quarantined_home: '+',
    home_monitored: '.',
    sealed: '.',
    controlled: '.',
    released: '+',
    awaiting_placement: '+',
  },
  quarantined_central: {
    none: '.',
    pending_recheck: '.',
    quarantined_central: '.',
    quarantined_home: '+',
    home_monitored: '+',
    sealed: '.',
    controlled: '.',
    released: '+',
    awaiting_placement: '.',
  },
  quarantined_home: {
    none: '.',
    pending_recheck: '.',
    quarantined_central: 'n',
    quarantined_home: '.',
    home_monitored: '+',
    sealed: '.',
    controlled: '.',
    released: '+',
    awaiting_placement: '.',
  },
  home_monitored: {
    none: '.',
    pending_recheck: 'n',
    quarantined_central: 'n',
    quarantined_home: 'n',
    home_monitored: '.',
    sealed: 'n',
    controlled: 'n',
    released: '+',
    awaiting_placement: '+',
  },
  sealed: {
    none: '+',
    pending_recheck: '+',
    quarantined_central: '+',
    quarantined_home: '+',
    home_monitored: '+',
    sealed: '.',
    controlled: '+',
    released: '+',
    awaiting_placement: '+',
  },
  controlled: {
    none: '+',
    pending_recheck: '+',
    quarantined_central: '+',
    quarantined_home: '+',
    home_monitored: '+',
    sealed: '+',
    controlled: '.',
    released: '+',
    awaiting_placement: '+',
  },
  // A contact awaiting placement (待转运, issue 16) moves on when the stay starts.
  awaiting_placement: {
    none: '.',
    pending_recheck: '.',
    quarantined_central: '+',
    quarantined_home: '+',
    home_monitored: '+',
    sealed: '.',
    controlled: '.',
    released: '+',
    awaiting_placement: '.',
  },
};

describe('control transition rules', () => {
  const current = { type: 'contact' as const, id: 'L1' };
  const other = { type: 'case' as const, id: 'C1' };
  for (const from of CONTROL_STATUSES) {
    for (const to of CONTROL_STATUSES) {
      const want = EXPECTED[from][to];
      it(`${from} → ${to}: ${want === '+' ? 'allowed' : want === 'n' ? 'allowed on a new basis' : 'refused'}`, () => {
        const withNew = transitionProblem(from, to, current, other);
        const withSame = transitionProblem(from, to, current, current);
        if (want === '+') {
          expect(withNew).toBeNull();
          expect(withSame).toBeNull();
        } else if (want === 'n') {
          expect(withNew).toBeNull();
          expect(withSame).toMatch(/new basis/);
        } else {
          expect(withNew).not.toBeNull();
        }
      });
    }
  }

  it('common path of persons spanning streets and districts', () => {
    expect(commonPath(['/420500/420502/420502001000/', '/420500/420502/420502002000/'])).toBe('/420500/420502/');
    expect(commonPath(['/420500/420502/x/', '/420500/420503/y/'])).toBe('/420500/');
    expect(commonPath(['/420500/420502/x/'])).toBe('/420500/420502/x/');
    expect(commonPath(['/420500/', '/420600/'])).toBe('/');
  });
});
