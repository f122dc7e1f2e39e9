import { systemActor } from '../../../src/server/platform/actor.js';
import { makeResidentId } from '../../../src/server/modules/population/resident-id.js';
import type { MatrixFixture } from './_fixture.js';

/**
 * Persons: a non-resident staying in 西陵街道 (in scope of the matrix users) and one staying in
 * 伍家岗街道 (out of scope), registered through the population service.
 */
const fixture: MatrixFixture = {
  entity: 'person',
  async make(env, city) {
    const person = async (street: typeof city.street, seq: number) => {
      const birthDate = '1990-06-15';
      const p = await env.deps.services.population.create(undefined, systemActor('auth-matrix'), {
        name: `矩阵测试${seq}`,
        idType: 'resident_id',
        idNumber: makeResidentId('420100', birthDate, 900 + seq, 'male'),
        birthDate,
        sex: 'male',
        resident: false,
        jurisdictionId: street.id,
        regionOfOrigin: '湖北省武汉市',
      });
      return p.id;
    };
    return { inScope: await person(city.street, 1), outOfScope: await person(city.otherStreet, 3) };
  },
};
export default fixture;
