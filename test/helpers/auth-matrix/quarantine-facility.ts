import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Quarantine facilities: one in 西陵街道 (in the matrix users' scope) and one in 伍家岗街道 (out of it). */
const fixture: MatrixFixture = {
  entity: 'quarantine_facility',
  async make(env, city) {
    const q = env.deps.services.quarantine;
    const make = async (jurisdictionId: string) =>
      (await q.createFacility(undefined, systemActor('matrix'), { name: '矩阵隔离点', jurisdictionId, address: '一号' })).id;
    return { inScope: await make(city.street.id), outOfScope: await make(city.otherStreet.id) };
  },
};
export default fixture;
