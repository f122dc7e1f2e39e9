import type { Deps } from '../../deps.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { createMergeService } from './merge.service.js';
import { createPersonSearch } from './person-search.service.js';
import { createPersonWriter } from './person-writer.service.js';
import { createPopulationBase } from './population.shared.js';
import type { PopulationPort } from './population.port.js';
import * as repo from './population.repository.js';
import type { PopulationCore } from './population.types.js';
import { createResidentCodeService } from './resident-codes.service.js';
import { createPersonImport } from './import.js';
import { createPersonExport } from './export.js';
import type { PopulationService } from './population.types.js';

export { PERSON_CAPS } from './population.shared.js';
export { DISCLOSURE_LIMITS } from './person-search.service.js';
export { RESIDENT_CODE_RENEW_MS, RESIDENT_CODE_TTL_MS } from './resident-codes.service.js';
export type * from './population.types.js';

/**
 * Population (人口): persons and households, composed of sub-services along their seams: reads and
 * search with the journaled reveal (person-search), registration (person-writer), merges (merge)
 * and resident codes (resident-codes), plus imports and exports built on the writer. Other modules
 * call it through `PopulationPort` (population.port.ts).
 */
export function createPopulationService(deps: Deps): PopulationService {
  registerEntityScope('person', async (db, id) => {
    const m = await repo.pathsOf(db, [id]);
    const p = m.get(id);
    return p ? [p] : undefined;
  });
  registerEntityScope('household', async (db, id) => {
    const h = await repo.findHousehold(db, id);
    return h ? [h.jurisdiction_path] : undefined;
  });

  // The sub-services take narrow inputs; `deps.services` is read when they run (most services are created after this one).
  const base = createPopulationBase(deps);
  const merges = createMergeService(deps, base);
  const writer = createPersonWriter(deps, base, merges);
  const search = createPersonSearch(deps, base);
  const codes = createResidentCodeService(deps, base);
  const { keys, addressTexts, listPrefix, requireCap, today } = base;
  const core: PopulationCore = { keys, prepare: writer.prepare, write: writer.write, addressTexts, listPrefix, requireCap, today };

  const service = {
    count: search.count,
    list: search.list,
    get: search.get,
    reveal: search.reveal,
    create: writer.create,
    createMany: writer.createMany,
    bulkLoad: writer.bulkLoad,
    findByIdNumber: search.findByIdNumber,
    household: search.household,
    merge: merges.merge,
    registerMergeHandler: merges.registerMergeHandler,
    pathsOf: search.pathsOf,
    residentsUnder: search.residentsUnder,
    briefs: search.briefs,
    briefsByIdNumber: search.briefsByIdNumber,
    vulnerableCountByBuilding: search.vulnerableCountByBuilding,
    countByPath: search.countByPath,
    residentCodeKey: codes.residentCodeKey,
    residentCodeSigningKeyPem: codes.residentCodeSigningKeyPem,
    issueResidentCode: codes.issueResidentCode,
    reissueResidentCode: codes.reissueResidentCode,
    verifyResidentCode: codes.verifyResidentCode,
    resolveResidentCodes: codes.resolveResidentCodes,
    resolveResidentCode: codes.resolveResidentCode,
    residentCodeSheet: codes.residentCodeSheet,

    /** Import of resident lists (CSV/XLSX): preview, dry run, all-or-nothing or partial. See import.ts. */
    imports: createPersonImport(deps, core),

    /** Exports of persons (masked) to CSV or XLSX. See export.ts. */
    exports: createPersonExport(deps, core),
  };
  return service satisfies PopulationPort;
}
