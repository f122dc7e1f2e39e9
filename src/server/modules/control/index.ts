/**
 * What the control module publishes to other modules: its port (the service's callable surface),
 * the status rules and vocabularies, the error catalogue and the DTO types. Other modules import
 * from here, never from control's repository, tables or sub-services.
 */
export type { ControlPort } from './control.port.js';
export * from './control.rules.js';
export {
  BACK_TO_AREA_MEASURE_REASON,
  BULK_THRESHOLD_SETTING,
  BULK_WINDOW_MS,
  ControlErrors,
  DEFAULT_BULK_THRESHOLD,
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
export { ReviewErrors, REVIEW_MIN_TEXT, type CreateReviewInput } from './control-reviews.service.js';
