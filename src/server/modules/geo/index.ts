/**
 * The geo module's public face: its port and the helpers other modules may import. Anything not
 * exported here is internal to src/server/modules/geo.
 */
export type { NewJurisdiction } from './geo.shared.js';
export { GeoErrors, canReadJurisdiction } from './geo.shared.js';
export * from './geometry.js';
