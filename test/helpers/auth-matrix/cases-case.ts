import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Cases: one in 西陵区 (in scope of the matrix users) and one in 伍家岗区 (out of scope), recorded by hand. */
const fixture: MatrixFixture = {
  entity: 'case',
  async make(env, city) {
    const sys = systemActor('auth-matrix');
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      return (await env.deps.services.cases.cases.create(undefined, sys, { personId, kind: 'confirmed', reason: '路由权限矩阵测试' })).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
