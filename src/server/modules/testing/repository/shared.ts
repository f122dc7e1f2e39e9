/** What every part of the testing repository shares: the row types and the chunking of long id lists. */
import type {
  TestingCampaignsTable,
  TestingCoverageTable,
  TestingFlagsTable,
  TestingRechecksTable,
  TestingResultsTable,
  TestingScansTable,
  TestingSitesTable,
  TestingTubesTable,
} from '../testing.table.js';

export type CampaignRow = TestingCampaignsTable;
export type CoverageRow = TestingCoverageTable;
export type SiteRow = TestingSitesTable;
export type TubeRow = TestingTubesTable;
export type ScanRow = TestingScansTable;
export type ResultRow = TestingResultsTable;
export type FlagRow = TestingFlagsTable;
export type RecheckRow = TestingRechecksTable;

export const CHUNK = 500;

export function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** LIKE pattern for a path prefix (paths hold digits and slashes only, so nothing needs escaping). */
export const under = (prefix: string) => `${prefix}%`;
