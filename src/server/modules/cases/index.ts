/** What other modules may use of cases (the boundary rule in .dependency-cruiser.cjs): import it from here. */
export { contactBody } from './cases.schemas.js';
export type { ContactInput } from './cases.types.js';
export type { PresetParams } from './presets.schema.js';
export { SHIPPED_PRESETS } from './presets.schema.js';
export type { PresetDto } from './cases.schemas.js';
