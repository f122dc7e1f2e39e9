import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Companion review batches for a person in 西陵街道 (in scope) and one in 伍家岗街道 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'companion_batch',
  async make(env, city) {
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      return (await env.deps.services.companions.detect(undefined, systemActor('matrix'), { personId: personId! })).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
