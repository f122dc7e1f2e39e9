/**
 * What the quarantine module publishes to other modules: its port (the service's callable surface),
 * the stay arithmetic (plan, day counter), the preset rule lookup, the error catalogue and the
 * types. Other modules import from here, never from quarantine's repository, tables or sub-services.
 */
export type { QuarantinePort } from './quarantine.port.js';
export { type PlannedPhase, type StayPhase } from './quarantine.plan.js';
export {
  type ActivePreset,
  type AssignInput,
  type BasisFacts,
  type BasisFactsSource,
  type FacilityInput,
  type PresetSource,
  type RoomStatus,
} from './quarantine.shared.js';
export type { FacilityDto, OccupancyDto, RoomDto, StayDto, StayPlanDto, StayTestDto } from './quarantine.schemas.js';
