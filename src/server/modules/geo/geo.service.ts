import type { Deps } from '../../deps.js';

// Placeholder until the geo work lands.
export function createGeoService(_deps: Deps) {
  return {};
}
