import type { ColumnsOf } from '../../db/columns.js';

/** A testing campaign (核酸检测轮次): one round of testing the population of some jurisdictions. */
export interface TestingCampaignsTable {
  id: string;
  name: string;
  /** planned · active · closed */
  status: string;
  /** JSON array of the scope's jurisdiction ids (any set of nodes). */
  scope_ids: string;
  /** JSON array of their paths (same order). */
  scope_paths: string;
  /** Longest common path of the scope: who may manage it, and the live-update audience. */
  scope_path: string;
  starts_at: number;
  deadline_at: number;
  /** Default pool size: 1 (single), 5, 10 or 20. */
  pool_size: number;
  /** JSON array of `{ jurisdictionId, path, poolSize }`: the deepest override containing a site wins. */
  pool_overrides: string;
  /** JSON array of control statuses whose persons are exempted at activation (they are tested on their own schedule). */
  exempt_statuses: string;
  /** Hours a single-tube recheck may take after a positive pool before it escalates. */
  recheck_hours: number;
  /** Persons to test, stored at activation (0 before). */
  target_total: number;
  exempt_total: number;
  created_by: string | null;
  created_by_name: string;
  created_at: number;
  activated_at: number | null;
  closed_at: number | null;
  /** When the last live coverage event went out (throttle: one per campaign per second). */
  coverage_published_at: number;
  /** The activation under way (staged, see campaigns.service `activate`): its token and when its lease runs out. */
  activation_token: string | null;
  activation_lease_until: number | null;
  /**
   * Pool mode from published risk areas: null = not taken from areas; else the mode in sealed areas
   * (0 = one tube per household 1户1管, 1 = single tube). Controlled areas: 10-in-1.
   */
  sealed_pool_mode: number | null;
  updated_at: number;
}

/** A person exempted from a campaign by hand, with the reason. */
export interface TestingExemptionsTable {
  campaign_id: string;
  person_id: string;
  jurisdiction_path: string;
  reason: string;
  created_by: string | null;
  created_by_name: string;
  created_at: number;
}

/**
 * Coverage counters of a campaign per jurisdiction node: every node of the scope down to buildings,
 * plus the scope's ancestors (counting only the part in scope). Persons are counted at their
 * residence path and every ancestor, in the same transaction as the scan or result.
 */
export interface TestingCoverageTable {
  campaign_id: string;
  jurisdiction_path: string;
  jurisdiction_id: string;
  level: string;
  name: string;
  /** Pool size that applies to sites in this node (the campaign's, or an override). */
  pool_size: number;
  /** Persons to test: persons in the subtree minus exemptions, at activation. */
  target: number;
  exempt: number;
  /** Persons sampled at least once (a person sampled twice counts once; rechecks excluded). */
  sampled: number;
  /** Sampled persons whose tube has a valid result (negative, positive or suspicious). */
  resulted: number;
  negative: number;
  /** Sampled persons whose tube was invalid and who await re-sampling. */
  invalid: number;
  /** Positive or suspicious pool tubes holding at least one person of this subtree. */
  positive_tubes: number;
  /** Persons awaiting their single-tube recheck result. */
  pending_recheck: number;
  /** Persons whose recheck was positive (handed over to the cases module). */
  recheck_positive: number;
  /** Residents of sealed areas (封控区) in the subtree at activation: sampled at their door (上门采样). */
  door_target: number;
  /** Persons sampled at their door (household tubes) in the subtree. */
  door_sampled: number;
  updated_at: number;
}

/** Persons sampled per campaign per minute (the current rate for the finish estimate). */
export interface TestingRateBucketsTable {
  campaign_id: string;
  /** Epoch minute (ms / 60000). */
  minute: number;
  sampled: number;
}

