/**
 * The population module's public face: its port and the helpers other modules may import.
 * Anything not exported here is internal to src/server/modules/population.
 */
export type { PersonBrief, PersonInput, PersonView, PlaceRef } from './population.types.js';
export { maskName } from './names.js';
export { normalizeIdNumber } from './protect.js';
export { parseResidentCodeShape } from './resident-code.js';
export { makeResidentId } from './resident-id.js';
export { withUpload } from './upload.js';
