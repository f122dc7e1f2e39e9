/**
 * What the companions module publishes to other modules: its port (the service's callable surface),
 * the grid (800 m cells, 10-minute buckets), the exposure derived from evidence, the error catalogue
 * and the types. Other modules import from here, never from its repository or tables.
 */
export type { CompanionPort } from './companions.port.js';
export { BUCKET_MS, CELL_SIZE_M, bucketOf, cellOf } from './companions.grid.js';
export { COMPANION_RELATION, CompanionErrors, exposureFromEvidence, type AcceptInput, type BatchDto, type CandidateDto, type DetectParams, type ImportResult } from './companions.service.js';
