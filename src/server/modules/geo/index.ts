/** What other modules may use of geo (the boundary rule in .dependency-cruiser.cjs): import it from here. */
export { canReadJurisdiction, type NewJurisdiction } from './geo.service.js';
export type { Ring } from './geometry.js';
