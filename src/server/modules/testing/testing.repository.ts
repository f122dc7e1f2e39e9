/**
 * The testing module's repository: the only code here that builds queries, split by the
 * sub-service it serves (./repository/<part>.ts). This file re-exports every part so that services
 * keep importing `* as repo from './testing.repository.js'`; new code may import a part directly.
 */
export * from './repository/shared.js';
export * from './repository/campaigns.js';
export * from './repository/coverage.js';
export * from './repository/sites.js';
export * from './repository/tubes.js';
export * from './repository/results.js';
export * from './repository/flags.js';
export * from './repository/rechecks.js';
export * from './repository/lookup.js';
export * from './repository/home-sampling.js';
export * from './repository/scopes.js';
export * from './repository/merge.js';
