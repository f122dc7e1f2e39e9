import type { Deps } from '../../deps.js';

// Placeholder until the population work lands.
export function createPopulationService(_deps: Deps) {
  return {};
}
