import type { ColumnsOf } from '../../db/columns.js';
import type { JurisdictionLevel } from '../../../common/geo.js';
import type { AreaEventKind, AreaStatus, ExtensionStatus, Granularity, RiskLevel } from '../../../common/zoning.js';

/**
 * A risk area (风险区): a set of jurisdiction nodes at one level with measures, drawn from cases and
 * contacts. Proposed → published → stepped down → lifted, or rejected. Every change also writes a
 * zoning_area_events row and a journal entry in the same transaction.
 */
export interface ZoningAreasTable {
  id: string;
  name: string;
  /** proposed · published · lifted · rejected */
  status: AreaStatus;
  /** high · medium · low (one of the preset's levels) */
  level: RiskLevel;
  /** The coarsest jurisdiction level among its nodes (entrance … street). */
  granularity: Granularity;
  /** JSON array of MeasureKind. */
  measures: string;
  /** JSON array of case ids (the basis). */
  basis_case_ids: string;
  /** JSON array of contact ids (the basis). */
  basis_contact_ids: string;
  /** Common path of its nodes (scope). */
  jurisdiction_path: string;
  /** The district (depth 2) path, for roll-ups; the common path when the area spans districts. */
  district_path: string;
  node_count: number;
  /** Residents of the covered nodes when last changed (the detector recounts live). */
  population: number;
  preset_id: string;
  /** `key@vN` of the preset in force when proposed; kept. */
  preset_version: string;
  preset_name: string;
  /** proposal (generated from places) · manual */
  source: 'proposal' | 'manual';
  /** For generated proposals: `<preset label>|<node path>` so one place is proposed once while open. */
  source_key: string | null;
  proposed_by: string | null;
  proposed_by_name: string;
  proposed_at: number;
  /** Publishing is the approval: the publisher is recorded as approver and publisher. */
  published_by: string | null;
  published_by_name: string | null;
  published_at: number | null;
  /** The unit of the publisher: lift tasks go to it. */
  owner_unit_id: string | null;
  /** When the current level began (publication or the last step). */
  level_since: number | null;
  lifted_by: string | null;
  lifted_by_name: string | null;
  lifted_at: number | null;
  rejected_by: string | null;
  rejected_by_name: string | null;
  rejected_at: number | null;
  reject_reason: string | null;
  /** A recorded reason to keep a flagged area (一刀切 detector). */
  justification: string | null;
  justified_by_name: string | null;
  justified_at: number | null;
  /**
   * LEGACY (before issue 13): a typed confirmation of a negative round. No longer written or read:
   * the lifting round is a real testing campaign (round_campaign_id). Kept for old rows' history.
   */
  negative_round_at: number | null;
  negative_round_note: string | null;
  /** `<level>|<round day YYYY-MM-DD>` the lifting round campaign was made for (a reset makes a new one). */
  round_key: string | null;
  /** The lifting round: a testing campaign over the area's nodes, created by the lifting schedule. */
  round_campaign_id: string | null;
  /** The latest case that (re)started the countdown, as last seen by the job (for the reset event). */
  last_case_id: string | null;
  last_case_at: number | null;
  /** The lift task made for the current level's step, and the level it was made for. */
  lift_task_id: string | null;
  lift_task_level: RiskLevel | null;
  /** The level for which the past-lifting-date alert was sent. */
  overdue_alert_level: RiskLevel | null;
  created_at: number;
  updated_at: number;
}

/** A node an area covers. */
export interface ZoningAreaNodesTable {
  area_id: string;
  jurisdiction_id: string;
  path: string;
  /** Jurisdiction level of the node. */
  level: JurisdictionLevel;
}

/**
 * The area history: one row per change with a snapshot of status, level and nodes, each journaled
 * (journal_seq). The map "as of" a past day is rebuilt from these rows.
 */
export interface ZoningAreaEventsTable {
  id: string;
  area_id: string;
  kind: AreaEventKind;
  status: AreaStatus;
  level: RiskLevel;
  /** JSON array of the covered jurisdiction ids after the change. */
  node_ids: string;
  /** JSON object of extra facts. */
  details: string;
  reason: string | null;
  jurisdiction_path: string;
  actor_id: string | null;
  actor_name: string;
  at: number;
  journal_seq: number | null;
}

/**
 * A proposal to extend an area's countdown: a new case within the preset's "near" distance (一区一策:
 * the texts leave it to the local HQ). proposed → accepted (the countdown restarts from the case) or
 * rejected, by a person with a reason; journaled.
 */
export interface ZoningExtensionsTable {
  id: string;
  area_id: string;
  case_id: string;
  case_confirmed_at: number;
  /** Metres from the case's residence to the nearest node of the area (centroids). */
  distance_m: number;
  /** JSON object: the evidence shown to the person deciding (case, where, distance, preset). */
  evidence: string;
  /** proposed · accepted · rejected */
  status: ExtensionStatus;
  jurisdiction_path: string;
  created_at: number;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: number | null;
  decision_reason: string | null;
}

/** Zoning settings and the public list version (one row per key; the version is shared by every process). */
export interface ZoningMetaTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface ZoningTables {
  zoning_areas: ZoningAreasTable;
  zoning_area_nodes: ZoningAreaNodesTable;
  zoning_area_events: ZoningAreaEventsTable;
  zoning_meta: ZoningMetaTable;
  zoning_extensions: ZoningExtensionsTable;
}

export const zoningColumns: ColumnsOf<ZoningTables> = {
  zoning_areas: {
    id: 1,
    name: 1,
    status: 1,
    level: 1,
    granularity: 1,
    measures: 1,
    basis_case_ids: 1,
    basis_contact_ids: 1,
    jurisdiction_path: 1,
    district_path: 1,
    node_count: 1,
    population: 1,
    preset_id: 1,
    preset_version: 1,
    preset_name: 1,
    source: 1,
    source_key: 1,
    proposed_by: 1,
    proposed_by_name: 1,
    proposed_at: 1,
    published_by: 1,
    published_by_name: 1,
    published_at: 1,
    owner_unit_id: 1,
    level_since: 1,
    lifted_by: 1,
    lifted_by_name: 1,
    lifted_at: 1,
    rejected_by: 1,
    rejected_by_name: 1,
    rejected_at: 1,
    reject_reason: 1,
    justification: 1,
    justified_by_name: 1,
    justified_at: 1,
    negative_round_at: 1,
    negative_round_note: 1,
    round_key: 1,
    round_campaign_id: 1,
    last_case_id: 1,
    last_case_at: 1,
    lift_task_id: 1,
    lift_task_level: 1,
    overdue_alert_level: 1,
    created_at: 1,
    updated_at: 1,
  },
  zoning_area_nodes: { area_id: 1, jurisdiction_id: 1, path: 1, level: 1 },
  zoning_area_events: {
    id: 1,
    area_id: 1,
    kind: 1,
    status: 1,
    level: 1,
    node_ids: 1,
    details: 1,
    reason: 1,
    jurisdiction_path: 1,
    actor_id: 1,
    actor_name: 1,
    at: 1,
    journal_seq: 1,
  },
  zoning_meta: { key: 1, value: 1, updated_at: 1 },
  zoning_extensions: {
    id: 1,
    area_id: 1,
    case_id: 1,
    case_confirmed_at: 1,
    distance_m: 1,
    evidence: 1,
    status: 1,
    jurisdiction_path: 1,
    created_at: 1,
    decided_by: 1,
    decided_by_name: 1,
    decided_at: 1,
    decision_reason: 1,
  },
};
