import { defineErrors } from '../../platform/errors.js';

/**
 * The testing module's error catalogue. The "errors" of issue 5's table (rejected with the reason,
 * nothing written) are BARCODE_MALFORMED / TUBE_NOT_FOUND (unknown or malformed barcode),
 * PERSON_OUTSIDE_CAMPAIGN, TUBE_ALREADY_CLOSED, TUBE_NOT_FOUND / TUBE_NOT_RECEIVED (a result for an
 * unknown tube or one not yet received) and CT_OUT_OF_RANGE.
 */
export const TestingErrors = defineErrors({
  CAMPAIGN_NOT_FOUND: [404, 'No such testing campaign'],
  CAMPAIGN_INVALID: [422, 'The campaign is not valid; see details'],
  CAMPAIGN_SCOPE_INVALID: [422, 'Each jurisdiction of the scope must exist and lie inside your own'],
  CAMPAIGN_NOT_PLANNED: [409, 'Only a planned campaign can be activated or changed'],
  CAMPAIGN_NOT_ACTIVE: [409, 'The campaign is not active'],
  POOL_SIZE_INVALID: [422, 'A pool holds 1, 5, 10 or 20 persons'],
  SITE_NOT_FOUND: [404, 'No such sampling site'],
  SITE_INVALID: [422, 'The sampling site is not valid; see details'],
  SITE_INACTIVE: [409, 'The sampling site is closed'],
  SITE_OUTSIDE_CAMPAIGN: [422, 'The sampling site serves no part of the campaign\'s scope'],
  BARCODE_MALFORMED: [422, 'A tube barcode is 8–20 upper-case letters and digits'],
  TUBE_NOT_FOUND: [404, 'Unknown tube barcode'],
  TUBE_BARCODE_IN_USE: [409, 'A tube with this barcode is already used in this campaign'],
  TUBE_KIND_INVALID: [409, 'A single-tube recheck is sampled through its recheck, not scanned into'],
  TUBE_CLOSED: [409, 'The tube is closed; open a new tube'],
  TUBE_ALREADY_CLOSED: [409, 'The tube is already closed'],
  TUBE_EMPTY: [409, 'The tube holds no sample'],
  TUBE_NOT_RECEIVED: [409, 'The lab has not received this tube yet'],
  TUBE_NOT_RESULTED: [409, 'The tube has no result to correct'],
  PERSON_IDENTIFIER_REQUIRED: [422, 'Give a resident code or an ID number'],
  PERSON_NOT_FOUND: [404, 'No person with this resident code or ID number'],
  RESIDENT_CODE_UNSUPPORTED: [501, 'Resident codes cannot be verified on this server yet'],
  PERSON_OUTSIDE_CAMPAIGN: [422, 'The person does not live within the campaign\'s scope'],
  RESULT_INVALID: [422, 'A result is negative, positive, suspicious or invalid, with a lab and a time not in the future'],
  CT_OUT_OF_RANGE: [422, 'Ct values lie between 0 and 45'],
  RESULT_CORRECTION_UNSUPPORTED: [422, 'A recheck result can only be corrected between negative, positive and suspicious'],
  RECHECK_NOT_FOUND: [404, 'No such recheck'],
  RECHECK_NOT_AWAITING: [409, 'This recheck is not waiting to be sampled'],
  RECHECK_PERSON_MISMATCH: [422, 'The person scanned is not the person this recheck is for'],
  HANDOVER_NOT_PENDING: [409, 'This recheck is not waiting to be taken over by the cases module'],
  FLAG_NOT_FOUND: [404, 'No such flag'],
  FLAG_ALREADY_REVIEWED: [409, 'This flag has already been reviewed'],
  BATCH_TOO_LARGE: [413, 'A batch holds at most 2,000 items'],
  BATCH_CLIENT_ID_DUPLICATE: [422, 'Each item of a batch needs its own clientId'],
  IMPORT_INVALID: [422, 'Some rows are not valid; nothing was written (see details, or send mode=partial)'],
  IMPORT_EMPTY: [422, 'The file holds no rows'],
  IMPORT_HEADER_INVALID: [422, 'The header must name the columns barcode, result and lab (time and Ct values optional)'],
  RECEIVE_INVALID: [422, 'Some tubes cannot be received; nothing was written (see details, or send mode=partial)'],
  JURISDICTION_NOT_FOUND: [404, 'No such jurisdiction'],
  LOOKUP_RATE_LIMITED: [429, 'Too many lookups; retry shortly'],
  LOOKUP_BUSY: [503, 'The result lookup is busy; retry shortly'],
  NO_UNIT_FOR_TASK: [422, 'No active unit covers this jurisdiction'],
});

export type TestingErrorCode = Exclude<keyof typeof TestingErrors, 'codes'>;
