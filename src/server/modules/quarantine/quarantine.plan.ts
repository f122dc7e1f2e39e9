import { addDays, daysBetween, startOfDay } from '../../platform/clock.js';
import type { PresetParams } from '../cases/index.js';
import type { StayPhase } from '../../../common/quarantine.js';
import type { PlannedPhase } from './quarantine.schemas.js';

export { type StayPhase } from '../../../common/quarantine.js';
export type { PlannedPhase } from './quarantine.schemas.js';

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
 * 3 days home monitoring, tests on central days 1, 2, 3, 5, 7 and home-monitoring day 3 = stay day 10).
 * Central mode: central days, then home quarantine days, then home monitoring days. Home mode (no
 * room): the central days are spent in home quarantine (their test days kept on the same stay days).
 * Days are calendar days in `tz` counted from the last exposure; each phase ends at midnight after its
 * last day. Test day numbers in the plan are stay days.
 */
export function planStay(rule: QuarantineRule, firstDay: 0 | 1, mode: 'central' | 'home', exposureDay: string, tz: string): StayPlan {
  const c = rule.centralDays,
    h = rule.homeQuarantineDays,
    m = rule.homeMonitoringDays;
  const stayDays = [
    ...rule.tests.central.filter((d) => d <= c),
    ...rule.tests.homeQuarantine.filter((d) => d <= h).map((d) => c + d),
    ...rule.tests.homeMonitoring.filter((d) => d <= m).map((d) => c + h + d),
  ];
  const parts: [StayPhase, number][] =
    mode === 'central'
      ? [
          ['central', c],
          ['home_quarantine', h],
          ['home_monitoring', m],
        ]
      : [
          ['home_quarantine', c + h],
          ['home_monitoring', m],
        ];
  const endOfDay = (n: number) => startOfDay(addDays(dateOfDay(exposureDay, firstDay, n), 1), tz);
  const phases: PlannedPhase[] = [];
  let day = 0;
  for (const [phase, days] of parts) {
    if (days <= 0) continue;
    day += days;
    phases.push({ phase, days, lastDay: day, endsAt: endOfDay(day) });
  }
  const tests = [...new Set(stayDays)]
    .filter((d) => d >= 1 && d <= day)
    .sort((a, b) => a - b)
    .map((d) => ({ day: d, date: dateOfDay(exposureDay, firstDay, d), dueAt: endOfDay(d) }));
  return { phases, totalDays: day, endDay: dateOfDay(exposureDay, firstDay, day), endsAt: endOfDay(day), tests };
}

/**
 * The day counter a person sees: today's stay day, clamped to the stay (never "day 13 of 10"): before
 * the stay it reads day 0, after the last day it reads the last day and `ended`.
 */
export function dayCounter(exposureDay: string, firstDay: 0 | 1, total: number, today: string): { day: number; total: number; ended: boolean } {
  const raw = dayNumber(exposureDay, firstDay, today);
  return { day: Math.min(Math.max(raw, 0), total), total, ended: raw > total };
}
