import { buildAddress, addResidents, residentInput } from '../../../src/server/modules/population/population.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Households: one in a 西陵街道 building (in scope of the matrix users) and one in 伍家岗街道 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'household',
  async make(env, city) {
    const household = async (street: typeof city.street, region: string) => {
      const address = await buildAddress(env, street, '901');
      const [id] = await addResidents(env, [residentInput(address.entrance.id, { region, room: '101' })]);
      return (await env.deps.services.population.get(systemActor('auth-matrix'), id)).householdId!;
    };
    return { inScope: await household(city.street, '420502'), outOfScope: await household(city.otherStreet, '420503') };
  },
};
export default fixture;
