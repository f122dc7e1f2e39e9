import { defineErrors } from '../../platform/errors.js';

/** The zoning module's error catalogue (risk areas, proposals, lifting, the 一刀切 detector). */
export const ZoningErrors = defineErrors({
  ZONING_AREA_NOT_FOUND: [404, 'Risk area not found'],
  ZONING_NODE_NOT_FOUND: [404, 'Jurisdiction node not found'],
  ZONING_NODE_LEVEL_INVALID: [422, 'An area covers entrances, buildings, compounds, communities or streets, not a district or the city'],
  ZONING_NODES_REQUIRED: [422, 'An area must cover at least one place'],
  ZONING_BASIS_REQUIRED: [422, 'An area must rest on at least one case or contact (its basis)'],
  ZONING_BASIS_NOT_FOUND: [422, 'A case or contact cited as basis does not exist'],
  ZONING_LEVEL_NOT_IN_PRESET: [422, 'The active protocol preset has no such risk level'],
  ZONING_GRANULARITY_UNAVAILABLE: [422, 'The map has no places at this finer level under the given node (e.g. no entrances recorded for the building)'],
  ZONING_NOT_PROPOSED: [409, 'Only a proposed area can be changed, published or rejected'],
  ZONING_NOT_PUBLISHED: [409, 'Only a published area can be stepped down, lifted or justified'],
  ZONING_NO_STEP: [409, "The preset's lifting schedule has no step from this level; lift it with override and a reason"],
  ZONING_STEP_NOT_DUE: [422, 'The lifting step is not due yet; act early only with override and a reason'],
  ZONING_ACTIVE_CASE_INSIDE: [422, 'A case in treatment lives inside this area; lifting or stepping it down needs override and a reason'],
  ZONING_NEGATIVE_ROUND_REQUIRED: [
    422,
    'This step needs the negative lifting round of everyone in the area (details.round names the round, its campaign and its numbers): everyone sampled, every result negative',
  ],
  ZONING_COUNTY_NOT_CLEAR: [409, 'A low area is lifted only when every high and medium area of its county/district has been lifted (details.areas)'],
  ZONING_SECOND_PERSON_REQUIRED: [
    422,
    'This area needs a second person: it was not proposed from case evidence, or it covers more people than the bulk threshold; its proposer cannot publish it',
  ],
  ZONING_EXTENSION_NOT_FOUND: [404, 'Extension proposal not found'],
  ZONING_EXTENSION_DECIDED: [409, 'This extension proposal has already been decided'],
  ZONING_JUSTIFICATION_REQUIRED: [422, 'The 一刀切 detector flags this area: publishing or keeping it needs a recorded justification'],
  ZONING_THRESHOLD_INVALID: [422, 'The ratio threshold must be a number of at least 1'],
  ZONING_PUBLIC_BUSY: [503, 'The public risk-area list is busy; retry shortly'],
});
