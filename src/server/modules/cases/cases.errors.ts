import { defineErrors } from '../../platform/errors.js';

/** The cases module's error catalogue (presets, cases, investigations, contacts, clusters, 协查). */
export const CasesErrors = defineErrors({
  PRESET_INVALID: [422, 'The preset is missing a required parameter or has an invalid one'],
  PRESET_NOT_FOUND: [404, 'Preset not found'],
  PRESET_ALREADY_ACTIVE: [409, 'This preset is already the active one'],
  CASE_NOT_FOUND: [404, 'Case not found'],
  CASE_PERSON_NOT_FOUND: [404, 'Person not found'],
  CASE_DUPLICATE_IN_CLUSTER: [409, 'This person already has a case in this cluster'],
  CASE_ALREADY_CONFIRMED: [409, 'This recheck has already been confirmed as a case'],
  RECHECK_NOT_POSITIVE: [422, 'Only a positive single-tube recheck can be confirmed as a case'],
  RECHECK_NOT_FOUND: [404, 'Recheck not found'],
  CHAIN_CYCLE: [422, 'This source would make a loop in the chain of transmission'],
  CASE_DATES_INVALID: [422, 'The dates are not valid (onset after report date, or in the future)'],
  CLUSTER_NOT_FOUND: [404, 'Cluster not found'],
  CONTACT_NOT_FOUND: [404, 'Contact not found'],
  CONTACT_IS_CASE: [422, 'A contact cannot be the case itself'],
  CONTACT_EXPOSURE_AFTER_REPORT: [422, "The exposure date lies after the case's report date"],
  CONTACT_CATEGORY_NOT_TRACED: [422, 'The active preset does not trace this contact category'],
  CONTACT_DUPLICATE: [409, 'This person is already a contact of this case'],
  CONTACT_PERSON_REQUIRED: [422, 'Name the person: an existing person, a new non-resident, or a person outside the city'],
  PLACE_INVALID: [422, 'A place needs a building or compound, or coordinates near one, and a time window'],
  ASSIST_NOT_FOUND: [404, 'Cross-region request not found'],
  ASSIST_TRANSITION_INVALID: [409, 'This cross-region request cannot move to that status'],
  TRAVELLER_NOT_FOUND: [404, 'Traveller not found'],
  TRAVELLER_ARRIVAL_INVALID: [422, 'The arrival day or test time lies in the future'],
  TRAVELLER_CATEGORY_NOT_APPLICABLE: [422, 'The active preset has no measure for this traveller category'],
});
