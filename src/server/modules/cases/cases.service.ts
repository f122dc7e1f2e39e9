import type { Deps } from '../../deps.js';
import { createPresetService } from './presets.service.js';

export { CasesErrors } from './cases.errors.js';
export type { PresetDto } from './presets.service.js';

/**
 * Cases, tracing and clusters (感染者、流调、密接、一起疫情) and the protocol presets they follow.
 * Created after testing and control: the confirmation flow reads rechecks and changes control status.
 */
export function createCasesService(deps: Deps) {
  const presets = createPresetService(deps);
  return { presets };
}
