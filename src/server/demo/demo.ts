import type { Deps } from '../deps.js';
import { seedDemoCity } from './city.js';
import { seedDemoUsers } from './users.js';

/**
 * Loads the demo city and its staff into an empty database. A second call on a database that
 * already has a city changes nothing (so a second `npm start` reuses the data).
 */
export async function loadDemo(deps: Deps, onProgress?: (done: number, total: number, what: string) => void, opts: { residents?: number } = {}): Promise<{ created: boolean; jurisdictions: number; residents: number; users: number }> {
  const existing = await deps.db.selectFrom('jurisdictions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return { created: false, jurisdictions: Number(existing.n), residents: 0, users: 0 };
  const city = await seedDemoCity(deps, onProgress, opts.residents ? { residents: opts.residents } : {});
  const staff = await seedDemoUsers(deps);
  return { created: true, ...city, ...staff };
}
