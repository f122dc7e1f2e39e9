import type { Deps } from '../deps.js';

/** Generates the demo city deterministically. Filled in by the geography work. */
export async function seedDemoCity(_deps: Deps, _onProgress?: (done: number, total: number, what: string) => void): Promise<{ jurisdictions: number; residents: number }> {
  return { jurisdictions: 0, residents: 0 };
}
