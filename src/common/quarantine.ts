/**
 * Quarantine (隔离): the vocabulary the server's quarantine module and the web share (values only;
 * the request and response shapes are the zod schemas in quarantine.schemas.ts).
 */

/** The phases a stay moves through, in order. `ended`: past the last boundary but not yet released. */
export const STAY_PHASES = ['central', 'home_quarantine', 'home_monitoring'] as const;
export type StayPhase = (typeof STAY_PHASES)[number];

/** A room's state: `occupied` follows assignments only; the others are set by hand when the room is empty. */
export const ROOM_STATUS_LIST = ['available', 'occupied', 'cleaning', 'out_of_service'] as const;
export type RoomStatus = (typeof ROOM_STATUS_LIST)[number];

export type QuarantineMode = 'central' | 'home';
/** Traveller categories (来返、入境、高风险岗位人员) with a preset schedule. */
export const TRAVELLER_CATEGORY_LIST = ['high_risk_area', 'medium_risk_area', 'low_risk_area', 'inbound_international', 'high_risk_occupation'] as const;
export type TravellerCategory = (typeof TRAVELLER_CATEGORY_LIST)[number];
/** Whose preset rule a stay follows: a contact category or a traveller category. */
export const STAY_CATEGORY_LIST = ['close', 'secondary', ...TRAVELLER_CATEGORY_LIST] as const;
export type StayCategory = (typeof STAY_CATEGORY_LIST)[number];

// The response shapes are the zod schemas in src/server/modules/quarantine/quarantine.schemas.ts (with
// their inferred types: FacilityDto, StayDto, StayPlanDto, ReleaseRequestDto, …).

/** Text limits of the quarantine requests (characters). */
export const QUARANTINE_LIMITS = {
  facilityName: 200,
  address: 500,
  /** Why a person is placed, or a stay should end early (journaled). */
  reason: 1000,
  note: 1000,
} as const;
