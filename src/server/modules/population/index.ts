/**
 * The population module's public face: its port and the helpers other modules may import.
 * Anything not exported here is internal to src/server/modules/population.
 */
export type { PopulationPort } from './population.port.js';
export type { IssuedResidentCode, MergeHandler, PersonBrief, PersonDetail, PersonInput, PersonListQuery, PersonView, PlaceRef } from './population.types.js';
export { maskName } from './names.js';
export { normalizeIdNumber } from './protect.js';
export { parseResidentCodeShape } from './resident-code.js';
export { makeResidentId } from './resident-id.js';
export { withUpload } from './upload.js';
