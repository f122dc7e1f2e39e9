import type { TestEnv } from '../../../../test/helpers/db.js';
import type { JurisdictionRef } from '../../../../test/helpers/factories.js';
import { newId } from '../../platform/ids.js';

/**
 * Creates `n` persons living in `where` and returns their ids.
 * TEMPORARY: inserts rows directly until the population service's create() lands.
 */
export async function makePersons(env: TestEnv, where: JurisdictionRef, n: number): Promise<string[]> {
  const ids: string[] = [];
  const now = env.clock.now();
  for (let i = 0; i < n; i++) {
    const id = newId();
    ids.push(id);
    await env.deps.db
      .insertInto('persons')
      .values({
        id, name: `测试${i}`, id_type: 'passport', id_cipher: 'x', id_hmac: id, id_masked: 'x', phone_cipher: null, phone_hmac: null, phone_masked: null,
        birth_date: '1980-01-01', sex: 'male', resident: 1, household_id: null, building_id: null, entrance_id: null, room: null,
        jurisdiction_id: where.id, jurisdiction_path: where.path, region_of_origin: null, vulnerable_flags: 0, tags: '[]', created_at: now, updated_at: now,
      })
      .execute();
  }
  return ids;
}
