import type { ColumnsOf } from '../../db/columns.js';
import type { BasisType } from '../../../common/control.js';
import type { QuarantineMode, RoomStatus, StayCategory, StayPhase } from '../../../common/quarantine.js';

/** A stay's state (quarantine_stays.status). */
export type StayStatus = 'active' | 'released';
/** The stored phase: a planned phase, or `ended` (past the last boundary, not yet released). */
export type StoredStayPhase = StayPhase | 'ended';
/** A test day's result (null: pending). */
export type StayTestResult = 'negative' | 'positive';
/** scheduled (a preset test day) · admission (入住检测). */
export type StayTestKind = 'scheduled' | 'admission';
/** An early-release request's state. */
export type ReleaseRequestStatus = 'pending' | 'approved' | 'rejected' | 'void';

/** A central quarantine facility (集中隔离场所) with occupancy counters kept in the same transaction as each change. */
export interface QuarantineFacilitiesTable {
  id: string;
  name: string;
  jurisdiction_id: string;
  /** Jurisdiction path of the facility's location (scoping). */
  jurisdiction_path: string;
  address: string;
  lng: number | null;
  lat: number | null;
  staff_count: number;
  /** The unit that runs the facility (test-day tasks go to it); null: the nearest unit above the location. */
  unit_id: string | null;
  /** 0/1 */
  active: number;
  rooms_total: number;
  rooms_available: number;
  rooms_occupied: number;
  rooms_cleaning: number;
  rooms_out_of_service: number;
  /** Sum of room capacities (rooms out of service included). */
  beds_total: number;
  /** Persons currently in a room of this facility. */
  occupants: number;
  created_at: number;
  updated_at: number;
}

/** A room of a facility. Status: available · occupied · cleaning · out_of_service. */
export interface QuarantineRoomsTable {
  id: string;
  facility_id: string;
  number: string;
  floor: number;
  /** Persons the room holds (usually 1). */
  capacity: number;
  status: RoomStatus;
  occupants: number;
  created_at: number;
  updated_at: number;
}

