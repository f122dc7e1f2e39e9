import type { Deps } from '../../deps.js';

// Placeholder until the jobs work lands.
export function createJobService(_deps: Deps) {
  return {};
}
