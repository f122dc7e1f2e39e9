/**
 * Benchmark tiers: the sizes every bench case runs at, by name. `npm run bench` runs `default`;
 * `npm run bench -- --scale <tier>` picks another. Sizes come from the issues:
 * - issue 4 (population): the default tier is a 1M-resident city; `yichang` 4M; `shanghai` 25.67M.
 *   The CSV import is the issue's "1M residents" in every tier but `small` (into a bigger city each
 *   time, so index depth shows); lookups by ID run against everyone.
 * - issue 5 (testing): the default tier is a 1M-resident city; `shanghai` is 25.67M residents (its
 *   2.43M tubes are what Shanghai's day needed at ~10 persons per tube; the testing cases derive
 *   their tube counts from the residents).
 * - issue 6 (cases): 30k cases / 300k contacts by default, 300k / 3M at `yichang`; companions 5M
 *   pings for 100 cases by default, 50M at `yichang` (CASE_LIST_TIERS / COMPANION_TIERS, kept next to
 *   their cases). The issue names nothing larger, so `shanghai` keeps the `yichang` sizes for them.
 * - issue 7 (zoning): the zoning cases take the tier name and size themselves (ZONING_TIERS).
 * `small` is the old scale 1 (a few minutes in all): for developers checking that the bench runs and
 * that a change did not move a ratio; its numbers are not the issues' tiers.
 */
import { CASE_LIST_TIERS, type CaseListBenchSizes } from './cases/cases.js';
import { COMPANION_TIERS, type CompanionBenchSizes } from './cases/companions.js';
import type { PlatformBenchSizes } from './cases/platform.js';
import type { PopulationBenchSizes } from './cases/population.js';
import type { TestingBenchSizes } from './cases/testing.js';

export const TIER_NAMES = ['small', 'default', 'yichang', 'shanghai'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** The bench case groups, in the order they run. `--only a,b` picks some of them. */
export const GROUPS = ['platform', 'population', 'companions', 'testing', 'cases', 'zoning', 'faults', 'web'] as const;
export type Group = (typeof GROUPS)[number];

export interface Tier {
  name: TierName;
  /** One line for the table header. */
  description: string;
  platform: PlatformBenchSizes;
  population: PopulationBenchSizes;
  testing: TestingBenchSizes;
  cases: CaseListBenchSizes;
  companions: CompanionBenchSizes;
}

/** Platform ceilings do not depend on the city; the named tiers measure them a little longer. */
const PLATFORM: PlatformBenchSizes = { rows: 200_000, lookups: 20_000, singles: 5_000, httpMs: 5_000 };

export const TIERS: Record<TierName, Tier> = {
  small: {
    name: 'small',
    description: 'quick developer run (50k-resident city, 20k-row import)',
    platform: { rows: 50_000, lookups: 5_000, singles: 2_000, httpMs: 3_000 },
    population: { cityResidents: 50_000, importRows: 20_000, lookups: 5_000 },
    testing: { residents: 50_000 },
    cases: CASE_LIST_TIERS.default,
    companions: { pings: 200_000, cases: 20 },
  },
  default: {
    name: 'default',
    description: "1M-resident city (the issues' default tier)",
    platform: PLATFORM,
    population: { cityResidents: 1_000_000, importRows: 1_000_000, lookups: 20_000 },
    testing: { residents: 1_000_000 },
    cases: CASE_LIST_TIERS.default,
    companions: COMPANION_TIERS.default,
  },
  yichang: {
    name: 'yichang',
    description: 'Yichang: 4M residents, 300k cases / 3M contacts, 50M pings (opt-in)',
    platform: PLATFORM,
    population: { cityResidents: 4_000_000, importRows: 1_000_000, lookups: 20_000 },
    testing: { residents: 4_000_000 },
    cases: CASE_LIST_TIERS.yichang,
    companions: COMPANION_TIERS.yichang,
  },
  shanghai: {
    name: 'shanghai',
    description: 'Shanghai: 25.67M residents, 2.43M tubes (opt-in; hours)',
    platform: PLATFORM,
    population: { cityResidents: 25_670_000, importRows: 1_000_000, lookups: 20_000 },
    testing: { residents: 25_670_000, fill: { liveCodes: 200_000 } },
    cases: CASE_LIST_TIERS.yichang,
    companions: COMPANION_TIERS.yichang,
  },
};

/** The tier for a `--scale` value; throws naming the known tiers otherwise. */
export function tierNamed(name: string | undefined): Tier {
  const n = name ?? 'default';
  if (!(TIER_NAMES as readonly string[]).includes(n)) throw new Error(`Unknown bench tier "${n}": use one of ${TIER_NAMES.join(', ')}`);
  return TIERS[n as TierName];
}

/** The groups named by `--only` (comma-separated), or all of them; throws on an unknown name. */
export function groupsNamed(only: string | undefined): Group[] {
  if (!only) return [...GROUPS];
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (bad.length) throw new Error(`Unknown bench group(s) ${bad.join(', ')}: use ${GROUPS.join(', ')}`);
  return GROUPS.filter((g) => names.includes(g));
}
