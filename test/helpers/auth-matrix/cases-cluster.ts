import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Clusters: the cluster of a case in 西陵区 (in scope) and of one in 伍家岗区 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'case_cluster',
  async make(env, city) {
    const sys = systemActor('auth-matrix');
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      return (await env.deps.services.cases.cases.create(undefined, sys, { personId, kind: 'confirmed', reason: '路由权限矩阵测试' })).clusterId!;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
