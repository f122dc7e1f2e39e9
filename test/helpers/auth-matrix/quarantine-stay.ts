import { approvedReview, makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Home quarantine stays of a person in 西陵街道 (in scope) and one in 伍家岗街道 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'quarantine_stay',
  async make(env, city) {
    const q = env.deps.services.quarantine;
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      return (
        await q.assign(undefined, systemActor('matrix'), {
          personId: personId!,
          mode: 'home',
          basis: { type: 'manual_review', id: await approvedReview(env) },
          reason: '矩阵测试',
          exposureDate: '2026-11-28',
        })
      ).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
