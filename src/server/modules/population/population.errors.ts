import { defineErrors } from '../../platform/errors.js';
import { RESIDENT_ID_MESSAGES } from './resident-id.js';

export const PopulationErrors = defineErrors({
  PERSON_NOT_FOUND: [404, 'No such person'],
  HOUSEHOLD_NOT_FOUND: [404, 'No such household'],
  PERSON_ID_EXISTS: [409, 'A person with this identity document is already registered'],
  PERSON_INVALID: [422, 'Some persons are not valid; see details'],
  PERSON_NAME_INVALID: [422, 'A name is 1–50 characters'],
  PERSON_BIRTH_DATE_INVALID: [422, 'The birth date must be a real YYYY-MM-DD day, not in the future and from 1900'],
  ID_NUMBER_FORMAT: [422, 'The document number does not have the format of its type'],
  RESIDENT_ID_FORMAT: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_FORMAT],
  RESIDENT_ID_REGION: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_REGION],
  RESIDENT_ID_BIRTH_DATE: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_BIRTH_DATE],
  RESIDENT_ID_CHECKSUM: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_CHECKSUM],
  RESIDENT_ID_BIRTH_MISMATCH: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_BIRTH_MISMATCH],
  RESIDENT_ID_SEX_MISMATCH: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_SEX_MISMATCH],
  PHONE_FORMAT: [422, 'A phone number is an 11-digit mobile (1xxxxxxxxxx) or a landline with its area code'],
  PERSON_ADDRESS_REQUIRED: [422, 'A resident needs an address (building or entrance, and room) or a household'],
  PERSON_ADDRESS_NOT_FOUND: [422, 'The address or place of stay does not exist or is outside your jurisdiction'],
  PERSON_ADDRESS_LEVEL: [422, 'An address is a building or an entrance'],
  PERSON_HOUSEHOLD_NOT_FOUND: [422, 'The household does not exist or is outside your jurisdiction'],
  PERSON_HOUSEHOLD_MISMATCH: [422, "The address differs from the household's address"],
  PERSON_NON_RESIDENT_FIELDS: [422, 'A non-resident has no household or address: give jurisdictionId (place of stay) and regionOfOrigin'],
  PERSON_FIELD_EMPTY: [422, 'This person has no value for that field'],
  PERSON_TAGS_INVALID: [422, 'At most 20 tags of 1–30 characters'],
  PERSON_REGISTERED_ELSEWHERE: [422, 'This identity document is registered to a person outside your jurisdiction or as a resident; it cannot be changed here'],
  RESIDENT_CODE_INVALID: [
    422,
    'This is not a valid resident code (居民码): malformed, not signed by this platform, expired, or replaced by a newer one (details.problem)',
  ],
  PERSON_MERGE_SAME: [422, 'A person cannot be merged into itself'],
  PERSON_MERGE_ALREADY_MERGED: [409, 'One of the two records has already been merged into another'],
  PERSON_MERGE_DIRECTION: [422, 'A resident is never merged into a non-resident: merge the non-resident into the resident'],
  BUILDING_NOT_FOUND: [404, 'No such building in your jurisdiction'],
  SEARCH_PURPOSE_REQUIRED: [422, 'A search by a full ID or phone number needs a purpose (purpose): it is journaled like a reveal'],
  DISCLOSURE_RATE_LIMITED: [429, 'Too many reveals or exact-number searches; retry later'],
});

/** A population error code (a key of PopulationErrors). */
export type ErrorCode = Exclude<keyof typeof PopulationErrors, 'codes'>;
