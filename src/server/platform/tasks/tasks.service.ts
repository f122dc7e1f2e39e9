import type { Deps } from '../../deps.js';

// Placeholder until the tasks work lands.
export function createTaskService(_deps: Deps) {
  return {};
}
