import { addDays, daysBetween, startOfDay } from '../../platform/clock.js';
import type { PresetParams } from '../cases/presets.schema.js';
import type { PlannedPhase, StayPhase } from '../../../common/quarantine.js';

export { STAY_PHASES, type PlannedPhase, type StayPhase } from '../../../common/quarantine.js';

/** The control status (管控状态) each phase holds a person in. */
export const PHASE_STATUS = {
  central: 'quarantined_central',
  home_quarantine: 'quarantined_home',
  home_monitoring: 'home_monitored',
} as const satisfies Record<StayPhase, string>;

export type QuarantineRule = PresetParams['contacts']['close']['quarantine'];

export interface StayPlan {
  phases: PlannedPhase[];
  totalDays: number;
  /** YYYY-MM-DD of the last day. */
  endDay: string;
  endsAt: number;
  tests: { day: number; date: string; dueAt: number }[];
}

/**
 * The calendar date of day `n` of a stay. Under the 9th edition the exposure day is day 0 (firstDay 0),
 * so day 1 is the next calendar day; with firstDay 1 the exposure day itself is day 1.
 */
export function dateOfDay(exposureDay: string, firstDay: 0 | 1, n: number): string {
  return addDays(exposureDay, n - firstDay);
}

/** Day number of `today` in a stay (may be ≤ 0 before the stay starts or exceed the total after it). */
export function dayNumber(exposureDay: string, firstDay: 0 | 1, today: string): number {
  return daysBetween(exposureDay, today) + firstDay;
}

/**
 * A stay from the preset's quarantine rule (防控方案: e.g. 9th edition close contacts 7 days central +
 * 3 days home monitoring, tests on days 1, 2, 3, 5, 7). Central mode: central days, then home
 * quarantine days, then home monitoring days. Home mode (no room): the central days are spent in home
 * quarantine. Days are calendar days in `tz`; each phase ends at midnight after its last day.
 */
export function planStay(rule: QuarantineRule, firstDay: 0 | 1, mode: 'central' | 'home', exposureDay: string, tz: string): StayPlan {
  const parts: [StayPhase, number][] =
    mode === 'central'
      ? [['central', rule.centralDays], ['home_quarantine', rule.homeQuarantineDays], ['home_monitoring', rule.homeMonitoringDays]]
      : [['home_quarantine', rule.centralDays + rule.homeQuarantineDays], ['home_monitoring', rule.homeMonitoringDays]];
  const endOfDay = (n: number) => startOfDay(addDays(dateOfDay(exposureDay, firstDay, n), 1), tz);
  const phases: PlannedPhase[] = [];
  let day = 0;
  for (const [phase, days] of parts) {
    if (days <= 0) continue;
    day += days;
    phases.push({ phase, days, lastDay: day, endsAt: endOfDay(day) });
  }
  const tests = [...new Set(rule.testDays)]
    .filter((d) => d >= 1 && d <= day)
    .sort((a, b) => a - b)
    .map((d) => ({ day: d, date: dateOfDay(exposureDay, firstDay, d), dueAt: endOfDay(d) }));
  return { phases, totalDays: day, endDay: dateOfDay(exposureDay, firstDay, day), endsAt: endOfDay(day), tests };
}
