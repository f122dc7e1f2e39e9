/**
 * Quarantine (隔离): the response shapes the server's quarantine module returns and the web shows.
 * One definition for both (types and a few vocabulary lists; nothing of the server reaches the bundle).
 */
// Type-only: the basis shape is the server's zod schema (no server code in the bundle).
import type { Basis } from '../server/modules/control/control.schemas.js';

/** The phases a stay moves through, in order. `ended`: past the last boundary but not yet released. */
export const STAY_PHASES = ['central', 'home_quarantine', 'home_monitoring'] as const;
export type StayPhase = (typeof STAY_PHASES)[number];

/** A room's state: `occupied` follows assignments only; the others are set by hand when the room is empty. */
export const ROOM_STATUS_LIST = ['available', 'occupied', 'cleaning', 'out_of_service'] as const;
export type RoomStatus = (typeof ROOM_STATUS_LIST)[number];

export type QuarantineMode = 'central' | 'home';
export type ContactCategory = 'close' | 'secondary';
/** Traveller categories (来返、入境、高风险岗位人员) with a preset schedule. */
export const TRAVELLER_CATEGORY_LIST = ['high_risk_area', 'medium_risk_area', 'low_risk_area', 'inbound_international', 'high_risk_occupation'] as const;
export type TravellerCategory = (typeof TRAVELLER_CATEGORY_LIST)[number];
/** Whose preset rule a stay follows: a contact category or a traveller category. */
export const STAY_CATEGORY_LIST = ['close', 'secondary', ...TRAVELLER_CATEGORY_LIST] as const;
export type StayCategory = (typeof STAY_CATEGORY_LIST)[number];

export interface PlannedPhase {
  phase: StayPhase;
  days: number;
  /** Last day number of the phase (inclusive). */
  lastDay: number;
  /** Epoch ms the phase ends: the end of its last day in the configured zone. */
  endsAt: number;
}

export interface OccupancyDto {
  roomsTotal: number;
  /** Rooms free for a new person (status available). */
  roomsAvailable: number;
  roomsOccupied: number;
  roomsCleaning: number;
  roomsOutOfService: number;
  bedsTotal: number;
  occupants: number;
}

export interface FacilityDto {
  id: string;
  name: string;
  jurisdictionId: string;
  jurisdictionPath: string;
  address: string;
  lng: number | null;
  lat: number | null;
  staffCount: number;
  unitId: string | null;
  active: boolean;
  occupancy: OccupancyDto;
  createdAt: number;
  updatedAt: number;
}

export interface RoomDto {
  id: string;
  facilityId: string;
  number: string;
  floor: number;
  capacity: number;
  status: RoomStatus;
  occupants: number;
}

export type FacilityDetailDto = FacilityDto & { rooms: RoomDto[] };

export interface StayTestDto {
  day: number;
  date: string;
  dueAt: number;
  taskId: string | null;
  result: 'negative' | 'positive' | null;
  recordedAt: number | null;
  /** scheduled: a preset test day; admission: 入住检测 for a person placed after a test day. */
  kind: 'scheduled' | 'admission';
  /** The person was placed after this day: 不适用（入住晚于该日）. Never blocks release. */
  notApplicable: boolean;
}

export interface StayDto {
  id: string;
  personId: string;
  jurisdictionPath: string;
  mode: QuarantineMode;
  category: StayCategory;
  facilityId: string | null;
  roomId: string | null;
  status: 'active' | 'released';
  phase: StayPhase | 'ended' | 'released';
  phases: PlannedPhase[];
  basis: Basis;
  reason: string;
  preset: { id: string; key: string; version: string };
  firstDay: 0 | 1;
  exposureDay: string;
  endDay: string;
  endsAt: number;
  /** Today's day number and the total ("第 3 天 / 共 10 天"), clamped to the stay: never "day 13 of 10". */
  dayCounter: { day: number; total: number; ended: boolean; label: string };
  /** The day the person was placed (test days before it are not applicable). */
  placedDay: string | null;
  /** Point-to-point transfer (点对点转运) from central to home: due once the central phase ended; its task. */
  transfer: { due: boolean; taskId: string | null };
  /** The one task asking for a result still pending after the end. */
  resultTaskId: string | null;
  overdue: boolean;
  overdueAlertedAt: number | null;
  ownerUnitId: string | null;
  releasedAt: number | null;
  releaseReason: string | null;
  releaseOverride: boolean;
  tests: StayTestDto[];
  createdAt: number;
  /** Filled on reads (list, one stay): the person's masked name, the facility's name and the room number. */
  personNameMasked?: string | null;
  facilityName?: string | null;
  roomNumber?: string | null;
}

/** What a stay would be if assigned now under the active preset (the assign dialog shows it before saving). */
export interface StayPlanDto {
  preset: { id: string; key: string; version: string; name: string };
  mode: QuarantineMode;
  category: StayCategory;
  firstDay: 0 | 1;
  exposureDay: string;
  phases: PlannedPhase[];
  totalDays: number;
  endDay: string;
  endsAt: number;
  tests: { day: number; date: string; dueAt: number; notApplicable: boolean }[];
  /** Placement day if assigned now. */
  placedDay: string;
  /** Whether an admission test (入住检测) would be scheduled at once (placed after a test day). */
  admissionTest: boolean;
}

/** An early-release request (提前解除申请): approved by a second person holding `quarantine.release-early`. */
export interface ReleaseRequestDto {
  id: string;
  stayId: string;
  personId: string;
  /** pending · approved (the stay was released then) · rejected · void (the stay was released otherwise first) */
  status: 'pending' | 'approved' | 'rejected' | 'void';
  reason: string;
  requestedBy: string;
  /** Display name of the requester (staff, never a resident). */
  requestedByName: string;
  requestedAt: number;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  /** Whether the caller may decide it (holds the capability and is not the requester). */
  canDecide: boolean;
  personNameMasked?: string | null;
}

/** Text limits of the quarantine requests (characters). */
export const QUARANTINE_LIMITS = {
  facilityName: 200,
  address: 500,
  /** Why a person is placed, or a stay should end early (journaled). */
  reason: 1000,
  note: 1000,
} as const;
