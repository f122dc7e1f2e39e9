import type { Capability } from '../../../common/roles.js';

// Which capabilities open which zoning views and actions (the server enforces the same). The
// server's route table (src/common/zoning.ts) names area.read and area.propose as well; until
// those rows exist in src/common/roles.ts the workspace keys on area.publish alone.

/** Read areas, the map and the detector report. */
export const READ_CAPS: readonly Capability[] = ['area.publish'];
/** Make proposals and adjust them. */
export const PROPOSE_CAPS: readonly Capability[] = ['area.publish'];
/** Publish, reject, step down, lift, justify, set the detector threshold. */
export const PUBLISH_CAPS: readonly Capability[] = ['area.publish'];
