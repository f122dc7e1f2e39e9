/**
 * What the control module publishes to other modules: its port (the service's callable surface),
 * the status rules and vocabularies, the error catalogue and the DTO types. Other modules import
 * from here, never from control's repository, tables or sub-services.
 */
export type { ControlPort } from './control.port.js';
export * from './control.rules.js';
export {
  BULK_WINDOW_MS,
  type AreaMeasureResolver,
  type AutomaticInput,
  type AutomaticResult,
  type BasisValidator,
  type ChangeInput,
  type RequestChangeResult,
  type ActorRef,
  type BulkRequestDto,
  type ControlStatusDto,
  type ControlSummaryDto,
  type ExplanationDto,
  type MeasureOrReleased,
  type StatusChangeDto,
} from './control.shared.js';
export type { CreateReviewInput } from './control.types.js';
