import type { Deps } from '../../deps.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { createCaseRecords } from './case-records.service.js';
import * as repo from './cases.repository.js';
import { createPresetService } from './presets.service.js';

export { CasesErrors } from './cases.errors.js';
export type { PresetDto } from './presets.service.js';
export type { CaseDto, CaseSpeed, SpeedMeasure } from './case-records.service.js';

/**
 * Cases, tracing and clusters (感染者、流调、密接、一起疫情) and the protocol presets they follow.
 * Created after testing and control: the confirmation flow reads rechecks and changes control status.
 */
export function createCasesService(deps: Deps) {
  const presets = createPresetService(deps);
  const records = createCaseRecords(deps, presets);

  deps.services.control.registerBasisValidator('case', async (db, id) => (await repo.casePath(db, id)) !== undefined);
  deps.services.control.registerBasisValidator('contact', async (db, id) => (await repo.contactPath(db, id)) !== undefined);
  const one = (find: (db: Deps['db'], id: string) => Promise<string | undefined>) => async (db: Deps['db'], id: string) => {
    const p = await find(db, id);
    return p ? [p] : undefined;
  };
  registerEntityScope('case', one(repo.casePath));

  return { presets, cases: records };
}
