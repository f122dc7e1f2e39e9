import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** A traveller from a high-risk area living in 西陵街道 (in scope) and one in 伍家岗街道 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'traveller',
  async make(env, city) {
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      return (
        await env.deps.services.cases.travellers.register(undefined, systemActor('matrix'), {
          personId: personId!,
          category: 'high_risk_area',
          origin: '矩阵测试高风险区',
          arrivalDay: '2026-11-28',
        })
      ).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
