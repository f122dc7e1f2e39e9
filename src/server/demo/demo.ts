import type { Deps } from '../deps.js';
import { seedDemoCity } from './city.js';
import { seedDemoUsers } from './users.js';
import { seedDemoOutbreak } from './outbreak.js';

/**
 * Loads the demo city and its staff into an empty database. A second call on a database that
 * already has a city changes nothing (so a second `npm start` reuses the data).
 * `outbreak: true` also plays a small outbreak through the services (see outbreak.ts); the browser
 * tests leave it out and make their own.
 */
export async function loadDemo(
  deps: Deps,
  onProgress?: (done: number, total: number, what: string) => void,
  opts: { residents?: number; outbreak?: boolean } = {},
): Promise<{ created: boolean; jurisdictions: number; residents: number; users: number; cases: number }> {
  const existing = await deps.db
    .selectFrom('jurisdictions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return { created: false, jurisdictions: Number(existing.n), residents: 0, users: 0, cases: 0 };
  const city = await seedDemoCity(deps, onProgress, opts.residents ? { residents: opts.residents } : {});
  const staff = await seedDemoUsers(deps);
  const outbreak = opts.outbreak ? await seedDemoOutbreak(deps) : { cases: 0 };
  return { created: true, ...city, ...staff, cases: outbreak.cases };
}