/** A sampling site (采样点 / 社区采样设施). */
export interface TestingSitesTable {
  id: string;
  name: string;
  /** vacant_flat · idle_warehouse · open_land · tent · fixed_clinic */
  kind: string;
  jurisdiction_id: string;
  jurisdiction_path: string;
  lng: number;
  lat: number;
  /** Sampling lanes (采样台). */
  lanes: number;
  /** JSON array of `{ from: 'HH:MM', to: 'HH:MM' }`. */
  opening_hours: string;
  /** JSON array of `{ name, role }` (no phone numbers). */
  staff: string;
  active: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** Compounds a site serves. */
export interface TestingSiteCompoundsTable {
  site_id: string;
  compound_id: string;
  compound_path: string;
}

/** Four-season readiness: one row per site and aspect (rain, heat, wind, cold) with who checked it and when. */
export interface TestingSiteReadinessTable {
  site_id: string;
  /** rain · heat · wind · cold */
  aspect: string;
  ready: number;
  note: string | null;
  checked_by: string | null;
  checked_by_name: string;
  checked_at: number;
}

/** A barcode-labelled tube (采样管) holding one pool, or a single-tube recheck (单管). */
export interface TestingTubesTable {
  id: string;
  campaign_id: string;
  /** Null for a recheck tube not yet sampled. Unique per campaign. */
  barcode: string | null;
  /** pool · recheck */
  kind: string;
  pool_size: number;
  /** awaiting_sample (recheck) · open · closed · received · resulted */
  status: string;
  site_id: string | null;
  /** The site's path (pool tubes) or the person's (recheck tubes). */
  jurisdiction_path: string;
  /** Recheck tubes: the positive pool they recheck. */
  parent_tube_id: string | null;
  scan_count: number;
  open_client_id: string | null;
  opened_by: string | null;
  opened_by_name: string | null;
  opened_at: number | null;
  closed_at: number | null;
  /** full · manual · received */
  closed_reason: string | null;
  close_client_id: string | null;
  box_code: string | null;
  received_at: number | null;
  received_by: string | null;
  /** negative · positive · suspicious · invalid (the effective result) */
  result: string | null;
  ct_orf1ab: number | null;
  ct_n: number | null;
  result_at: number | null;
  lab: string | null;
  created_at: number;
  updated_at: number;
}

/** One person's swab added to a tube. */
export interface TestingScansTable {
  id: string;
  campaign_id: string;
  tube_id: string;
  person_id: string;
  /** The person's residence path when sampled. */
  jurisdiction_path: string;
  name_masked: string;
  /** code (resident code) · id_number · recheck */
  method: string;
  /** Client-generated id: a retry never counts twice. */
  client_id: string;
  /** 1 for the scan that counts for the person in this campaign; duplicates and rechecks are 0. */
  counted: number;
  recheck: number;
  sampler_id: string | null;
  sampler_name: string;
  /** When the device scanned it (epoch ms). */
  scanned_at: number;
  /** When the server recorded it. */
  recorded_at: number;
}

/** Every result reported for a tube: the first is effective; a different later one is kept and flagged. */
export interface TestingResultsTable {
  id: string;
  tube_id: string;
  result: string;
  ct_orf1ab: number | null;
  ct_n: number | null;
  resulted_at: number;
  lab: string;
  /** manual · import · correction */
  source: string;
  effective: number;
  reported_by: string | null;
  reported_by_name: string;
  reported_at: number;
}

/** Something to review (a kept, counted-once anomaly): one row per kind and subject. */
export interface TestingFlagsTable {
  id: string;
  campaign_id: string;
  /** person_sampled_twice · conflicting_results · tube_reused · tube_over_pool */
  kind: string;
  subject_key: string;
  tube_id: string | null;
  person_id: string | null;
  jurisdiction_path: string;
  /** JSON detail (ids, counts, results; never ID numbers). */
  detail: string;
  occurrences: number;
  created_at: number;
  last_seen_at: number;
  reviewed_at: number | null;
  reviewed_by: string | null;
  reviewed_by_name: string | null;
  review_note: string | null;
}

/** A single-tube recheck of one person of a positive or suspicious pool. */
export interface TestingRechecksTable {
  id: string;
  campaign_id: string;
  parent_tube_id: string;
  /** The recheck tube (pool of one). */
  tube_id: string;
  person_id: string;
  jurisdiction_path: string;
  name_masked: string;
  /** awaiting_sample · sampled · negative · positive */
  status: string;
  /** 1 when this recheck moved the person to pending recheck (so a negative releases them). */
  control_applied: number;
  task_id: string | null;
  unit_id: string | null;
  due_at: number;
  escalated_at: number | null;
  created_at: number;
  resolved_at: number | null;
  /** Positive recheck: when it was handed over to the cases module, and its acknowledgement. */
  handover_at: number | null;
  handover_ack_at: number | null;
  handover_ref: string | null;
}

/** Home-sampling (上门采样) tasks made per campaign and person (never twice). */
export interface TestingHomeSamplingTable {
  campaign_id: string;
  person_id: string;
  task_id: string | null;
  jurisdiction_path: string;
  created_at: number;
}

/** Per-person version of what the public result lookup shows. */
export interface TestingLookupVersionsTable {
  person_id: string;
  version: number;
}

export interface TestingTables {
  testing_campaigns: TestingCampaignsTable;
  testing_exemptions: TestingExemptionsTable;
  testing_coverage: TestingCoverageTable;
  testing_rate_buckets: TestingRateBucketsTable;
  testing_sites: TestingSitesTable;
  testing_site_compounds: TestingSiteCompoundsTable;
  testing_site_readiness: TestingSiteReadinessTable;
  testing_tubes: TestingTubesTable;
  testing_scans: TestingScansTable;
  testing_results: TestingResultsTable;
  testing_flags: TestingFlagsTable;
  testing_rechecks: TestingRechecksTable;
  testing_home_sampling: TestingHomeSamplingTable;
  testing_lookup_versions: TestingLookupVersionsTable;
}

export const testingColumns: ColumnsOf<TestingTables> = {
  testing_campaigns: {
    id: 1,
    name: 1,
    status: 1,
    scope_ids: 1,
    scope_paths: 1,
    scope_path: 1,
    starts_at: 1,
    deadline_at: 1,
    pool_size: 1,
    pool_overrides: 1,
    exempt_statuses: 1,
    recheck_hours: 1,
    target_total: 1,
    exempt_total: 1,
    created_by: 1,
    created_by_name: 1,
    created_at: 1,
    activated_at: 1,
    closed_at: 1,
    coverage_published_at: 1,
    activation_token: 1,
    activation_lease_until: 1,
    sealed_pool_mode: 1,
    updated_at: 1,
  },
  testing_exemptions: { campaign_id: 1, person_id: 1, jurisdiction_path: 1, reason: 1, created_by: 1, created_by_name: 1, created_at: 1 },
  testing_coverage: {
    campaign_id: 1,
    jurisdiction_path: 1,
    jurisdiction_id: 1,
    level: 1,
    name: 1,
    pool_size: 1,
    target: 1,
    exempt: 1,
    sampled: 1,
    resulted: 1,
    negative: 1,
    invalid: 1,
    positive_tubes: 1,
    pending_recheck: 1,
    recheck_positive: 1,
    door_target: 1,
    door_sampled: 1,
    updated_at: 1,
  },
  testing_rate_buckets: { campaign_id: 1, minute: 1, sampled: 1 },
  testing_sites: {
    id: 1,
    name: 1,
    kind: 1,
    jurisdiction_id: 1,
    jurisdiction_path: 1,
    lng: 1,
    lat: 1,
    lanes: 1,
    opening_hours: 1,
    staff: 1,
    active: 1,
    created_by: 1,
    created_at: 1,
    updated_at: 1,
  },
  testing_site_compounds: { site_id: 1, compound_id: 1, compound_path: 1 },
  testing_site_readiness: { site_id: 1, aspect: 1, ready: 1, note: 1, checked_by: 1, checked_by_name: 1, checked_at: 1 },
  testing_tubes: {
    id: 1,
    campaign_id: 1,
    barcode: 1,
    kind: 1,
    pool_size: 1,
    status: 1,
    site_id: 1,
    jurisdiction_path: 1,
    parent_tube_id: 1,
    scan_count: 1,
    open_client_id: 1,
    opened_by: 1,
    opened_by_name: 1,
    opened_at: 1,
    closed_at: 1,
    closed_reason: 1,
    close_client_id: 1,
    box_code: 1,
    received_at: 1,
    received_by: 1,
    result: 1,
    ct_orf1ab: 1,
    ct_n: 1,
    result_at: 1,
    lab: 1,
    created_at: 1,
    updated_at: 1,
  },
  testing_scans: {
    id: 1,
    campaign_id: 1,
    tube_id: 1,
    person_id: 1,
    jurisdiction_path: 1,
    name_masked: 1,
    method: 1,
    client_id: 1,
    counted: 1,
    recheck: 1,
    sampler_id: 1,
    sampler_name: 1,
    scanned_at: 1,
    recorded_at: 1,
  },
  testing_results: {
    id: 1,
    tube_id: 1,
    result: 1,
    ct_orf1ab: 1,
    ct_n: 1,
    resulted_at: 1,
    lab: 1,
    source: 1,
    effective: 1,
    reported_by: 1,
    reported_by_name: 1,
    reported_at: 1,
  },
  testing_flags: {
    id: 1,
    campaign_id: 1,
    kind: 1,
    subject_key: 1,
    tube_id: 1,
    person_id: 1,
    jurisdiction_path: 1,
    detail: 1,
    occurrences: 1,
    created_at: 1,
    last_seen_at: 1,
    reviewed_at: 1,
    reviewed_by: 1,
    reviewed_by_name: 1,
    review_note: 1,
  },
  testing_rechecks: {
    id: 1,
    campaign_id: 1,
    parent_tube_id: 1,
    tube_id: 1,
    person_id: 1,
    jurisdiction_path: 1,
    name_masked: 1,
    status: 1,
    control_applied: 1,
    task_id: 1,
    unit_id: 1,
    due_at: 1,
    escalated_at: 1,
    created_at: 1,
    resolved_at: 1,
    handover_at: 1,
    handover_ack_at: 1,
    handover_ref: 1,
  },
  testing_home_sampling: { campaign_id: 1, person_id: 1, task_id: 1, jurisdiction_path: 1, created_at: 1 },
  testing_lookup_versions: { person_id: 1, version: 1 },
};
