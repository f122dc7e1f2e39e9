import type { Capability } from '../../../common/roles.js';

// Which capabilities open which zoning views and actions (the server enforces the same, see the
// route table in src/common/zoning.ts).

/** Make proposals and adjust them. */
export const PROPOSE_CAPS: readonly Capability[] = ['area.propose'];
/** Publish, reject, step down, lift, justify, set the detector threshold. */
export const PUBLISH_CAPS: readonly Capability[] = ['area.publish'];