/** One person's quarantine stay, computed from the preset active when it was assigned (version kept). */
export interface QuarantineStaysTable {
  id: string;
  person_id: string;
  /** The person's jurisdiction path when assigned (scoping). */
  person_path: string;
  /** central · home */
  mode: QuarantineMode;
  /** Contact category whose preset rule applies: close · secondary, or a traveller category */
  category: StayCategory;
  facility_id: string | null;
  facility_path: string | null;
  room_id: string | null;
  /** active · released */
  status: StayStatus;
  /** central · home_quarantine · home_monitoring · ended (past the last boundary, not yet released) */
  phase: StoredStayPhase;
  /** JSON [{ phase, days, endsAt }] in order. */
  phases: string;
  basis_type: BasisType;
  basis_id: string;
  reason: string;
  preset_id: string;
  preset_key: string;
  preset_version: string;
  /** The preset's day-counting rule: 0 = exposure day is day 0, 1 = it is day 1. */
  first_day: number;
  /** YYYY-MM-DD (BULWARK_TZ): last exposure, or entry when unknown. */
  exposure_day: string;
  /** YYYY-MM-DD: the last day of the stay. */
  end_day: string;
  total_days: number;
  /** Epoch ms the whole stay ends (end of end_day in BULWARK_TZ). */
  ends_at: number;
  /** Unit responsible (facility unit, or the person's community unit for home stays). */
  owner_unit_id: string | null;
  /** When the overdue-release alert went out (once per stay). */
  overdue_alerted_at: number | null;
  released_at: number | null;
  release_reason: string | null;
  /** 1 when released before its criteria were met, with a reason. */
  release_override: number;
  /** YYYY-MM-DD (BULWARK_TZ) the person was placed; test days before it are not applicable. */
  placed_day: string | null;
  /** The point-to-point transfer task (点对点转运) when the central phase ended; the phase moves when it is recorded done. */
  transfer_task_id: string | null;
  /** The one task asking for a pending last result (the overdue check creates no other). */
  result_task_id: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A scheduled test day of a stay. Result: null (pending) · negative · positive. */
export interface QuarantineTestsTable {
  id: string;
  stay_id: string;
  /** Day number in the stay (preset counting). */
  day: number;
  date: string;
  due_at: number;
  task_id: string | null;
  result: StayTestResult | null;
  recorded_at: number | null;
  recorded_by: string | null;
  /** scheduled (a preset test day) · admission (入住检测, scheduled at once for a person placed late) */
  kind: StayTestKind;
  /** 1: the person was placed after this day (不适用（入住晚于该日）); never blocks release. */
  not_applicable: number;
}

/**
 * An early-release request (提前解除申请): a stay released before its criteria are met needs a reason
 * and a second person holding `quarantine.release-early` to approve it; the release happens then.
 */
export interface QuarantineReleaseRequestsTable {
  id: string;
  stay_id: string;
  person_id: string;
  /** The stay's person path and facility path when requested (scoping, as for the stay). */
  person_path: string;
  facility_path: string | null;
  /** pending · approved · rejected · void (the stay was released otherwise first) */
  status: ReleaseRequestStatus;
  reason: string;
  /** User id (or `system:<name>`) of the requester; the decider must differ. */
  requested_by: string;
  /** The user's display name (a system component's name), shown to the approvers; never a resident's data. */
  requested_by_name: string;
  requested_at: number;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: number | null;
  decision_note: string | null;
}

export interface QuarantineTables {
  quarantine_facilities: QuarantineFacilitiesTable;
  quarantine_rooms: QuarantineRoomsTable;
  quarantine_stays: QuarantineStaysTable;
  quarantine_tests: QuarantineTestsTable;
  quarantine_release_requests: QuarantineReleaseRequestsTable;
}

export const quarantineColumns: ColumnsOf<QuarantineTables> = {
  quarantine_facilities: {
    id: 1,
    name: 1,
    jurisdiction_id: 1,
    jurisdiction_path: 1,
    address: 1,
    lng: 1,
    lat: 1,
    staff_count: 1,
    unit_id: 1,
    active: 1,
    rooms_total: 1,
    rooms_available: 1,
    rooms_occupied: 1,
    rooms_cleaning: 1,
    rooms_out_of_service: 1,
    beds_total: 1,
    occupants: 1,
    created_at: 1,
    updated_at: 1,
  },
  quarantine_rooms: { id: 1, facility_id: 1, number: 1, floor: 1, capacity: 1, status: 1, occupants: 1, created_at: 1, updated_at: 1 },
  quarantine_stays: {
    id: 1,
    person_id: 1,
    person_path: 1,
    mode: 1,
    category: 1,
    facility_id: 1,
    facility_path: 1,
    room_id: 1,
    status: 1,
    phase: 1,
    phases: 1,
    basis_type: 1,
    basis_id: 1,
    reason: 1,
    preset_id: 1,
    preset_key: 1,
    preset_version: 1,
    first_day: 1,
    exposure_day: 1,
    end_day: 1,
    total_days: 1,
    ends_at: 1,
    owner_unit_id: 1,
    overdue_alerted_at: 1,
    released_at: 1,
    release_reason: 1,
    release_override: 1,
    placed_day: 1,
    transfer_task_id: 1,
    result_task_id: 1,
    created_by: 1,
    created_at: 1,
    updated_at: 1,
  },
  quarantine_tests: { id: 1, stay_id: 1, day: 1, date: 1, due_at: 1, task_id: 1, result: 1, recorded_at: 1, recorded_by: 1, kind: 1, not_applicable: 1 },
  quarantine_release_requests: {
    id: 1,
    stay_id: 1,
    person_id: 1,
    person_path: 1,
    facility_path: 1,
    status: 1,
    reason: 1,
    requested_by: 1,
    requested_by_name: 1,
    requested_at: 1,
    decided_by: 1,
    decided_by_name: 1,
    decided_at: 1,
    decision_note: 1,
  },
};
